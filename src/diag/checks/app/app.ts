import type { ListeningSocket } from '../../probe/protocol.js';
import { isLoopbackAddress } from '../../../netcore/bridge/resolvconf.js';
import { fail, pass, skip, type Check } from '../../check.js';

export interface ListenFacts {
  to: string;
  port: number | null;
  addresses: string[]; // the peer's own addresses
  sockets: ListeningSocket[]; // TCP listeners in the peer's namespace
}

const WILDCARD = new Set(['0.0.0.0', '::']);

export const appListen: Check<ListenFacts> = {
  id: 'app.listen',
  title: 'the service listens on an address the peer can reach',
  after: ['topology.exists'],
  async gather(ctx) {
    const to = ctx.target.to!;
    const [all, port] = await Promise.all([ctx.agentIn(to).call('listening', {}), ctx.peerPort()]);
    const sockets = all.filter((s) => s.proto.startsWith('tcp'));
    return { to: ctx.target.toName, port, addresses: to.endpoints.map((e) => e.ipv4).filter((a): a is string => !!a), sockets };
  },
  judge(f) {
    if (!f.port) return skip(`no port to test: ${f.to} publishes and listens on none (give --port N)`);
    const onPort = f.sockets.filter((s) => s.port === f.port);
    const evidence = onPort.length ? onPort.map((s) => `${s.proto} ${s.addr}:${s.port} LISTEN`) : [`listening TCP ports in ${f.to}: ${[...new Set(f.sockets.map((s) => s.port))].sort((a, b) => a - b).join(', ') || 'none'}`];
    const reachable = onPort.filter((s) => WILDCARD.has(s.addr) || f.addresses.includes(s.addr.replace('::ffff:', '')));
    if (reachable.length) return pass(`${f.to} listens on ${reachable.map((s) => `${s.addr}:${s.port}`).join(', ')}`, evidence);
    if (onPort.length && onPort.every((s) => isLoopbackAddress(s.addr))) {
      return fail(`${f.to} listens on port ${f.port} only on ${onPort.map((s) => s.addr).join(', ')}: unreachable from other containers`, evidence,
        `restart the service in ${f.to} bound to 0.0.0.0:${f.port} (not 127.0.0.1)`);
    }
    return fail(`nothing listens on TCP port ${f.port} in ${f.to}`, evidence, `start the service in ${f.to} on 0.0.0.0:${f.port}`);
  },
};
