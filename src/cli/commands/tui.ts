import { parse } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { reexecInHostNetns } from '../reexec.js';
import { parseBackend } from '../../diag/inventory/select.js';

const USAGE = `Usage: tsdiag [--host-netns NS] tui [--backend B]

The interactive terminal UI: the host's networks and containers (tsdiag's own
and Docker's) on the left, refreshed as they change; on the right the selected
item's details and the views:
  doctor    pick a source (f) and a target (t), a port (p), run (r): each check
            live, then the report with evidence and fix
  perf      pick a source (f) and a target (t), run (r): RTT histograms and
            throughput per 100 ms drawn live, then findings, fixes and hops;
            esc or Ctrl-C stops the run
  capture   packets of the selected network's bridge or container, live, with
            container names; a BPF filter (/) checked by libpcap as you type;
            pause, clear, write a pcap file; captured and dropped counters
  dns       the embedded DNS server's query log, live; failures highlighted
Keys are shown below the panes; ? lists them all; q quits.
\`tsdiag\` with no arguments on a terminal starts it too.

Options:
  --backend B         native (tsdiag's own), docker, podman, or auto (default: all that answer)
  --host-netns NS     the namespace that plays the host (a sandbox, a lab)
Needs a terminal (stdin and stdout a TTY); otherwise prints this text.
`;

export const command: Command = {
  name: 'tui',
  summary: 'the interactive terminal UI: tree, doctor, perf, capture and DNS log',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(args, { backend: { type: 'string' } });
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    const backend = parseBackend(values.backend);
    if (positionals.length || !process.stdin.isTTY || !(ctx.stdout as NodeJS.WriteStream).isTTY) {
      ctx.stdout.write(USAGE);
      return 2;
    }
    // a capture on the host's bridges has to be opened inside its namespace: the whole TUI runs there
    const inner = await reexecInHostNetns(ctx, ['tui', ...args]);
    if (inner !== null) return inner;
    // Ink renders only the final frame when it believes it runs in CI (is-in-ci reads these at
    // import); on a real terminal the user wants every frame, whatever the environment says.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const [{ TuiModel }, { liveServices }, { runTui }] = await Promise.all([
      import('../../tui/model/tui-model.js'), import('../../tui/services.js'), import('../../tui/run.js'),
    ]);
    await runTui(new TuiModel(liveServices(backend, ctx.host, ctx.env)), { stdin: process.stdin, stdout: ctx.stdout as NodeJS.WriteStream });
    return 0;
  },
};
