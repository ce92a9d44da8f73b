import { describe, expect, it, vi } from 'vitest';
import { parseQueryLogLine, queryOutcome } from '../../../src/dns/log-follow.js';
import { filterError } from '../../../src/capture/live/filter-check.js';
import { CaptureModel } from '../../../src/tui/model/capture-model.js';
import { DoctorModel } from '../../../src/tui/model/doctor-model.js';
import { InventoryModel } from '../../../src/tui/model/inventory-model.js';
import { RingBuffer } from '../../../src/tui/model/ring-buffer.js';
import { addressNames, buildTree, captureInterfaces, rowLabel } from '../../../src/tui/model/tree.js';
import { wrapLines } from '../../../src/tui/views/text.js';
import { LAB, fakeServices, recordedInventory, recordedPackets, tick } from './fakes.js';

const snapshot = { backend: 'native' as const, networks: LAB.networks, containers: LAB.containers, error: null };

describe('tree', () => {
  it('shows each network with its containers, addresses and ports', () => {
    const rows = buildTree([snapshot]);
    expect(rows.map((r) => `${r.kind}:${rowLabel(r)}`)).toEqual([
      "backend:tsdiag's own",
      expect.stringMatching(/^network:app 172\.18\.0\.0\/16 br-[0-9a-f]{12}$/),
      'container:db 172.18.0.2 5432->5432',
      'container:web 172.18.0.3',
    ]);
  });

  it('names a compose container\'s project/service after its name', () => {
    const web = { ...LAB.containers.find((c) => c.name === 'web')!, compose: { project: 'shop', service: 'web', number: 1, oneOff: false } };
    const rows = buildTree([{ ...snapshot, containers: LAB.containers.map((c) => (c.name === 'web' ? web : c)) }]);
    expect(rows.map(rowLabel)).toContain('web (shop/web) 172.18.0.3');
  });

  it('names addresses for capture lines, and finds what a capture opens', () => {
    expect(addressNames([snapshot])).toEqual(new Map([['172.18.0.2', 'db'], ['172.18.0.3', 'web']]));
    const rows = buildTree([snapshot]);
    expect(captureInterfaces(rows[1]!)).toEqual([{ device: LAB.networks[0]!.bridge, label: LAB.networks[0]!.bridge }]);
    expect(captureInterfaces(rows[2]!)).toEqual([{ device: expect.stringMatching(/^veth/), label: 'db:app' }]);
    expect(captureInterfaces(rows[0]!)).toMatch(/select a network or a container/);
  });

  it('keeps the selection by key across refreshes, and moves within bounds', async () => {
    const model = new InventoryModel([recordedInventory()], 60_000);
    await model.refresh();
    expect(model.selected()?.key).toBe('native/ctr/db@app');
    model.move(1);
    model.move(5);
    expect(model.selected()?.key).toBe('native/ctr/web@app');
    await model.refresh();
    expect(model.selected()?.key).toBe('native/ctr/web@app');
  });
});

describe('doctor model', () => {
  it('marks the first unfinished check running, and needs a source and a target', async () => {
    const { services, doctor } = fakeServices();
    const model = new DoctorModel(services.doctor);
    expect(model.blocker()).toMatch(/pick a source/);
    model.setFrom({ backend: 'native', name: 'web' });
    model.setTo({ backend: 'docker', name: 'db' });
    expect(model.blocker()).toMatch(/different backends/);
    model.setTo({ backend: 'native', name: 'db' });
    const run = model.run();
    expect(model.store.get().rows.map((r) => r.state).slice(0, 2)).toEqual(['running', 'waiting']);
    await doctor.step(2);
    expect(model.store.get().rows.map((r) => r.state).slice(0, 3)).toEqual(['done', 'done', 'running']);
    await doctor.step();
    await run;
    expect(model.store.get().phase).toBe('done');
    expect(model.store.get().report?.counts.fail).toBe(2);
    expect(doctor.requests).toEqual([{ backend: 'native', from: 'web', to: 'db', port: null }]);
  });
});

describe('capture model', () => {
  it('10,000 packets in a burst: one render, a bounded buffer, every packet counted', async () => {
    const { services, capture } = fakeServices();
    const model = new CaptureModel(services.capture, () => null, { bufferSize: 1000, renderEveryMs: 50, visibleLines: 30 });
    await model.start({ label: 'app', interfaces: [{ device: 'br-x', label: 'br-x' }] });
    const notify = vi.fn();
    model.store.subscribe(notify);
    const packets = recordedPackets();
    for (let i = 0; i < 10_000; i++) capture.deliver([packets[i % packets.length]!]);
    expect(notify).not.toHaveBeenCalled();
    await tick(80);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(model.store.get().captured).toBe(10_000);
    expect(model.store.get().lines).toHaveLength(30);
    await model.stop();
    expect(model.store.get().dropped).toBe(2);
  });

  it('shows the kernel\'s dropped counter while the capture runs', async () => {
    const { services, capture } = fakeServices();
    const model = new CaptureModel(services.capture, () => null, { renderEveryMs: 10, visibleLines: 5 });
    await model.start({ label: 'app', interfaces: [{ device: 'br-x', label: 'br-x' }] });
    expect(model.store.get().dropped).toBeNull();
    capture.opened.at(-1)!.onStats?.({ received: 900, dropped: 7, ifDropped: 0 });
    expect(model.store.get().dropped).toBe(7);
    await model.stop();
  });

  it('pause freezes the lines while packets keep being counted; clear empties them', async () => {
    const { services, capture } = fakeServices();
    const model = new CaptureModel(services.capture, () => null, { renderEveryMs: 10, visibleLines: 5 });
    await model.start({ label: 'app', interfaces: [{ device: 'br-x', label: 'br-x' }] });
    const packets = recordedPackets();
    capture.deliver(packets.slice(0, 5));
    await tick();
    model.togglePause();
    const frozen = model.store.get().lines;
    capture.deliver(packets.slice(5, 8));
    await tick();
    expect(model.store.get().lines).toEqual(frozen);
    expect(model.store.get().captured).toBe(8);
    model.togglePause();
    expect(model.store.get().lines.at(-1)).toBe(packets[7]);
    model.clear();
    expect(model.store.get().lines).toEqual([]);
  });
});

describe('helpers', () => {
  it("filterError gives libpcap's message for a wrong filter, null for a good one", () => {
    expect(filterError('tcp port 80 and host 10.0.0.1')).toBeNull();
    expect(filterError('')).toBeNull();
    expect(filterError('tcp portt 80')).toBe("can't parse filter expression: syntax error");
  });

  it('parses query log lines back, skipping the server notes', () => {
    const r = parseQueryLogLine('2025-01-02T03:04:05.678Z udp 172.18.0.3 web.app A NOERROR 172.18.0.2,172.18.0.4 41us')!;
    expect(r).toMatchObject({ transport: 'udp', client: '172.18.0.3', name: 'web.app', type: 'A', rcode: 'NOERROR', answers: ['172.18.0.2', '172.18.0.4'], micros: 41 });
    expect(queryOutcome(r)).toBe('ok');
    expect(queryOutcome(parseQueryLogLine('2025-01-02T03:04:05.678Z udp 1.2.3.4 x AAAA NOERROR - 3us')!)).toBe('nodata');
    expect(queryOutcome(parseQueryLogLine('2025-01-02T03:04:05.678Z tcp 1.2.3.4 x A NXDOMAIN - 3us')!)).toBe('error');
    expect(parseQueryLogLine('2025-01-02T03:04:05.678Z listening on 172.18.0.1:53; pending -')).toBeNull();
  });

  it('ring buffer keeps the newest items; wrapLines indents continuations', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect([ring.tail(), ring.tail(2), ring.tail(2, 1), ring.total]).toEqual([[3, 4, 5], [4, 5], [3, 4], 5]);
    expect(wrapLines(['      fix: abcdefghijklmnop'], 16)).toEqual(['      fix:', '        abcdefgh', '        ijklmnop']);
    expect(wrapLines(['FAIL  app.listen: db listens on 127.0.0.1 only'], 24)).toEqual(['FAIL  app.listen: db', '  listens on 127.0.0.1', '  only']);
  });
});
