/** The embedded DNS server: what the CLI and netcore's callers use. */
export { startDnsServer, type DnsServer, type DnsServerOptions, type ListenAddress } from './server.js';
export { startDnsService, type DnsService, type DnsServiceOptions } from './service.js';
export { RecordTable, gatewayAddresses, servesNames, RECORD_TTL, type Resolution } from './records.js';
export { parseUpstream, formatUpstream, hostUpstreams, type Upstream } from './upstreams.js';
export { formatQueryLog, streamLogger, type QueryLogEntry } from './log.js';
export { followState } from './follow.js';
