import fs from 'node:fs';
import path from 'node:path';
import type { CheckResult } from '../../../src/diag/check.js';
import type { DoctorReport } from '../../../src/diag/doctor.js';
import type { InvContainer, InvNetwork, InventoryProvider } from '../../../src/diag/inventory/types.js';
import type { QueryLogRecord } from '../../../src/dns/log-follow.js';
import { parseQueryLogLine } from '../../../src/dns/log-follow.js';
import { filterError } from '../../../src/capture/live/filter-check.js';
import type { CapturedPacket, LineCaptureOptions } from '../../../src/capture/live/line-capture.js';
import { PcapReader } from '../../../src/capture/file/pcap-file.js';
import { LinePrinter } from '../../../src/capture/print.js';
import type { TuiServices } from '../../../src/tui/model/tui-model.js';
import type { PerfReport, PerfSample, RttProbe } from '../../../src/perf/types.js';

/**
 * Recorded data from a lab with fault S13 (db listening on 127.0.0.1 only):
 * its inventory, the doctor's report, the DNS server's log; packets from the
 * capture fixtures. The services below replay them.
 */
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
export const LAB = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'lab-inventory.json'), 'utf8')) as { networks: InvNetwork[]; containers: InvContainer[] };
const doctorJson = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as DoctorReport & { checks: CheckResult[] };
/** a run on the lab with S13; doctor-link-master.json: db's veth taken off the bridge (the path drawn, the probes "because of" it) */
export const DOCTOR_S13 = 'doctor-s13.json';
/** a perf run on Docker 26 between web and db: the bridge and db's published port through docker-proxy (the userland-proxy finding) */
export const PERF_REPORT = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'perf-docker-proxy.json'), 'utf8')) as PerfReport;
export const DNS_LOG = path.join(FIXTURES, 'dns.log');
export const DNS_RECORDS: QueryLogRecord[] = fs.readFileSync(DNS_LOG, 'utf8').split('\n').map(parseQueryLogLine).filter((r) => r !== null);

export function recordedInventory(data = LAB): InventoryProvider {
  return {
    backend: 'native', hostNetns: 'labx',
    available: async () => true,
    listContainers: async () => data.containers,
    listNetworks: async () => data.networks,
  };
}

export const unreachableDocker: InventoryProvider = {
  backend: 'docker', hostNetns: null,
  available: async () => false,
  listContainers: async () => [],
  listNetworks: async () => [],
};

/** Packets of a capture fixture as the live capture hands them over (lines printed with container names). */
export function recordedPackets(file = 'basic.pcap', names: ReadonlyMap<string, string> | null = null): CapturedPacket[] {
  const reader = PcapReader.open(path.resolve(import.meta.dirname, '../../../fixtures/pcap', file));
  const printer = new LinePrinter(reader.header.linkType, { timestamps: 'time', linkHeader: false, names });
  const out: CapturedPacket[] = [];
  try {
    while (reader.read((buf, off, caplen, wireLen, sec, usec) => {
      out.push({ line: printer.line(buf, off, caplen, wireLen, sec, usec), ifIndex: 0, data: Buffer.from(buf.subarray(off, off + caplen)), wireLen, sec, usec });
    }, 1 << 16));
  } finally {
    reader.close();
  }
  return out;
}

export interface FakeCapture {
  opened: LineCaptureOptions[];
  stopped: number;
  /** hands packets to the open capture, as the live worker's batches do */
  deliver(packets: CapturedPacket[]): void;
  written: { file: string; count: number }[];
}

export interface FakeDoctor {
  requests: { backend: string; from: string; to: string; port: number | null }[];
  /** finishes the next `n` checks of the recorded run (all when omitted) */
  step(n?: number): Promise<void>;
}

/** The samples runPerf's onSample handed over during the recorded run, in the order it measured them. */
export function recordedPerfSamples(r: PerfReport = PERF_REPORT): PerfSample[] {
  return r.paths.flatMap((p): PerfSample[] => [
    ...(Object.entries(p.rtt) as [RttProbe, { samples: number[] }][]).flatMap(([probe, f]) => f.samples.map((ms): PerfSample => ({ kind: 'rtt', path: p.id, probe, ms }))),
    ...(p.tcp?.samples ?? []).map((s): PerfSample => ({ kind: 'throughput', path: p.id, test: 'tcp', ...s })),
    ...(p.tcpParallel?.samples ?? []).map((s): PerfSample => ({ kind: 'throughput', path: p.id, test: 'tcp-parallel', ...s })),
  ]);
}

export interface FakePerf {
  requests: { backend: string; from: string; to: string }[];
  /** how many runs saw their signal aborted */
  aborted: number;
  /** hands the next `n` recorded samples to the run (all when omitted), then its report once none is left */
  step(n?: number): Promise<void>;
}

export function fakeServices(opts: { inventories?: InventoryProvider[]; doctorReport?: string } = {}): { services: TuiServices; capture: FakeCapture; doctor: FakeDoctor; perf: FakePerf; dns: { push(r: QueryLogRecord[]): void } } {
  let pendingSamples: PerfSample[] = [];
  let onSample: ((s: PerfSample) => void) | null = null;
  let finishPerf: (() => void) | null = null;
  const perf: FakePerf = {
    requests: [],
    aborted: 0,
    async step(n = Infinity) {
      for (let i = 0; i < n && pendingSamples.length; i++) onSample?.(pendingSamples.shift()!);
      if (!pendingSamples.length) finishPerf?.();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
  const capture: FakeCapture = { opened: [], stopped: 0, written: [], deliver: () => undefined };
  const DOCTOR_JSON = doctorJson(opts.doctorReport ?? DOCTOR_S13);
  let pendingChecks: CheckResult[] = [];
  let onResult: ((r: CheckResult) => void) | null = null;
  let finish: (() => void) | null = null;
  const doctor: FakeDoctor = {
    requests: [],
    async step(n = Infinity) {
      for (let i = 0; i < n && pendingChecks.length; i++) onResult?.(pendingChecks.shift()!);
      if (!pendingChecks.length) finish?.();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
  let pushDns: (r: QueryLogRecord[]) => void = () => undefined;
  const services: TuiServices = {
    inventories: opts.inventories ?? [recordedInventory(), unreachableDocker],
    doctor: {
      checks: DOCTOR_JSON.checks.map((c) => ({ id: c.id, title: c.id })),
      run(req) {
        doctor.requests.push({ backend: req.backend, from: req.from, to: req.to, port: req.port });
        pendingChecks = DOCTOR_JSON.checks.map((c) => ({ ...c, title: c.id }));
        onResult = req.onResult;
        return new Promise<DoctorReport>((resolve) => {
          finish = () => resolve({ ...DOCTOR_JSON, checks: DOCTOR_JSON.checks.map((c) => ({ ...c, title: c.id })) });
        });
      },
    },
    perf: {
      run(req) {
        perf.requests.push({ backend: req.backend, from: req.from, to: req.to });
        pendingSamples = recordedPerfSamples();
        onSample = req.onSample;
        req.onProgress('bridge: RTT');
        return new Promise<PerfReport>((resolve, reject) => {
          finishPerf = () => resolve(PERF_REPORT);
          req.signal.addEventListener('abort', () => {
            perf.aborted++;
            pendingSamples = [];
            reject(new Error('perf generator exited (null)'));
          });
        });
      },
    },
    capture: {
      filterError,
      async start(o) {
        capture.opened.push(o);
        capture.deliver = (packets) => packets.forEach(o.onPacket);
        return {
          linkTypes: [1],
          async stop() {
            capture.stopped++;
            capture.deliver = () => undefined;
            return { received: 10, dropped: 2, ifDropped: 0 };
          },
        };
      },
      write(file, _linkTypes, packets) {
        capture.written.push({ file, count: packets.length });
        return packets.length;
      },
    },
    dnsLog: {
      where: DNS_LOG,
      follow(onRecords) {
        pushDns = onRecords;
        return { close: () => undefined };
      },
    },
  };
  return { services, capture, doctor, perf, dns: { push: (r) => pushDns(r) } };
}

export const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Escape sequences of keys, as a terminal sends them. */
export const KEY = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', backspace: '\u007F', tab: '\t', pageUp: '\u001B[5~', pageDown: '\u001B[6~' };
