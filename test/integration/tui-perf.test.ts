import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PairSandbox } from '../helpers/pair-sandbox.js';
import { CLI, waitFor } from '../helpers/sandbox.js';
import { TmuxTerminal } from '../helpers/tmux.js';

/**
 * The TUI's perf view in a real terminal (tmux on a private socket, 100x40)
 * on a sandbox pair: keys pick web and db and start a run on the real veths;
 * the screen shows the RTT histograms and the throughput series while it
 * runs, then the final figures and the hops. Esc and Ctrl-C stop a run and
 * q quits during one: each time tsdiag's generators are gone from both
 * namespaces afterwards.
 */
const term = new TmuxTerminal('tuiperf');
const { keys, screen, waitForScreen } = term;

const BARS = '[▁▂▃▄▅▆▇█]';

describe('tsdiag tui: the perf view on a sandbox pair', () => {
  let p: PairSandbox;
  let baseline = '';
  /** every process in the two containers' namespaces: their own only, when no run goes */
  const processes = async () => (await Promise.all(['web', 'db'].map(async (c) => {
    const ns = p.sb.containerNetns(c);
    return `${c}: ${(await execa('ip', ['netns', 'pids', ns])).stdout.split('\n').sort().join(' ')}`;
  }))).join('\n');
  const generatorsGone = async () => {
    await waitFor(async () => (await processes()) === baseline, 8000);
    expect(await processes()).toBe(baseline);
  };
  /** a run is under way once its generators run in both namespaces and the screen shows a throughput test going */
  const runUntilThroughput = async () => {
    await keys('r');
    await waitForScreen(new RegExp(`TCP×1 +${BARS}+`), 30_000);
    expect(await processes()).not.toBe(baseline);
  };

  beforeAll(async () => {
    p = await PairSandbox.create('tp');
    baseline = await processes();
    await term.start([CLI, '--host-netns', p.sb.name, 'tui'], { TSDIAG_STATE_DIR: p.sb.stateDir, TSDIAG_HOST_NETNS: p.sb.name }, 100, 40);
  });

  afterAll(async () => {
    await term.kill();
    await p?.dispose();
  });

  it('picks web and db by keys; histograms and throughput drawn live, then the final figures and hops; nothing left running', async () => {
    await waitForScreen(/web 172\.\d+\.\d+\.\d+/);
    // db is selected first: j goes to web
    await keys('m', 'j', 'f', 'k', 't');
    await waitForScreen(/from web +to db/);
    await keys('r');
    const live = await waitForScreen(new RegExp(`icmp +[ ${BARS.slice(1, -1)}]*█[^\\n]* p50 0\\.\\d{3} *│\\n[^\\n]*││ +▲[ ▲]* p99 \\d+\\.\\d+ +n \\d+`));
    expect(live).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] bridge: /);
    expect(live).toMatch(/││ms +\.1 +1 +10 +100 /);
    const streaming = await waitForScreen(new RegExp(`TCP×1 +${BARS}{3,} [\\d.]+ [GM]bit/s`));
    expect(streaming).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] bridge: TCP/);

    const done = await waitForScreen(/to db +no cause of slowness found/, 60_000);
    expect(done).toMatch(/bridge \(bridge\): container to container over the bridge/);
    for (const probe of ['icmp', 'tcp', 'udp']) expect(done).toMatch(new RegExp(`││${probe} +[ ${BARS.slice(1, -1)}]+ p50 \\d+\\.\\d{3} *│\\n[^\\n]*││ +▲[ ▲]* p99 \\d+\\.\\d+ +n 50`));
    expect(done).toMatch(new RegExp(`TCP×4 +${BARS}{5,} [\\d.]+ [GM]bit/s`));
    expect(done).toMatch(new RegExp(`UDP +${BARS}{5,} [\\d.]+ Mbit/s`));
    expect(done).toMatch(/loss [\d.]+% \(\d+\/\d+\), jitter [\d.]+ ms, at 100 Mbit\/s/);
    expect(done).toMatch(/web eth0 +from-eth +1500 +tso gso/);
    expect(done).toMatch(new RegExp(`host ${p.bridge} +bridge +1500 `));
    expect(done).toMatch(/db eth0 +to-eth +1500 /);
    await generatorsGone();
  });

  it('esc stops a run mid-test: the view says stopped and the generators are gone', async () => {
    await runUntilThroughput();
    await keys('Escape');
    await waitForScreen(/to db +stopped/, 10_000);
    await generatorsGone();
  });

  it('Ctrl-C stops a run without leaving the TUI; q during a run quits, and nothing is left', async () => {
    await runUntilThroughput();
    await keys('C-c');
    await waitForScreen(/to db +stopped/, 10_000);
    await generatorsGone();
    expect(await screen()).toMatch(/m:perf/);
    await runUntilThroughput();
    await keys('q');
    await waitForScreen(/TUI-EXITED 0/, 15_000);
    await generatorsGone();
  });
});
