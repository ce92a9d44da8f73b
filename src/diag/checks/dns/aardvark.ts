import type { DoctorContext } from '../../context.js';
import type { FixTarget } from '../../fixes.js';

/**
 * aardvark-dns, rootful Podman's embedded DNS (netavark starts it in the host
 * namespace). netavark writes one file per DNS-enabled network into its
 * config dir: the first line the addresses aardvark listens on (the
 * network's gateways), then one line per container, `ID IPV4S IPV6S NAMES`
 * (comma-separated lists, the name and short id among the names), and
 * SIGHUPs the pid of aardvark.pid to reload. aardvark answers `name` and
 * `name.dns.podman` (the resolver file's search domain) from that table and
 * forwards other names to the nameservers of the /etc/resolv.conf it read
 * when it (re)started, dialled from the host namespace.
 */
export const AARDVARK_DIR = '/run/containers/networks/aardvark-dns';
export const PODMAN_SEARCH_DOMAIN = 'dns.podman';
/** aardvark-dns forwards outside names for --internal networks up to 1.10 (1.11: "Internal networks cannot make external DNS requests") */
const FIRST_INTERNAL_ONLY = [1, 11];

export interface AardvarkEntry { id: string; ipv4: string[]; names: string[] }

export interface AardvarkConfig {
  listen: string[];
  entries: AardvarkEntry[];
}

const list = (field: string | undefined) => (field ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function parseAardvarkConfig(text: string): AardvarkConfig {
  const [head = '', ...lines] = text.split('\n');
  const entries = lines.filter((l) => l.trim()).map((l) => {
    const [id = '', v4, , names] = l.split(' ');
    return { id, ipv4: list(v4), names: list(names) };
  });
  return { listen: list(head.split(' ')[0]), entries };
}

/** What the doctor reads of aardvark-dns for one network. */
export interface AardvarkFacts {
  network: string;
  /** the network's file in the config dir */
  file: string;
  /** its text; null: absent */
  config: string | null;
  pid: number | null;
  /** the pid's process exists */
  running: boolean;
  /** the gateway addresses aardvark should listen on, and those that have a UDP socket on port 53 */
  gateways: string[];
  listening: string[];
  /** `aardvark-dns --version`, e.g. "aardvark-dns 1.4.0" */
  version: string | null;
  /** the resolver file aardvark forwards by, as its own filesystem holds it (null: unread) */
  resolvConf: string | null;
}

/** aardvark's facts for a network of the run's backend (Podman, DNS enabled), read once per run. */
export function gatherAardvark(ctx: DoctorContext, network: string): Promise<AardvarkFacts> {
  return ctx.once(`aardvark:${network}`, async () => {
    const file = `${AARDVARK_DIR}/${network}`;
    const [config, pidText, sockets] = await Promise.all([
      ctx.host.readFile(file), ctx.host.readFile(`${AARDVARK_DIR}/aardvark.pid`), ctx.host.listening(false),
    ]);
    const pid = pidText && /^\d+$/.test(pidText.trim()) ? Number(pidText.trim()) : null;
    const comm = pid ? await ctx.host.readFile(`/proc/${pid}/comm`) : null;
    const running = comm?.trim() === 'aardvark-dns';
    const gw = ctx.networkNamed(network)?.gateway;
    const gateways = config ? parseAardvarkConfig(config).listen : gw ? [gw] : [];
    const listening = gateways.filter((g) => sockets.some((s) => s.proto === 'udp' && s.port === 53 && s.addr === g));
    const [version, resolvConf] = running
      ? await Promise.all([ctx.host.toolVersion(`/proc/${pid}/exe`), ctx.host.readFile(`/proc/${pid}/root/etc/resolv.conf`)])
      : [null, null];
    return { network, file, config, pid, running, gateways, listening, version, resolvConf };
  });
}

/** Does this aardvark forward outside names for containers only on --internal networks? */
export function forwardsForInternal(version: string | null): boolean {
  const m = /(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < FIRST_INTERNAL_ONLY[0]! || (major === FIRST_INTERNAL_ONLY[0] && minor < FIRST_INTERNAL_ONLY[1]!);
}

const hup = (pid: number) => `kill -HUP ${pid}`;
/** the local podman (the remote client has no reload), in the engine's namespace when it is not this machine's */
const podmanLocal = (t: FixTarget, args: string) => `${t.hostNetns ? `nsenter --net=/run/netns/${t.hostNetns} ` : ''}podman ${args}`;

/**
 * Why aardvark does not answer for `peer` (a cause, not the symptom): not
 * running, not listening on the gateway, the peer's entry missing from its
 * file, or the entry there but not loaded (a SIGHUP it did not act on). Null
 * when aardvark's side looks right.
 */
export function aardvarkCause(a: AardvarkFacts, peer: string, t: FixTarget): { summary: string; evidence: string[]; fix: string } | null {
  const evidence = aardvarkEvidence(a, peer);
  if (a.config === null) {
    return { summary: `aardvark-dns has no config for network ${a.network} (${a.file} is missing)`, evidence, fix: podmanLocal(t, 'network reload --all') };
  }
  if (!a.pid || !a.running) {
    return { summary: `aardvark-dns is not running${a.pid ? ` (pid ${a.pid} of aardvark.pid is gone)` : ''}: nothing answers names on ${a.network}`, evidence, fix: podmanLocal(t, 'network reload --all') };
  }
  const deaf = a.gateways.filter((g) => !a.listening.includes(g));
  if (deaf.length) {
    return { summary: `aardvark-dns (pid ${a.pid}) runs but does not listen on ${deaf.map((g) => `${g}:53`).join(', ')}: its server for ${a.network} is gone`, evidence, fix: hup(a.pid) };
  }
  if (!entryOf(a, peer)) {
    return { summary: `${a.file} has no entry for ${peer}: netavark did not write it (or a concurrent removal rewrote the file without it)`, evidence, fix: podmanLocal(t, `network reload ${peer}`) };
  }
  return { summary: `${a.file} lists ${peer}, yet aardvark-dns (pid ${a.pid}) does not answer it: it has not loaded the file since (a SIGHUP it did not act on)`, evidence, fix: hup(a.pid) };
}

function entryOf(a: AardvarkFacts, peer: string): AardvarkEntry | undefined {
  return a.config ? parseAardvarkConfig(a.config).entries.find((e) => e.names.includes(peer) || e.id.startsWith(peer)) : undefined;
}

export function aardvarkEvidence(a: AardvarkFacts, peer: string): string[] {
  const entry = entryOf(a, peer);
  return [
    `aardvark-dns${a.version ? ` (${a.version.replace(/^aardvark-dns\s*/, '')})` : ''}: ${a.pid ? `pid ${a.pid} ${a.running ? 'running' : 'not running'}` : 'no aardvark.pid'}, listening on ${a.listening.map((g) => `${g}:53`).join(', ') || 'no gateway'}`,
    a.config === null ? `${a.file}: absent` : `${a.file}: ${entry ? `${peer} -> ${entry.ipv4.join(',') || '(no IPv4)'}` : `no entry for ${peer}`}`,
  ];
}
