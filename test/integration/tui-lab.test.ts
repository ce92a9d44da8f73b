import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLab } from '../helpers/lab.js';
import { TmuxTerminal } from '../helpers/tmux.js';

/**
 * The TUI in a real terminal: tmux (a server of its own on a private socket)
 * runs `tsdiag tui` against a lab with fault S13 at 80x24; keys pick web and
 * db and run the doctor; the screen read with capture-pane shows the failing
 * check and its fix. Then the capture view shows packets while web pings db,
 * and q leaves the terminal as it was.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist/bundle/main.cjs');
const lab = new TestLab();
const term = new TmuxTerminal();
const { keys, screen, waitForScreen } = term;

/** `tsdiag tui` as a user starts it, against the lab. */
function tuiArgv(): string[] {
  return [MAIN, '--host-netns', lab.name, 'tui'];
}

describe('tsdiag tui in tmux on a lab with fault S13', () => {
  beforeAll(async () => {
    await lab.up('S13');
    await term.start(tuiArgv(), { TSDIAG_STATE_DIR: lab.stateDir, TSDIAG_HOST_NETNS: lab.name });
  });

  afterAll(async () => {
    await term.kill();
    await lab.down();
  });

  it('shows the tree; web and db picked by keys, the doctor names the failing check and its fix', async () => {
    await waitForScreen(/web 172\.\d+\.\d+\.\d+/);
    const tree = await screen();
    expect(tree).toMatch(/app 172\.\d+\.0\.0\/16/);
    expect(tree).toMatch(/db 172\.[\d.]+ 5432->5432/);
    // the first container (db) is selected: j goes to web
    await keys('d', 'j', 'f', 'k', 't');
    await waitForScreen(/from web +to db +port auto/);
    await keys('r');
    const report = await waitForScreen(/FAIL +app\.listen/, 60_000);
    expect(report).toMatch(/failed/);
    expect(report).toMatch(/fix: restart the service in db/);
    expect(report).toMatch(/0\.0\.0\.0:5432/);
  });

  it('the capture view shows packets on the network bridge while web pings db', async () => {
    await keys('c', 'k');
    await waitForScreen(/i:details/);
    await keys('s');
    await waitForScreen(/network app running/);
    const ping = await lab.cli(['--host-netns', lab.name, 'exec', 'web', '--', 'ping', '-c', '3', '-i', '0.2', 'db']);
    expect(ping.exitCode, ping.stderr).toBe(0);
    await keys('z');
    const shown = await waitForScreen(/IP 172\.[\d.]+\(web\) > 172\.[\d.]+\(db\): ICMP echo request/);
    expect(shown).toMatch(/captured [1-9]/);
  });

  it('q quits and leaves the terminal as it was', async () => {
    await keys('q');
    const after = await waitForScreen(/TUI-EXITED 0/);
    expect(after).not.toMatch(/i:details/);
  });
});
