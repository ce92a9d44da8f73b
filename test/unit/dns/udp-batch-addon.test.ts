import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { thrown } from '../../helpers/addon-hidden.js';

// The tsdiag-native addon on its own, over loopback: argument checks, bind
// errors as Node reports them, batched receive and send, oversized datagrams,
// and closing twice.
interface Addon {
  MAX_BATCH: number;
  RECV_META_STRIDE: number;
  SEND_META_STRIDE: number;
  META_STRIDE6: number;
  open(address: unknown, port: unknown): object;
  localPort(sock: unknown): number;
  watch(sock: unknown, cb: unknown): void;
  unwatch(sock: unknown): void;
  close(sock: unknown): void;
  recv(sock: unknown, slab: unknown, slotSize: unknown, meta: unknown): number;
  send(sock: unknown, slab: unknown, meta: unknown, count: unknown): number;
}
const addon = createRequire(import.meta.url)('tsdiag-native') as Addon;
const LOOPBACK = 0x7f000001;
const SLOT = 4096;

const opened: object[] = [];
const clients: dgram.Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) addon.close(s);
  for (const c of clients.splice(0)) c.close();
});

function openSock(address = '127.0.0.1', port = 0) {
  const s = addon.open(address, port);
  opened.push(s);
  return s;
}

async function client(): Promise<dgram.Socket> {
  const c = dgram.createSocket('udp4');
  clients.push(c);
  await new Promise<void>((resolve) => c.bind(0, '127.0.0.1', resolve));
  return c;
}

const sendFrom = (c: dgram.Socket, msg: Buffer, port: number) =>
  new Promise<void>((resolve, reject) => c.send(msg, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));

describe('tsdiag-native addon', () => {
  it('rejects bad arguments with TypeError / RangeError, before any I/O', () => {
    const sock = openSock();
    const slab = Buffer.alloc(SLOT * 4);
    const meta = new Uint32Array(4 * addon.RECV_META_STRIDE);
    expect(thrown(() => addon.open(53, 53)).name).toBe('TypeError');
    expect(thrown(() => addon.open('fe80::1%lo', 0)).name).toBe('TypeError'); // no zones
    expect(thrown(() => addon.open('::1::2', 0)).name).toBe('TypeError');
    expect(thrown(() => addon.open('127.0.0.1.5', 0)).name).toBe('TypeError');
    expect(thrown(() => addon.open('x'.repeat(500), 0)).name).toBe('TypeError');
    expect(thrown(() => addon.open('127.0.0.1', 65536)).name).toBe('RangeError');
    expect(thrown(() => addon.open('127.0.0.1', 1.5)).name).toBe('RangeError');
    expect(thrown(() => addon.open('127.0.0.1', -1)).name).toBe('RangeError');
    expect(thrown(() => addon.open('127.0.0.1')).name).toBe('TypeError');
    expect(thrown(() => addon.recv({}, slab, SLOT, meta)).name).toBe('TypeError');
    expect(thrown(() => addon.recv(null, slab, SLOT, meta)).name).toBe('TypeError');
    expect(thrown(() => addon.recv(sock, Array(SLOT).fill(0), SLOT, meta)).name).toBe('TypeError');
    expect(thrown(() => addon.recv(sock, new ArrayBuffer(SLOT), SLOT, meta)).name).toBe('TypeError');
    expect(thrown(() => addon.recv(sock, slab, SLOT, new Int32Array(16))).name).toBe('TypeError');
    expect(thrown(() => addon.recv(sock, slab, 0, meta)).name).toBe('RangeError');
    expect(thrown(() => addon.recv(sock, slab, 70000, meta)).name).toBe('RangeError');
    expect(thrown(() => addon.recv(sock, Buffer.alloc(100), SLOT, meta)).name).toBe('RangeError');
    expect(thrown(() => addon.recv(sock, slab, SLOT, new Uint32Array(3))).name).toBe('RangeError');
    const out = Buffer.alloc(100);
    const at = (offset: number, length: number, port = 9) => Uint32Array.from([offset, length, LOOPBACK, port]);
    expect(thrown(() => addon.send(sock, out, at(90, 11), 1)).name).toBe('RangeError');
    expect(thrown(() => addon.send(sock, out, at(0xffffffff, 2), 1)).name).toBe('RangeError');
    expect(thrown(() => addon.send(sock, out, at(0, 10, 70000), 1)).name).toBe('RangeError');
    expect(thrown(() => addon.send(sock, out, at(0, 10), 2)).name).toBe('RangeError');
    expect(thrown(() => addon.send(sock, out, at(0, 10), -1)).name).toBe('RangeError');
    expect(thrown(() => addon.send(sock, [out], at(0, 10), 1)).name).toBe('TypeError');
    expect(thrown(() => addon.watch(sock, 'not a function')).name).toBe('TypeError');
    addon.watch(sock, () => undefined);
    expect(thrown(() => addon.watch(sock, () => undefined)).code).toBe('ERR_SOCKET_WATCHED');
    expect(addon.recv(sock, slab, SLOT, meta)).toBe(0); // nothing waiting: 0, not EAGAIN
    expect(addon.send(sock, out, at(0, 10), 0)).toBe(0);
  });

  it('reports bind failures as Node does: EADDRINUSE on a busy port, EADDRNOTAVAIL on a foreign address', async () => {
    const busy = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind({ port: 0, address: '127.0.0.1', exclusive: true }, resolve));
    try {
      const err = thrown(() => addon.open('127.0.0.1', busy.address().port));
      expect(err.code).toBe('EADDRINUSE');
      expect(err.message).toBe(`bind EADDRINUSE 127.0.0.1:${busy.address().port}`);
    } finally {
      busy.close();
    }
    expect(thrown(() => addon.open('192.0.2.1', 0)).code).toBe('EADDRNOTAVAIL');
  });

  it('receives a backlog in batches of MAX_BATCH with each source, and answers a batch with one send', async () => {
    const sock = openSock();
    const port = addon.localPort(sock);
    const c = await client();
    const TOTAL = 150; // under the default receive buffer
    for (let i = 0; i < TOTAL; i++) await sendFrom(c, Buffer.from(`query ${i}`), port);
    const slab = Buffer.alloc(SLOT * addon.MAX_BATCH);
    const meta = new Uint32Array(addon.MAX_BATCH * addon.RECV_META_STRIDE);
    const counts: number[] = [];
    const seen: string[] = [];
    const echoes = new Promise<string[]>((resolve) => {
      const got: string[] = [];
      c.on('message', (m) => {
        got.push(m.toString());
        if (got.length === TOTAL) resolve(got);
      });
    });
    for (let n; (n = addon.recv(sock, slab, SLOT, meta)) > 0;) {
      counts.push(n);
      for (let i = 0; i < n; i++) {
        const m = meta.subarray(i * 4, i * 4 + 4);
        expect(m[0]).toBe(i * SLOT);
        expect([m[2], m[3]]).toEqual([LOOPBACK, c.address().port]);
        seen.push(slab.toString('latin1', m[0], m[0]! + m[1]!));
      }
      // the same slots and meta answer them: offset, length, address, port
      expect(addon.send(sock, slab, meta, n)).toBe(n);
    }
    expect(counts).toEqual([64, 64, 22]);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => `query ${i}`));
    expect((await echoes).sort()).toEqual([...seen].sort());
  });

  it('calls the watcher on readable and runs promise jobs after it; many datagrams round trip', async () => {
    const sock = openSock();
    const port = addon.localPort(sock);
    const slab = Buffer.alloc(SLOT * addon.MAX_BATCH);
    const meta = new Uint32Array(addon.MAX_BATCH * 4);
    // echo each datagram from a promise job: make_callback must drain the microtask queue
    addon.watch(sock, () => {
      for (let n; (n = addon.recv(sock, slab, SLOT, meta)) > 0;) {
        const copy = Buffer.from(slab);
        const m = meta.slice(0, n * 4);
        void Promise.resolve().then(() => addon.send(sock, copy, m, n));
      }
    });
    const c = await client();
    const WAVES = 20;
    const PER_WAVE = 100;
    let got = 0;
    for (let w = 0; w < WAVES; w++) {
      const wave = new Promise<void>((resolve) => {
        const seen = new Set<number>();
        const onMessage = (m: Buffer) => {
          const [wave, i] = m.toString().split(':').map(Number);
          if (wave !== w) return;
          seen.add(i!);
          if (seen.size === PER_WAVE) {
            c.off('message', onMessage);
            resolve();
          }
        };
        c.on('message', onMessage);
      });
      for (let i = 0; i < PER_WAVE; i++) c.send(Buffer.from(`${w}:${i}`), port, '127.0.0.1');
      await wave;
      got += PER_WAVE;
    }
    expect(got).toBe(WAVES * PER_WAVE);
  });

  it('drops a datagram longer than its slot and keeps the ones around it', async () => {
    const sock = openSock();
    const port = addon.localPort(sock);
    const c = await client();
    await sendFrom(c, Buffer.from('before'), port);
    await sendFrom(c, Buffer.alloc(SLOT + 1, 0x41), port);
    await sendFrom(c, Buffer.alloc(SLOT, 0x42), port); // exactly a slot still fits
    await sendFrom(c, Buffer.from('after'), port);
    const slab = Buffer.alloc(SLOT * 8);
    const meta = new Uint32Array(8 * 4);
    expect(addon.recv(sock, slab, SLOT, meta)).toBe(3);
    expect(slab.toString('latin1', meta[0], meta[0]! + meta[1]!)).toBe('before');
    expect([meta[4], meta[5]]).toEqual([2 * SLOT, SLOT]);
    expect(slab.subarray(meta[4], meta[4]! + meta[5]!).every((b) => b === 0x42)).toBe(true);
    expect(slab.toString('latin1', meta[8], meta[8]! + meta[9]!)).toBe('after');
    expect(addon.recv(sock, slab, SLOT, meta)).toBe(0);
  });

  it('IPv6: binds an IPv6 address, reports each source as port, scope and four words, answers from the same meta', async () => {
    const sock = openSock('::1');
    const port = addon.localPort(sock);
    const stride = addon.META_STRIDE6;
    expect(stride).toBe(8);
    const c = dgram.createSocket('udp6');
    clients.push(c);
    await new Promise<void>((resolve) => c.bind(0, '::1', resolve));
    const TOTAL = 70;
    for (let i = 0; i < TOTAL; i++) await new Promise<void>((resolve, reject) => c.send(Buffer.from(`q${i}`), port, '::1', (e) => (e ? reject(e) : resolve())));
    const echoes = new Promise<number>((resolve) => {
      let got = 0;
      c.on('message', () => ++got === TOTAL && resolve(got));
    });
    const slab = Buffer.alloc(SLOT * addon.MAX_BATCH);
    const meta = new Uint32Array(addon.MAX_BATCH * stride);
    const counts: number[] = [];
    for (let n; (n = addon.recv(sock, slab, SLOT, meta)) > 0;) {
      counts.push(n);
      const m = meta.subarray(0, stride);
      expect([...m.subarray(2)]).toEqual([c.address().port, 0, 0, 0, 0, 1]); // ::1, no scope
      expect(addon.send(sock, slab, meta, n)).toBe(n);
    }
    expect(counts).toEqual([64, 6]);
    expect(await echoes).toBe(TOTAL);
    const out = Buffer.alloc(16);
    const at6 = Uint32Array.from([0, 4, 70000, 0, 0, 0, 0, 1]);
    expect(thrown(() => addon.send(sock, out, at6, 1)).name).toBe('RangeError'); // the port word is the third
    expect(thrown(() => addon.send(sock, out, at6.subarray(0, 7), 1)).name).toBe('RangeError');
    expect(thrown(() => addon.open('::1', port)).code).toBe('EADDRINUSE');
    expect(thrown(() => addon.open('::1', port)).message).toBe(`bind EADDRINUSE [::1]:${port}`);
    expect(thrown(() => addon.open('2001:db8::1', 0)).code).toBe('EADDRNOTAVAIL');
    // V6ONLY: the IPv4 side of the same port stays free
    openSock('127.0.0.1', port);
  });

  it('unwatch and close are idempotent; a closed socket refuses I/O and frees its port', () => {
    const sock = addon.open('127.0.0.1', 0);
    const port = addon.localPort(sock);
    addon.watch(sock, () => undefined);
    addon.unwatch(sock);
    addon.unwatch(sock);
    addon.watch(sock, () => undefined); // watchable again after unwatch
    addon.close(sock);
    addon.close(sock);
    addon.unwatch(sock);
    const slab = Buffer.alloc(SLOT);
    expect(thrown(() => addon.recv(sock, slab, SLOT, new Uint32Array(4))).code).toBe('ERR_SOCKET_CLOSED');
    expect(thrown(() => addon.send(sock, slab, new Uint32Array(4), 0)).code).toBe('ERR_SOCKET_CLOSED');
    expect(thrown(() => addon.watch(sock, () => undefined)).code).toBe('ERR_SOCKET_CLOSED');
    openSock('127.0.0.1', port); // the port is free again
  });
});
