// Small traffic generators run inside lab namespaces (node one-liners with
// argument arrays, no shell): a TCP exchange with data and FIN, UDP datagrams.
import { inNs, sleep } from './lab.mjs';

const TCP_SERVER = `
const net = require('net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer((s) => { s.on('data', () => { s.end('pong from server\\n'); }); s.on('end', () => srv.close()); });
srv.listen(Number(port), host, () => console.log('ready'));
`;

const TCP_CLIENT = `
const net = require('net');
const [host, port] = process.argv.slice(1);
const s = net.connect(Number(port), host, () => s.write('hello from client\\n'));
s.on('data', () => s.end());
s.on('close', () => process.exit(0));
setTimeout(() => process.exit(3), 5000);
`;

const UDP_SEND = `
const dgram = require('dgram');
const [host, port, count, size] = process.argv.slice(1);
const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
let left = Number(count);
const payload = Buffer.alloc(Number(size), 0x61);
const next = () => { if (left-- <= 0) return s.close(); s.send(payload, Number(port), host, () => setTimeout(next, 20)); };
next();
`;

const UDP_ECHO = `
const dgram = require('dgram');
const [host, port] = process.argv.slice(1);
const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
s.on('message', (m, r) => s.send(m.subarray(0, 8), r.port, r.address));
s.bind(Number(port), host, () => console.log('ready'));
`;

export async function tcpExchange(lab, serverNs, clientNs, host, port) {
  const server = lab.spawnIn(serverNs, process.execPath, ['-e', TCP_SERVER, host, String(port)]);
  while (!server.stdoutText.includes('ready')) await sleep(10);
  inNs(clientNs, process.execPath, ['-e', TCP_CLIENT, host, String(port)]);
  await server.exited;
}

export function udpSend(ns, host, port, count = 1, size = 32) {
  inNs(ns, process.execPath, ['-e', UDP_SEND, host, String(port), String(count), String(size)]);
}

export async function udpEchoServer(lab, ns, host, port) {
  const p = lab.spawnIn(ns, process.execPath, ['-e', UDP_ECHO, host, String(port)]);
  while (!p.stdoutText.includes('ready')) await sleep(10);
  return p;
}

// The kernels here have no 8021q module, so VLAN frames are made by hand and
// sent with pcap_inject from inside the namespace.
const PCAP_MODULE = new URL('../../node_modules/pcap/pcap.js', import.meta.url).pathname;
const INJECT = `
const pcap = require(process.argv[1]);
const s = pcap.createSession(process.argv[2], { filter: 'ether proto 0x9999', buffer_timeout: 0 });
for (const hex of process.argv.slice(3)) s.inject(Buffer.from(hex, 'hex'));
s.close();
process.exit(0);
`;

export function injectFrames(ns, iface, frames) {
  inNs(ns, process.execPath, ['-e', INJECT, PCAP_MODULE, iface, ...frames.map((f) => f.toString('hex'))]);
}

function checksum(buf) {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const mac = (s) => Buffer.from(s.replaceAll(':', ''), 'hex');
const ip4 = (s) => Buffer.from(s.split('.').map(Number));

function ipv4Packet(src, dst, proto, payload, id) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(id, 4);
  h.writeUInt16BE(0x4000, 6);
  h[8] = 64;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  h.writeUInt16BE(checksum(h), 10);
  return Buffer.concat([h, payload]);
}

function icmpEcho(id, seq, size) {
  const m = Buffer.alloc(8 + size, 0x5a);
  m[0] = 8;
  m[1] = 0;
  m.writeUInt16BE(0, 2);
  m.writeUInt16BE(id, 4);
  m.writeUInt16BE(seq, 6);
  m.writeUInt16BE(checksum(m), 2);
  return m;
}

function arpRequest(srcMac, srcIp, dstIp) {
  const a = Buffer.alloc(28);
  a.writeUInt16BE(1, 0);
  a.writeUInt16BE(0x0800, 2);
  a[4] = 6;
  a[5] = 4;
  a.writeUInt16BE(1, 6);
  mac(srcMac).copy(a, 8);
  ip4(srcIp).copy(a, 14);
  ip4(dstIp).copy(a, 24);
  return a;
}

function ether(dst, src, tags, type, payload) {
  const parts = [mac(dst), mac(src)];
  for (const [tpid, tci] of tags) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(tci, 2);
    parts.push(t);
  }
  const et = Buffer.alloc(2);
  et.writeUInt16BE(type, 0);
  return Buffer.concat([...parts, et, payload]);
}

/** Tagged frames: ARP and ping on VLAN 100, a priority-tagged ping, a QinQ frame. */
export function vlanFrames(srcMac, dstMac) {
  const q = (vid, pcp = 0) => [0x8100, (pcp << 13) | vid];
  const ping = (seq) => ipv4Packet('10.250.100.1', '10.250.100.2', 1, icmpEcho(0x1234, seq, 56), 0x100 + seq);
  const udp = Buffer.alloc(8 + 12, 0x41);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(9999, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.writeUInt16BE(0, 6);
  return [
    ether('ff:ff:ff:ff:ff:ff', srcMac, [q(100)], 0x0806, arpRequest(srcMac, '10.250.100.1', '10.250.100.2')),
    ether(dstMac, srcMac, [q(100)], 0x0800, ping(1)),
    ether(dstMac, srcMac, [q(100, 5)], 0x0800, ping(2)),
    ether(dstMac, srcMac, [[0x88a8, 200], q(100)], 0x0800, ipv4Packet('10.250.100.1', '10.250.100.2', 17, udp, 0x200)),
  ];
}
