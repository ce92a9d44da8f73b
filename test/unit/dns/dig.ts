import dgram from 'node:dgram';
import net from 'node:net';
import { execa } from 'execa';

/** A port free for both UDP and TCP on this address. */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, address, () => resolve(udp.address().port)));
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, address, () => srv.close(() => resolve(true)));
    });
    udp.close();
    if (tcpFree) return port;
  }
}

export interface DigResult {
  status: string;
  flags: string[];
  answers: string[]; // "name ttl class type data"
  additionals: string[];
  raw: string;
}

/** Real `dig` against the server on loopback, from a chosen source address (the "container"). */
export async function dig(port: number, args: string[], opts: { server?: string; from?: string } = {}): Promise<DigResult> {
  const argv = [`@${opts.server ?? '127.0.0.1'}`, '-p', String(port), '+tries=1', '+time=5', ...(opts.from ? ['-b', opts.from] : []), ...args];
  const res = await execa('dig', argv, { reject: false, timeout: 30_000 });
  const raw = String(res.stdout);
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(raw);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' ')) : [];
  };
  return {
    status: /status: (\w+)/.exec(raw)?.[1] ?? (raw.includes('timed out') || raw.includes('no servers') ? 'TIMEOUT' : 'NONE'),
    flags: (/;; flags: ([^;]*);/.exec(raw)?.[1] ?? '').trim().split(/\s+/).filter(Boolean),
    answers: section('ANSWER'),
    additionals: section('ADDITIONAL'),
    raw,
  };
}

/** The data column of each answer, sorted. */
export const dataOf = (r: DigResult) => r.answers.map((l) => l.split(' ').slice(4).join(' ')).sort();
