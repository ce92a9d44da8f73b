// A two-namespace lab for capture fixtures, tests and benchmarks: namespaces
// A and B joined by a veth pair (a0 in A, b0 in B) with IPv4 10.250.1.0/24 and
// IPv6 fd00:250:1::/64. Nothing touches the machine's own namespace; dispose()
// removes the namespaces (and with them every link) and every process started.
import { execFileSync, spawn } from 'node:child_process';

export function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function inNs(ns, cmd, args, opts = {}) {
  return sh('nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args], opts);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Lab {
  constructor(tag) {
    const base = `tcap-${process.pid}-${tag}`;
    this.a = `${base}-a`;
    this.b = `${base}-b`;
    this.procs = [];
  }

  /** Creates the namespaces and the veth; `up: false` leaves b0 down (to capture link-up traffic). */
  setup({ up = true, ipv6 = true } = {}) {
    for (const ns of [this.a, this.b]) {
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh('ip', ['-n', this.a, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0', 'netns', this.b]);
    if (!ipv6) for (const ns of [this.a, this.b]) inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    sh('ip', ['-n', this.a, 'addr', 'add', '10.250.1.1/24', 'dev', 'a0']);
    sh('ip', ['-n', this.b, 'addr', 'add', '10.250.1.2/24', 'dev', 'b0']);
    if (ipv6) {
      sh('ip', ['-n', this.a, 'addr', 'add', 'fd00:250:1::1/64', 'dev', 'a0']);
      sh('ip', ['-n', this.b, 'addr', 'add', 'fd00:250:1::2/64', 'dev', 'b0']);
    }
    sh('ip', ['-n', this.a, 'link', 'set', 'a0', 'up']);
    if (up) sh('ip', ['-n', this.b, 'link', 'set', 'b0', 'up']);
    return this;
  }

  /** A background process inside a namespace; killed by dispose(). */
  spawnIn(ns, cmd, args, opts = {}) {
    const p = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    p.stderrText = '';
    p.stdoutText = '';
    p.stderr?.on('data', (d) => (p.stderrText += d));
    p.stdout?.on('data', (d) => (p.stdoutText += d));
    p.exited = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
    this.procs.push(p);
    return p;
  }

  /** Starts `tcpdump -w file` in a namespace and waits until it listens. */
  async tcpdump(ns, iface, file, extra = []) {
    const p = this.spawnIn(ns, 'tcpdump', ['-i', iface, '-w', file, ...extra]);
    await waitFor(() => p.stderrText.includes('listening on'), 5000, () => `tcpdump did not start: ${p.stderrText}`);
    return p;
  }

  dispose() {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of [this.a, this.b]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  }
}

export async function waitFor(cond, timeoutMs, why) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(why());
    await sleep(20);
  }
}

/** Stops a process with a signal and waits for it to exit. */
export async function stop(p, signal = 'SIGINT') {
  if (p.exitCode === null && p.signalCode === null) p.kill(signal);
  return p.exited;
}
