import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LINKTYPE_ETHERNET } from '../print.js';
import { PcapWriter } from '../file/pcap-file.js';
import { loadPcap } from './pcap-module.js';

interface OfflineSession {
  on(event: 'complete', fn: () => void): void;
  close(): void;
}

/**
 * An empty capture file of this link type for libpcap to compile a filter
 * against, in a directory removed once the session has opened it: nothing is
 * left behind, even by a process that dies of a signal.
 */
function withEmptyCaptureFile<T>(linkType: number, fn: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdiag-filter-'));
  try {
    const file = path.join(dir, `empty-${linkType}.pcap`);
    new PcapWriter(file, linkType).close();
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Compiles a BPF filter the way a capture would (libpcap, for this link type)
 * without opening a device: null when it compiles, else libpcap's message
 * ("can't parse filter expression: syntax error"). Cheap enough to run on
 * every keystroke of a filter box.
 */
export function filterError(filter: string, linkType = LINKTYPE_ETHERNET): string | null {
  if (!filter.trim()) return null;
  const load = loadPcap();
  if ('error' in load) return load.error;
  const pcap = load.pcap as { createOfflineSession(p: string, o: { filter: string }): OfflineSession; warningHandler: (t: string) => void };
  pcap.warningHandler = () => undefined;
  let session: OfflineSession;
  try {
    session = withEmptyCaptureFile(linkType, (file) => pcap.createOfflineSession(file, { filter }));
  } catch (err) {
    return (err as Error).message;
  }
  session.on('complete', () => session.close());
  return null;
}
