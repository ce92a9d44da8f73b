import { render } from 'ink';
import type { TuiModel } from './model/tui-model.js';
import { App } from './views/App.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
 * Runs the TUI on a terminal until q: on the alternate screen, so that the
 * terminal is left as it was; the model's sessions (capture, log follower,
 * refresh timer) are closed on the way out, also on SIGTERM or SIGHUP.
 */
export async function runTui(model: TuiModel, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } = process): Promise<void> {
  io.stdout.write(ENTER_ALT_SCREEN);
  const app = render(<App model={model} />, { stdin: io.stdin, stdout: io.stdout, exitOnCtrlC: false, maxFps: 20 });
  const onSignal = () => app.unmount();
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  void model.start();
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await model.close();
    io.stdout.write(LEAVE_ALT_SCREEN);
  }
}
