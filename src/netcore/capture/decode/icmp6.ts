import { ipv6Addr } from './addr.js';
import type { Packet } from './packet.js';

const TYPE_NAMES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  143: 'multicast listener report v2',
};

const UNREACH_CODES: Record<number, string> = {
  0: 'unreachable route',
  1: 'unreachable prohibited',
  2: 'beyond scope',
  3: 'unreachable address',
  4: 'unreachable port',
};

/**
 * ICMPv6 as tcpdump's icmp6_print without -v, for the types seen on
 * container links (echo, unreachable, too big, time exceeded, router and
 * neighbour discovery, MLDv2 reports). Other types: their number and length.
 */
export function icmp6Print(p: Packet, off: number, len: number): void {
  p.proto = 'icmp6';
  if (len === 0) {
    p.out += 'ICMP6, length 0 (invalid)';
    return;
  }
  const type = p.u8(off);
  const name = TYPE_NAMES[type];
  if (name === undefined) {
    p.out += `ICMP6, type ${type}, length ${len}`;
    return;
  }
  p.out += `ICMP6, ${name}`;
  const code = p.u8(off + 1);
  const inner = off + 8;
  switch (type) {
    case 1:
      unreachDetail(p, inner, code);
      break;
    case 2:
      p.out += `, mtu ${p.u32(off + 4)}`;
      break;
    case 3:
      p.out += code === 0 ? ` for ${ipv6Addr(p, inner + 24)}` : code === 1 ? ' (reassembly)' : `, unknown code (${code})`;
      break;
    case 128:
    case 129:
      p.out += `, id ${p.u16(off + 4)}, seq ${p.u16(off + 6)}`;
      break;
    case 135:
      p.out += `, who has ${ipv6Addr(p, off + 8)}`;
      break;
    case 136:
      p.out += `, tgt is ${ipv6Addr(p, off + 8)}`;
      break;
    case 143:
      if (len < 8) {
        p.out += ` [invalid len ${len}]`;
        return;
      }
      p.out += `, ${p.u16(off + 6)} group record(s)`;
      break;
  }
  p.out += `, length ${len}`;
}

function unreachDetail(p: Packet, inner: number, code: number): void {
  p.out += `, ${UNREACH_CODES[code] ?? `unknown unreach code (${code})`}`;
  switch (code) {
    case 0:
    case 1:
    case 3:
      p.out += ` ${ipv6Addr(p, inner + 24)}`;
      return;
    case 2:
      p.out += ` ${ipv6Addr(p, inner + 24)}, source address ${ipv6Addr(p, inner + 8)}`;
      return;
    case 4: {
      const upper = upperLayer(p, inner);
      const dport = p.u16(upper.off + 2);
      const dst = ipv6Addr(p, inner + 24);
      if (upper.proto === 6) p.out += `, ${dst} tcp port ${dport}`;
      else if (upper.proto === 17) p.out += `, ${dst} udp port ${dport}`;
      else p.out += `, ${dst} protocol ${upper.proto} port ${dport} unreachable`;
      return;
    }
  }
}

/** The transport header inside the packet quoted by an ICMPv6 error, past its extension headers. */
function upperLayer(p: Packet, ip6: number): { proto: number; off: number } {
  let nh = p.u8(ip6 + 6);
  let cur = ip6 + 40;
  while (nh === 0 || nh === 60 || nh === 43 || nh === 44) {
    const next = p.u8(cur);
    cur += nh === 44 ? 8 : (p.u8(cur + 1) + 1) << 3;
    nh = next;
  }
  return { proto: nh, off: cur };
}
