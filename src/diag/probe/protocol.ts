/**
 * The probe agent's protocol: one JSON object per line each way. A request
 * names an operation; the reply carries the same id and either a result or an
 * error. The agent runs inside one network namespace for a whole doctor run.
 */
export interface ResolveArgs { name: string; qtype?: 'A' | 'AAAA'; server?: string; resolvConf?: string | null; timeoutMs?: number }
export interface ResolveResult {
  server: string | null;
  rcode: string | null; // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or null on timeout
  addresses: string[];
  ms: number;
  error: string | null; // timeout, no nameserver, ...
}

export interface PingArgs { addr: string; count?: number; size?: number; dontFragment?: boolean; timeoutS?: number }
export interface PingResult { alive: boolean; ms: number | null; output: string }

export interface ConnectArgs { addr: string; port: number; timeoutMs?: number }
export interface ConnectResult { result: 'open' | 'refused' | 'timeout' | 'unreachable' | 'error'; ms: number; error: string | null }

export interface ListeningSocket { proto: 'tcp' | 'tcp6' | 'udp' | 'udp6'; addr: string; port: number }

export interface LinkInfo {
  ifname: string; mtu: number; operstate: string; kind: string | null; ifindex: number; linkIndex: number | null;
  /** administratively up; carrier (a veth: its peer is up) */
  up: boolean; carrier: boolean;
  /** neither asks nor answers ARP */
  noarp: boolean;
  mac: string | null;
  master: string | null;
  /** as a bridge port: forwarding, blocking, disabled, ... (null: not a port) */
  portState: string | null;
  /** a bridge's: runs the spanning tree protocol (null: not a bridge) */
  stp: boolean | null;
}

export interface AddressInfo { ifname: string; address: string; prefixLen: number }

/** An IPv6 address duplicate address detection holds back: still tentative (DAD runs), or dadfailed (another node answered for it). */
export interface DadState { ifname: string; address: string; state: 'tentative' | 'dadfailed' }

export interface RouteInfo { dst: string; dev: string | null; gateway: string | null }

export interface RouteGetResult { dev: string | null; gateway: string | null; src: string | null; mtu: number | null; error: string | null }

export interface NeighEntry { dst: string; dev: string; state: string[]; lladdr: string | null }

export interface AgentOps {
  resolve: [ResolveArgs, ResolveResult];
  ping: [PingArgs, PingResult];
  connect: [ConnectArgs, ConnectResult];
  listening: [Record<string, never>, ListeningSocket[]];
  links: [Record<string, never>, LinkInfo[]];
  routeGet: [{ addr: string }, RouteGetResult];
  neigh: [Record<string, never>, NeighEntry[]];
  /** family: 4 (the default) or 6 */
  addresses: [{ family?: 4 | 6 }, AddressInfo[]];
  routes: [{ family?: 4 | 6 }, RouteInfo[]];
  /** the IPv6 addresses that are tentative or dadfailed (none: every address is in use) */
  dadStates: [Record<string, never>, DadState[]];
  readFile: [{ path: string }, string | null];
}

export type OpName = keyof AgentOps;

export interface AgentRequest { id: number; op: OpName; args: unknown }
export interface AgentReply { id: number; result?: unknown; error?: string }
