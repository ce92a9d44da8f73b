import { run, type Where } from '../netcore/kernel/exec.js';
import { readNowOrRefuse } from '../netcore/kernel/read-now.js';
import { readRuleset } from '../netcore/kernel/nft/ruleset.js';
import {
  iptablesBackendInUse, ipv4Addresses, ipv4Routes, ipv6Addresses, ipv6Routes, kernelModuleLoaded, linkDetails, listeningSockets, toolVersion, permanentNeighbours,
  readIptablesOf, readSysctl, tunnelFdb, vxlanLinks, type IptablesBackend, type IptablesState,
} from '../netcore/kernel/inspect.js';
import { readHostResolvConf } from '../netcore/bridge/resolvconf.js';
import { withNftTrace, type ProbeMatch, type TraceOptions, type TraceResult } from '../netcore/kernel/nft/trace.js';
import { withDropReasons, type DropEvent, type DropReason, type DropReasonOptions } from '../netcore/kernel/drop-reasons.js';
import type { Memo } from './memo.js';
import type { NamespaceProber } from './probe/prober.js';

export type {
  AddressEntry, FdbEntry, HostSocket, IptablesBackend, IptablesState, IptChain, IptRule, NeighbourEntry, RouteEntry, VxlanLink,
} from '../netcore/kernel/inspect.js';
export type { NftChain, NftRule, NftRuleset, NftTable } from '../netcore/kernel/nft/ruleset.js';
export type { ProbeMatch, TraceOptions, TraceResult } from '../netcore/kernel/nft/trace.js';
export type { TraceEvent, TracedPacket, TraceStep } from '../netcore/kernel/nft/trace-events.js';
export type { DropEvent, DropReason, DropReasonOptions } from '../netcore/kernel/drop-reasons.js';
export type { Where } from '../netcore/kernel/exec.js';

/**
 * The checks' one way to the host's facts (the namespace that plays the
 * host): every reading is made once per run, in the run's one cache, so two
 * checks that need the iptables rules get the same reading. Per-namespace
 * facts of the containers go through their probers (ctx.agentIn), not here.
 */
export class HostReader {
  /** the host namespace's probes; its agent starts only for a probe that needs one (most runs never do) */
  constructor(readonly netns: string | null, private readonly memo: Memo, private readonly prober: () => NamespaceProber) {}

  get agent(): NamespaceProber {
    return this.prober();
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.memo.once(`host:${key}`, fn);
  }

  sysctl(key: string) {
    return this.once(`sysctl-${key}`, () => readSysctl(this.netns, key));
  }

  /** a sysctl of another named namespace than the host's (a container's rp_filter) */
  sysctlIn(netns: string, key: string) {
    return this.once(`sysctl-${netns}-${key}`, () => readSysctl(netns, key));
  }

  moduleLoaded(name: string) {
    return this.once(`mod-${name}`, () => kernelModuleLoaded(name));
  }

  /** the host's listening sockets; owners only when asked (finding them costs more than the rest of the reading) */
  listening(withOwners: boolean) {
    return this.once(`listening-${withOwners}`, () => listeningSockets(this.netns, withOwners));
  }

  /** a helper program's `--version` line (aardvark-dns through /proc/PID/exe: the binary that runs, wherever it lives) */
  toolVersion(program: string) {
    return this.once(`version-${program}`, () => toolVersion(program));
  }

  routes() {
    return this.once('routes', () => ipv4Routes(this.netns));
  }

  addresses() {
    return this.once('addresses', () => ipv4Addresses(this.netns));
  }

  routes6() {
    return this.once('routes6', () => ipv6Routes(this.netns));
  }

  addresses6() {
    return this.once('addresses6', () => ipv6Addresses(this.netns));
  }

  links() {
    return this.once('links', () => linkDetails(this.netns));
  }

  /** every link with its state, MAC, master and bridge port state (the path walk's host hops) */
  linkStates() {
    return this.once('link-states', () => this.agent.call('links', {}));
  }

  /** the host's route to an address (one `ip route get`: no agent starts for it) */
  routeGet(addr: string) {
    return this.once(`route-${addr}`, () => this.agent.call('routeGet', { addr }));
  }

  /** a file as the host sees it (resolver files of containers live on the host's filesystem) */
  readFile(path: string): Promise<string | null> {
    // a resolver file root may read and we may not must not pass for an empty one
    return this.once(`file-${path}`, async () => readNowOrRefuse(path));
  }

  /** the host's own resolver configuration */
  resolvConf() {
    return this.once('resolv.conf', () => readHostResolvConf({ netns: this.netns, stateDir: '' }));
  }

  /** the backend plain `iptables` drives (nft when it cannot tell) */
  iptablesBackend(): Promise<IptablesBackend> {
    return this.once('iptables-backend', async () => (await iptablesBackendInUse(this.netns)) ?? 'nft');
  }

  /** a backend's rules and counters as first read this run (null: its save command is not installed) */
  iptables(backend: IptablesBackend): Promise<IptablesState | null> {
    return this.once(`iptables-${backend}`, () => readIptablesOf(this.netns, backend));
  }

  /** a backend's ip6tables rules and counters as first read this run (null: not installed): where the pair shares IPv6 */
  ip6tables(backend: IptablesBackend): Promise<IptablesState | null> {
    return this.once(`ip6tables-${backend}`, () => readIptablesOf(this.netns, backend, 6));
  }

  /** ip6tables' rules and counters read again now, past the cache */
  ip6tablesNow(backend: IptablesBackend): Promise<IptablesState | null> {
    return readIptablesOf(this.netns, backend, 6);
  }

  /** a backend's rules and counters read again now, past the cache: counters that moved since the first reading */
  iptablesNow(backend: IptablesBackend): Promise<IptablesState | null> {
    return readIptablesOf(this.netns, backend);
  }

  /** the whole nf_tables ruleset, every family, as the typed model */
  nftRuleset() {
    return this.once('nft-ruleset', () => readRuleset(this.netns));
  }

  /** `nft list ruleset` as nft prints it (null: nft is not installed or cannot list) */
  nftRulesetText(): Promise<string | null> {
    return this.once('nft-ruleset-text', async () => {
      const res = await run('nft', ['list', 'ruleset'], { netns: this.netns, reject: false }).catch(() => null);
      return res?.exitCode === 0 ? res.stdout : null;
    });
  }

  vxlanLinks() {
    return this.once('vxlan-links', () => vxlanLinks(this.netns));
  }

  tunnelFdb() {
    return this.once('tunnel-fdb', () => tunnelFdb(this.netns));
  }

  permanentNeighbours() {
    return this.once('permanent-neighbours', () => permanentNeighbours(this.netns));
  }

  /**
   * The probe's packets traced through nf_tables in a named namespace (null:
   * this process's own) while probe runs, once per run and key; the tracer's
   * tables go at the end, also on failure or a signal.
   */
  nftTrace<T>(key: string, at: Where, match: ProbeMatch, probe: () => Promise<T>, opts: TraceOptions = {}): Promise<TraceResult<T>> {
    return this.once(`nft-trace-${key}`, () => withNftTrace(at, match, probe, opts));
  }

  /** The kernel's drop reasons (skb:kfree_skb) while probe runs, once per run and key; the tracefs instance goes at the end. */
  dropReasons<T>(key: string, probe: () => Promise<T>, opts: DropReasonOptions = {}): Promise<{ value: T; reasons: DropReason[]; events: DropEvent[] }> {
    return this.once(`drop-reasons-${key}`, () => withDropReasons(probe, opts));
  }
}

/** `nft delete rule <family> <table> <chain> handle <N>`, validated (the fix for an nf_tables rule that drops). */
export { deleteRuleArgs as nftDeleteRuleArgs } from '../netcore/kernel/nft/ruleset.js';
