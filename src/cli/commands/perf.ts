import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { parseIntStrict, validateName } from '../../netcore/validate.js';
import { parseBackend } from '../../diag/inventory/select.js';
import { parseFamilyChoice } from '../../perf/per-family.js';

const USAGE = `Usage: tsdiag perf [OPTIONS] FROM TO

How fast the path from container FROM to container TO is, and why it is slow:
RTT percentiles (ICMP echo, TCP connect, UDP echo), TCP throughput with one
stream and parallel streams, UDP at a rate with loss and jitter, the MTU,
offloads and qdisc of every hop; over the bridge, and through TO's published
port (DNAT or docker-proxy) when it has one; over IPv4 and IPv6 when the pair
shares both (side by side, with IPv6's figures as a share of IPv4's).
tsdiag's own sender and receiver run in the two namespaces for the run and
are gone after it.

Options:
  --port N            TO's service port: TCP connect RTT probes it (something must listen there)
  --time S            seconds per throughput test (default 2, 1-60)
  --parallel N        streams of the parallel TCP test (default 4, 2-64)
  --count N           probes per RTT figure (default 50, 1-10000)
  --udp-rate MBIT     the UDP test's rate in Mbit/s (default 100, 1-100000)
  --family F          4, 6 or both (default: every family the pair shares; one it does not share is bad input)
  --backend B         native (tsdiag's own), docker, podman ($CONTAINER_HOST), or auto (default: whichever knows the names)
  --json              the report as JSON, with every sample
  --host-netns NS     the namespace that plays the host (a sandbox, a test engine's)
  --peer-docker-host URL, --peer-host-netns NS
                      TO on another swarm node: that node's engine (unix:// or tcp://) and host namespace.
                      tsdiag's receiver runs in TO's namespace there, so that node must be a namespace of this
                      machine (a test rig's swarm); on two real hosts run tsdiag perf on TO's node instead.
                      The overlay is measured next to the underlay (node to node, no VXLAN).

Exit codes: 0 measured, no cause of slowness found; 1 a finding names a slow hop (or the run failed);
2 bad input (unknown or stopped container, nothing listening on --port, bad numbers, a --family the pair
does not share, not root).
`;

export const command: Command = {
  name: 'perf',
  summary: 'how fast one container reaches another, and why it is slow',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(args, {
      port: { type: 'string', short: 'p' }, time: { type: 'string', short: 't' }, parallel: { type: 'string', short: 'P' },
      count: { type: 'string', short: 'c' }, 'udp-rate': { type: 'string' }, family: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
      'peer-docker-host': { type: 'string' }, 'peer-host-netns': { type: 'string' },
    });
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError('perf needs two containers: tsdiag perf FROM TO');
    const [fromName, toName] = positionals.map((p) => validateName('container', p)) as [string, string];
    const num = (name: string, min: number, max: number) => {
      const v = values[name as keyof typeof values];
      return typeof v === 'string' ? parseIntStrict(`--${name}`, v, min, max) : undefined;
    };
    const port = num('port', 1, 65535) ?? null;
    const seconds = num('time', 1, 60);
    const parallel = num('parallel', 2, 64);
    const count = num('count', 1, 10000);
    const udpRate = num('udp-rate', 1, 100000);
    const backend = parseBackend(values.backend);
    const family = parseFamilyChoice(values.family);
    const peer = peerNode(values['peer-docker-host'], values['peer-host-netns']);
    requireCapabilities('perf', ['NET_ADMIN', 'SYS_ADMIN']);
    const [{ runPerf }, { renderJson, renderText }] = await Promise.all([import('../../perf/run.js'), import('../../perf/report.js')]);
    const report = await runPerf({
      backend, host: ctx.host, env: ctx.env, fromName, toName, port, seconds, parallel, count, peer, family,
      udpRateBps: udpRate === undefined ? undefined : udpRate * 1e6,
      onProgress: values.json ? undefined : (line) => ctx.stderr.write(`perf: ${line}\n`),
    });
    ctx.stdout.write(values.json ? renderJson(report) : renderText(report));
    return report.findings.length ? 1 : 0;
  },
};

function peerNode(dockerHost: string | undefined, hostNetns: string | undefined): { dockerHost: string; hostNetns: string } | undefined {
  if (dockerHost === undefined && hostNetns === undefined) return undefined;
  if (dockerHost === undefined || hostNetns === undefined) throw new UsageError('--peer-docker-host and --peer-host-netns go together');
  if (!/^(unix:\/\/\/[^\s]+|tcp:\/\/[a-zA-Z0-9.-]+:\d+)$/.test(dockerHost)) throw new UsageError(`invalid --peer-docker-host "${dockerHost}": unix:///PATH or tcp://HOST:PORT`);
  return { dockerHost, hostNetns: validateName('namespace', hostNetns) };
}
