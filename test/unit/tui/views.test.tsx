import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TuiModel } from '../../../src/tui/model/tui-model.js';
import { App } from '../../../src/tui/views/App.js';
import { DNS_RECORDS, KEY, fakeServices, recordedPackets, tick } from './fakes.js';

let models: TuiModel[] = [];
afterEach(async () => {
  await Promise.all(models.map((m) => m.close()));
  models = [];
});

/** The app on recorded data, the way a terminal drives it: keys in, frames out. */
async function setup(opts: Parameters<typeof fakeServices>[0] = {}) {
  const fakes = fakeServices(opts);
  const model = new TuiModel(fakes.services, { refreshMs: 60_000, renderEveryMs: 10 });
  models.push(model);
  const onQuit = vi.fn();
  const app = render(<App model={model} onQuit={onQuit} captureFile={() => '/tmp/x.pcap'} />);
  await model.start();
  await tick();
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await tick(15);
    }
    await tick();
  };
  return { ...fakes, model, app, press, frame: () => app.lastFrame() ?? '', onQuit };
}

describe('tui views on recorded data', () => {
  it('tree and details: networks, containers with addresses and ports; the footer shows the keys', async () => {
    const { frame, press } = await setup();
    expect(frame()).toMatch(/tsdiag's own/);
    expect(frame()).toMatch(/app 172\.18\.0\.0\/16/);
    expect(frame()).toMatch(/db 172\.18\.0\.2 5432->5432/);
    expect(frame()).toMatch(/Docker: not reachable/);
    expect(frame()).toMatch(/container +db \(native\)/);
    expect(frame()).toMatch(/q quit/);
    await press(KEY.down);
    expect(frame()).toMatch(/container +web \(native\)/);
    await press(KEY.up, KEY.up);
    expect(frame()).toMatch(/network +app \(native\)/);
  });

  it('doctor: pick web and db, run; spinner then verdicts; the report with evidence and fix; re-run', async () => {
    const { frame, press, doctor } = await setup();
    await press('d', KEY.down, 'f', KEY.up, 't');
    expect(frame()).toMatch(/from web +to db +port auto/);
    await press('p', '5', '4', '3', '2', KEY.enter);
    expect(frame()).toMatch(/port 5432/);
    await press('r');
    expect(frame()).toMatch(/running…/);
    expect(frame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] topology\.exists/);
    await doctor.step(1);
    expect(frame()).toMatch(/✓ topology\.exists web and db exist and run/);
    await doctor.step();
    await tick();
    expect(frame()).toMatch(/2 failed/);
    expect(frame()).toMatch(/FAIL +app\.listen: db listens on port 5432 only on/);
    expect(frame()).toMatch(/fix: restart the service in db bound to/);
    expect(doctor.requests).toEqual([{ backend: 'native', from: 'web', to: 'db', port: 5432 }]);
    await press('r');
    expect(frame()).toMatch(/running…/);
    expect(doctor.requests).toHaveLength(2);
    await doctor.step();
  });

  it('doctor: the path drawn above the checks, the broken hop named, the probes marked as following from it', async () => {
    const { frame, press, doctor } = await setup({ doctorReport: 'doctor-link-master.json' });
    await press('d', KEY.down, 'f', KEY.up, 't', 'r');
    await doctor.step();
    await tick();
    const screen = frame();
    expect(screen).toMatch(/path web -> db on app \(br-b21398efee13\)/);
    expect(screen).toMatch(/out +web:eth0 172\.18\.0\.3 → vethafff4eb → br-b21398efee13/);
    expect(screen).toMatch(/→ ✗ veth55f09c6 → db:eth0 172\.18\.0\.2/);
    expect(screen).toMatch(/✗ link\.master: veth55f09c6, the host end of db's/);
    expect(screen).toMatch(/FAIL +link\.master/);
    expect(screen).toMatch(/fix: ip -n plab link set veth55f09c6 master/);
    expect(screen).toMatch(/1 failed/);
  });

  it('doctor: f on a network row says to select a container; r without a pair says why', async () => {
    const { frame, press } = await setup();
    await press('d', KEY.up, 'f');
    expect(frame()).toMatch(/select a container in the tree first/);
    await press('r');
    expect(frame()).toMatch(/pick a source \(f\) and a target \(t\) first/);
  });

  it("capture: the filter box shows libpcap's error while the filter is wrong and will not apply it", async () => {
    const { frame, press, capture } = await setup();
    await press('c', '/');
    for (const ch of 'tcp portt') await press(ch);
    expect(frame()).toMatch(/can't parse filter expression: syntax error/);
    await press(KEY.enter);
    expect(frame()).toMatch(/filter tcp portt█/);
    await press(KEY.backspace, KEY.backspace, 't', ' ', '5', '3');
    expect(frame()).not.toMatch(/can't parse/);
    await press(KEY.enter, KEY.up, 's');
    expect(capture.opened).toHaveLength(1);
    expect(capture.opened[0]!.filter).toBe('tcp port 53');
    expect(capture.opened[0]!.interfaces[0]!.device).toMatch(/^br-/);
  });

  it('capture: packet lines with container names scroll live; counters; pause, clear, write, stop', async () => {
    const { frame, press, capture, model } = await setup();
    await press('c', 's');
    expect(frame()).toMatch(/db running +captured 0 +dropped -/);
    expect(capture.opened[0]!.names).toEqual(new Map([['172.18.0.2', 'db'], ['172.18.0.3', 'web']]));
    const packets = recordedPackets('basic.pcap', new Map([['10.250.1.1', 'web'], ['10.250.1.2', 'db']]));
    capture.deliver(packets.slice(0, 4));
    await tick(50);
    expect(frame()).toMatch(/captured 4/);
    expect(frame()).toMatch(/IP 10\.250\.1\.1\(web\)/);
    await press(' ');
    expect(frame()).toMatch(/PAUSED/);
    capture.deliver(packets.slice(4, 6));
    await tick(50);
    expect(frame()).toMatch(/captured 6/);
    await press('w');
    expect(capture.written).toEqual([{ file: '/tmp/x.pcap', count: 6 }]);
    expect(frame()).toMatch(/wrote 6 packets to \/tmp\/x\.pcap/);
    await press(' ', 'x');
    expect(model.capture.store.get().lines).toEqual([]);
    await press('s');
    expect(capture.stopped).toBe(1);
    expect(frame()).toMatch(/stopped +captured 6 +dropped 2/);
  });

  it('dns: the query log live with rcode and latency; failures counted and shown alone', async () => {
    const { frame, press, dns } = await setup();
    await press('n');
    expect(frame()).toMatch(/no queries yet/);
    dns.push(DNS_RECORDS);
    await tick(50);
    expect(frame()).toMatch(/12 queries, 6 failed/);
    expect(frame()).toMatch(/nosuch +A +SERVFAIL +505us/);
    expect(frame()).toMatch(/db +A +NOERROR/);
    await press('e');
    expect(frame()).toMatch(/failures only/);
    expect(frame()).not.toMatch(/db +A +NOERROR/);
  });

  it('? shows the keys, any key closes it; q quits; follows a resize', async () => {
    const { frame, press, onQuit, app } = await setup();
    await press('?');
    expect(frame()).toMatch(/any key closes this/);
    expect(frame()).toMatch(/write pcap/);
    await press('j');
    expect(frame()).not.toMatch(/any key closes this/);
    Object.defineProperty(app.stdout, 'columns', { value: 120, configurable: true });
    app.stdout.emit('resize');
    await tick();
    expect(frame().split('\n')[0]!.length).toBe(120);
    await press('q');
    expect(onQuit).toHaveBeenCalled();
  });

  it('perf: pick web and db, run; histograms with p50/p99 marked and the 100 ms series drawn live; then findings, fix and hops', async () => {
    const { frame, press, perf, app } = await setup();
    Object.defineProperty(app.stdout, 'rows', { value: 60, configurable: true });
    Object.defineProperty(app.stdout, 'columns', { value: 140, configurable: true });
    app.stdout.emit('resize');
    await press('m', KEY.down, 'f', KEY.up, 't');
    expect(frame()).toMatch(/m:perf/);
    expect(frame()).toMatch(/from web +to db/);
    expect(frame()).toMatch(/r ⏎ run {2}esc \^C stop/);
    await press('r');
    expect(frame()).toMatch(/bridge: RTT/);
    await perf.step(30);
    await tick();
    let screen = frame();
    expect(screen).toMatch(/││ms +\.1 +1 +10 +100 /);
    expect(screen).toMatch(/icmp +[ ▁▂▃▄▅▆▇█]*█[ ▁▂▃▄▅▆▇█]* p50 0\.\d{3} *│\n[^\n]*││ +▲ +▲ +p99 0\.\d{3} +n 20/);
    expect(screen).toMatch(/tcp +[ ▁▂▃▄▅▆▇█]*█[ ▁▂▃▄▅▆▇█]* p50 0\.\d{3}/);
    await perf.step();
    await tick();
    screen = frame();
    expect(screen).toMatch(/1 finding/);
    expect(screen).toMatch(/bridge \(bridge\): container to container over the bridge/);
    expect(screen).toMatch(/published \(docker-proxy\): .* through docker-proxy/);
    expect(screen).toMatch(/TCP×1 +[▁▂▃▄▅▆▇█]{5,} [\d.]+ Gbit\/s/);
    expect(screen).toMatch(/TCP×4 +[▁▂▃▄▅▆▇█]{5,} [\d.]+ Gbit\/s/);
    expect(screen).toMatch(/loss 0% \(0\/\d+\), jitter [\d.]+ ms, at 100 Mbit\/s/);
    expect(screen).toMatch(/SLOW userland-proxy: the published port \d+ goes through Docker's userland proxy/);
    expect(screen).toMatch(/fix: set "userland-proxy": false/);
    expect(screen).toMatch(/hops +role +mtu +offloads +qdisc/);
    expect(screen).toMatch(/web eth0 +from-eth +1500 +tso gso +noqueue/);
    expect(screen).toMatch(/host br-[0-9a-f]{12} +bridge +1500 +tso gso gro +noqueue/);
  });

  it('perf: esc stops a run, ^C stops one too (and quits only when none goes)', async () => {
    const { frame, press, perf, onQuit } = await setup();
    await press('m', KEY.down, 'f', KEY.up, 't', 'r');
    await perf.step(5);
    await press(KEY.escape);
    await tick(50);
    expect(perf.aborted).toBe(1);
    expect(frame()).toMatch(/stopped/);
    await press('r');
    expect(frame()).toMatch(/bridge: RTT/);
    await press('\u0003');
    await tick(50);
    expect(perf.aborted).toBe(2);
    expect(onQuit).not.toHaveBeenCalled();
    await press('\u0003');
    expect(onQuit).toHaveBeenCalled();
  });
});
