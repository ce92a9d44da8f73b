import { readNowOrRefuse } from '../../netcore/kernel/read-now.js';
import { run } from '../../netcore/kernel/exec.js';
import { parseResolvConf } from '../../netcore/bridge/resolvconf.js';
import { decodeReply, encodeQuery, QTYPE } from './dns-wire.js';
import { socketsHere, type SocketMaker } from '../../netcore/kernel/netns-socket.js';
import * as inNamespace from './ns-ops.js';
import { closeGracefully, trackConnect } from './tcp-close.js';
import type { ConnectArgs, ConnectResult, PingArgs, PingResult, ResolveArgs, ResolveResult } from './protocol.js';

/**
 * The probes, as they run inside the agent's namespace: the agent's own
 * namespace is "here". The doctor runs resolve, ping and connect from outside
 * too (see prober.ts), with sockets made inside the namespace and ping
 * started in it.
 */
export const links = () => inNamespace.links();
export const routeGet = (a: { addr: string }) => inNamespace.routeGet(a.addr);
export const neigh = () => inNamespace.neigh();
export const addresses = (a: { family?: 4 | 6 } = {}) => inNamespace.addresses({}, a.family);
export const routes = (a: { family?: 4 | 6 } = {}) => inNamespace.routes({}, a.family);
export const listening = () => inNamespace.listening();
export const dadStates = () => inNamespace.dadStates();
export const readFile = inNamespace.readFile;

export async function resolve(a: ResolveArgs, sockets: SocketMaker = socketsHere): Promise<ResolveResult> {
  const t0 = performance.now();
  let server = a.server ?? null;
  if (!server && a.resolvConf) {
    const text = readNowOrRefuse(a.resolvConf);
    server = text === null ? null : (parseResolvConf(text).nameservers[0] ?? null);
  }
  if (!server) return { server: null, rcode: null, addresses: [], ms: 0, error: 'no nameserver in the resolver file' };
  const id = Math.floor(Math.random() * 65535);
  const qtype = QTYPE[a.qtype ?? 'A'];
  const query = encodeQuery(id, a.name, qtype);
  const [host, portText] = server.includes('#') ? server.split('#') : [server, '53'];
  const sock = sockets.udp(host!);
  try {
    return await new Promise<ResolveResult>((resolveP) => {
      const timer = setTimeout(() => resolveP({ server, rcode: null, addresses: [], ms: performance.now() - t0, error: 'timeout' }), a.timeoutMs ?? 4000);
      sock.on('error', (err) => {
        clearTimeout(timer);
        resolveP({ server, rcode: null, addresses: [], ms: performance.now() - t0, error: err.message });
      });
      sock.on('message', (msg) => {
        try {
          const reply = decodeReply(msg, qtype);
          if (reply.id !== id) return;
          clearTimeout(timer);
          resolveP({ server, rcode: reply.rcode, addresses: reply.addresses, ms: performance.now() - t0, error: null });
        } catch {
          // not a reply we can read: keep waiting for one
        }
      });
      sock.send(query, Number(portText), host);
    });
  } finally {
    sock.close();
  }
}

/**
 * The system's ping (iputils), one process per probe: -M do sets DF; the
 * output keeps the "mtu=" ICMP and the kernel report. `at` starts it in
 * another namespace (nsenter --net): a namespace nsenter cannot enter is an
 * error, as an agent that cannot start there.
 */
export async function ping(a: PingArgs, at: inNamespace.Where = {}): Promise<PingResult> {
  const args = ['-n', '-W', String(a.timeoutS ?? 1), '-c', String(a.count ?? 1), ...(a.dontFragment ? ['-M', 'do'] : []), '-s', String(a.size ?? 56), a.addr];
  const res = await run('ping', args, { ...at, reject: false });
  inNamespace.assertEntered(res);
  const output = res.stdout + res.stderr;
  const time = /time=([\d.]+) ms/.exec(output);
  return { alive: res.exitCode === 0, ms: time ? Number(time[1]) : null, output };
}

/**
 * A TCP connect: the latency is the handshake's. An open connection is then
 * closed in the background, gracefully (tcp-close.ts), so the result does not
 * wait for it and the service probed never sees a reset.
 */
export async function connect(a: ConnectArgs, sockets: SocketMaker = socketsHere): Promise<ConnectResult> {
  const t0 = performance.now();
  const sock = sockets.tcp(a.addr);
  return new Promise((resolveP) => {
    sock.connect({ host: a.addr, port: a.port });
    const untrack = trackConnect(() => {
      clearTimeout(timer);
      sock.destroy();
      resolveP({ result: 'error', ms: performance.now() - t0, error: 'abandoned: the doctor run ended' });
    });
    const done = (result: ConnectResult['result'], error: string | null) => {
      untrack();
      clearTimeout(timer);
      sock.removeAllListeners('error');
      // a timeout may fire while the handshake is done in the kernel but not yet seen here (a busy
      // event loop): close it as a connected one, or it would reset the server's half of it
      if (result === 'open' || result === 'timeout') closeGracefully(sock);
      else sock.destroy(); // refused or unreachable: no connection to reset
      resolveP({ result, ms: performance.now() - t0, error });
    };
    const timer = setTimeout(() => done('timeout', null), a.timeoutMs ?? 2000);
    sock.once('connect', () => done('open', null));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('refused', err.message);
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') done('unreachable', err.message);
      else done('error', err.message);
    });
  });
}
