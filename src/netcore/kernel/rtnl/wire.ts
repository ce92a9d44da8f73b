/**
 * Routing netlink messages as bytes: the requests tsdiag sends (a dump, a
 * route lookup) and the attributes of the answers. Layouts from
 * <linux/netlink.h> and <linux/rtnetlink.h>; all fields are host order (x86,
 * little-endian) except addresses, which are network order.
 */

export const NLMSG_HDRLEN = 16;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;

export const RTM = {
  NEWLINK: 16, GETLINK: 18, NEWADDR: 20, GETADDR: 22, NEWROUTE: 24, GETROUTE: 26, NEWNEIGH: 28, GETNEIGH: 30,
} as const;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** The fixed header after nlmsghdr of each family of message, in bytes. */
export const BODY_LEN = { link: 16, addr: 8, route: 12, neigh: 12 } as const;

const align4 = (n: number) => (n + 3) & ~3;

export interface Message {
  type: number;
  flags: number;
  /** the message without its nlmsghdr: the fixed header, then attributes */
  body: Buffer;
}

/** The messages of an answer, back to back as the addon returns them. */
export function* messages(answer: Buffer): Generator<Message> {
  for (let at = 0; at + NLMSG_HDRLEN <= answer.length;) {
    const len = answer.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > answer.length) return;
    yield { type: answer.readUInt16LE(at + 4), flags: answer.readUInt16LE(at + 6), body: answer.subarray(at + NLMSG_HDRLEN, at + len) };
    at += align4(len);
  }
}

/** type -> payload of each attribute in buf (the first wins if one repeats); the nested and byte-order bits are dropped from the type. */
export function attributes(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= buf.length;) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > buf.length) break;
    const type = buf.readUInt16LE(at + 2) & 0x3fff;
    if (!out.has(type)) out.set(type, buf.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

/** A NUL-terminated string attribute. */
export function cString(payload: Buffer | undefined): string | null {
  if (!payload) return null;
  const end = payload.indexOf(0);
  return payload.toString('utf8', 0, end < 0 ? payload.length : end);
}

export const u32 = (payload: Buffer | undefined): number | null => (payload && payload.length >= 4 ? payload.readUInt32LE(0) : null);
export const u8 = (payload: Buffer | undefined): number | null => (payload && payload.length >= 1 ? payload[0]! : null);

function request(type: number, flags: number, body: Buffer, attrs: Array<[number, Buffer]> = []): Buffer {
  const parts = attrs.map(([t, payload]) => {
    const a = Buffer.alloc(align4(4 + payload.length));
    a.writeUInt16LE(4 + payload.length, 0);
    a.writeUInt16LE(t, 2);
    payload.copy(a, 4);
    return a;
  });
  const header = Buffer.alloc(NLMSG_HDRLEN);
  const msg = Buffer.concat([header, body, ...parts]);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(type, 4);
  msg.writeUInt16LE(NLM_F_REQUEST | flags, 6);
  return msg;
}

/** A dump request: every object of a kind (links, addresses, ...), of one address family (AF_UNSPEC: all). */
export function dumpRequest(type: number, bodyLen: number, family: number): Buffer {
  const body = Buffer.alloc(bodyLen);
  body[0] = family;
  return request(type, NLM_F_DUMP, body);
}

const RTA_DST = 1;

/** `ip route get ADDR`: the route the kernel would take to one IPv4 address. */
export function routeGetRequest(ipv4: Buffer): Buffer {
  const body = Buffer.alloc(BODY_LEN.route);
  body[0] = AF_INET;
  body[1] = 32; // rtm_dst_len
  return request(RTM.GETROUTE, 0, body, [[RTA_DST, ipv4]]);
}
