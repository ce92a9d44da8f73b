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

function transportChecksum(src, dst, proto, segment) {
  const pseudo = Buffer.alloc(12);
  ip4(src).copy(pseudo, 0);
  ip4(dst).copy(pseudo, 4);
  pseudo[9] = proto;
  pseudo.writeUInt16BE(segment.length, 10);
  return checksum(Buffer.concat([pseudo, segment]));
}

function tcpSegment(src, dst, sport, dport, flags, seq, ack, options, payload = Buffer.alloc(0)) {
  const opts = Buffer.concat([options, Buffer.alloc((4 - (options.length % 4)) % 4, 1)]);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq, 4);
  h.writeUInt32BE(ack, 8);
  h[12] = ((20 + opts.length) / 4) << 4;
  h[13] = flags;
  h.writeUInt16BE(64240, 14);
  const seg = Buffer.concat([h, opts, payload]);
  seg.writeUInt16BE(transportChecksum(src, dst, 6, seg), 16);
  return seg;
}

function udpDatagram(sport, dport, payload) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

const hex = (s) => Buffer.from(s.replaceAll(' ', ''), 'hex');

/** an SCTP packet from port 5000 to 5001 with these chunks, each padded to 4 bytes (the CRC32c is not checked by tcpdump: zero) */
function sctpPacket(chunks) {
  const h = hex('1388 1389 0000abcd 00000000');
  return Buffer.concat([h, ...chunks.map((c) => Buffer.concat([c, Buffer.alloc((4 - (c.length % 4)) % 4)]))]);
}

/**
 * Frames of the tunnels and TCP options container networks carry but this
 * kernel cannot make (no gre, ipip or geneve modules, no MPTCP): GRE with a
 * key, with checksum and sequence, carrying Ethernet (TEB); IPIP; IPv6 in
 * IPv4; Geneve with options; TCP with MPTCP, Fast Open and SACK options.
 */
export function tunnelFrames(srcMac, dstMac) {
  const inner = (seq) => ipv4Packet('10.99.0.1', '10.99.0.2', 1, icmpEcho(0x4242, seq, 24), 0x300 + seq);
  const gre = (flagsVer, proto, extra, payload) => {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(flagsVer, 0);
    h.writeUInt16BE(proto, 2);
    return Buffer.concat([h, extra, payload]);
  };
  const innerEther = ether('02:00:00:00:99:02', '02:00:00:00:99:01', [], 0x0800, inner(3));
  const ipv6Udp = Buffer.concat([hex('60000000 0010 11 40'), hex('fd000990000000000000000000000001'), hex('fd000990000000000000000000000002'),
    udpDatagram(5000, 6000, Buffer.from('sixin4!!'))]);
  const geneveOpts = hex('0102 80 01 0000abcd');
  const geneve = Buffer.concat([hex(`${(geneveOpts.length / 4).toString(16).padStart(2, '0')} 40 6558 00002a 00`), geneveOpts, innerEther]);
  const syn = (options, flags = 0x02, ack = 0) => tcpSegment('10.250.1.1', '10.250.1.2', 40001, 8080, flags, 1000, ack, options);
  const outer = (proto, payload, id) => ether(dstMac, srcMac, [], 0x0800, ipv4Packet('10.250.1.1', '10.250.1.2', proto, payload, id));
  return [
    outer(47, gre(0x2000, 0x0800, hex('0000002a'), inner(1)), 0x401),
    outer(47, gre(0x9000, 0x0800, hex('0000 0000 00000007'), inner(2)), 0x402),
    outer(47, gre(0x0000, 0x6558, Buffer.alloc(0), innerEther), 0x403),
    outer(4, inner(4), 0x404),
    outer(41, ipv6Udp, 0x405),
    outer(17, udpDatagram(40002, 6081, geneve), 0x406),
    // MPTCP capable v1 with a key, TFO cookie, then an ACK with SACK blocks and an MPTCP DSS
    outer(6, syn(Buffer.concat([hex('0204 05b4 0402'), hex('1e0c 0181 0102030405060708'), hex('220a 0011223344556677')])), 0x407),
    outer(6, syn(Buffer.concat([hex('fe04 f989'), hex('1e0c 0101 a1a2a3a4a5a6a7a8')])), 0x408),
    outer(6, syn(Buffer.concat([hex('0101 0512 000007d0 00000bb8 00000fa0 00001388'), hex('1e08 2001 00000010')]), 0x10, 5000), 0x409),
    // SCTP (no sctp module here): INIT, INIT ACK, COOKIE ECHO with a DATA chunk, SACK with a gap and a duplicate, HEARTBEAT, ABORT
    outer(132, sctpPacket([hex('01 00 0014 0000abcd 0001a000 000a 000a 00000001')]), 0x40a),
    outer(132, sctpPacket([hex('02 00 0018 0000dcba 0001a000 0005 0005 00000064 0007 0004')]), 0x40b),
    outer(132, sctpPacket([hex('0a 00 0008 01020304'), hex('00 03 0015 00000001 0000 0000 00000000 68656c6c6f')]), 0x40c),
    outer(132, sctpPacket([hex('03 00 0018 00000001 0001a000 0001 0001 0002 0003 00000001')]), 0x40d),
    outer(132, sctpPacket([hex('04 00 000c 0001 0008 0a0b0c0d'), hex('06 00 0004')]), 0x40e),
  ];
}
