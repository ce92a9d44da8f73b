import { childEnv, config } from '../config.js';
import { netnsPathOf } from '../netcore/kernel/exec.js';
import type { CliContext } from './command.js';

/**
 * Commands that must live inside the host namespace themselves (a capture on
 * its bridges, the DNS server on its gateway addresses) re-run the CLI there
 * through nsenter. Returns null when already inside (or no namespace was
 * asked for): the caller then does the work itself.
 */
export async function reexecInHostNetns(ctx: CliContext, argv: string[]): Promise<number | null> {
  const ns = ctx.host.netns;
  if (!ns || config().insideNetns === ns) return null;
  const script = process.argv[1] ?? '';
  // loaded here: execa is an ES module, costly to load, and only these commands need it
  const { execa } = await import('execa');
  const child = execa('nsenter', [`--net=${netnsPathOf(ns)}`, '--', process.execPath, script, ...argv], {
    stdio: 'inherit',
    reject: false,
    env: childEnv({ TSDIAG_INSIDE_NETNS: ns, TSDIAG_HOST_NETNS: ns }),
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const res = await child;
    return res.exitCode ?? 1;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
