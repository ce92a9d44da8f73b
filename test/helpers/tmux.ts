import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A terminal for TUI tests: a tmux server of its own (a private socket) with
 * one session of a given size; keys sent as a user types them, the screen
 * read with capture-pane.
 */
export class TmuxTerminal {
  private readonly socket = `tsdiag-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly session = 'tui') {}

  private tmux(...args: string[]) {
    return execa('tmux', ['-L', this.socket, ...args]);
  }

  /** Runs `node argv...` at columns x rows; the shell reports the exit code once it has ended (no shell string is built from input). */
  async start(argv: string[], env: Record<string, string>, columns = 80, rows = 24): Promise<void> {
    const vars = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await this.tmux('new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), ...vars,
      '--', 'sh', '-c', 'node "$@"; echo "TUI-EXITED $?"; sleep 600', 'sh', ...argv);
  }

  readonly screen = async (): Promise<string> => String((await this.tmux('capture-pane', '-p', '-t', this.session)).stdout);

  readonly keys = async (...ks: string[]): Promise<void> => {
    for (const k of ks) {
      await this.tmux('send-keys', '-t', this.session, k);
      await new Promise((r) => setTimeout(r, 150));
    }
  };

  readonly waitForScreen = async (re: RegExp, ms = 30_000): Promise<string> => {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (re.test(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the screen never showed ${re}:\n${last}`);
  };

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, this.socket), { force: true });
  }
}
