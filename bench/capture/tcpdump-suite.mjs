#!/usr/bin/env node
// tcpdump's own test suite, measured against tsdiag capture (nothing of it is
// committed here). Given a directory holding a checkout of tcpdump's tests/
// (TESTLIST, *.pcap, *.out), runs the cases whose protocols a container
// network carries and whose options tsdiag has, through `tsdiag capture -r`
// as tcpdump's TESTrun runs tcpdump (-# -n -r FILE, -tttt unless SPECIAL_t,
// TZ=GMT0), and counts the lines equal to the .out file (written by tcpdump
// master) and to the local tcpdump's output for the same file and options.
//
// Usage: node bench/capture/tcpdump-suite.mjs --tests DIR [--tsdiag dist/cli/main.js]
//        [--only REGEX] [--show N] [--json]
//   DIR: e.g. git --git-dir=... archive HEAD tests | tar -x -C /tmp/suite; then DIR=/tmp/suite/tests
//   --show N: the first N differing lines of each case that is not equal
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const testsDir = opt('--tests');
if (!testsDir || args.includes('--help')) {
  process.stderr.write('usage: tcpdump-suite.mjs --tests DIR [--tsdiag PATH] [--only REGEX] [--show N] [--json]\n');
  process.exit(testsDir ? 0 : 2);
}
const tsdiag = path.resolve(opt('--tsdiag', new URL('../../dist/cli/main.js', import.meta.url).pathname));
const only = opt('--only') ? new RegExp(opt('--only')) : null;
const show = Number(opt('--show', '0'));

/** the protocols of container networks (names of tcpdump's cases), without its fuzzing cases */
const IN_SCOPE = /^(print-(x|xx|X|XX|A|AA)$|tcp|udp|ipv4|ipv6|ip6?[-_]|ip-|arp|icmp|dns|edns|mdns|dhcp-|bootp|ntp|vxlan|geneve|gre|various_gre|ipip|sctp|http|mptcp|tfo|sack|igmp|mld|LINKTYPE_(RAW|IPV)|gso-|bigtcp-|vlan|sll|ether)/i;
const OUT_OF_SCOPE = /heapoverflow|oobr|asan|segv|nsh|lisp|mobility|srh|dhcpv6|snmp|rfc8335|nodeinfo|ni-flags/i;
/** Ethernet, raw IP, Linux cooked v1/v2, IPv4, IPv6 */
const LINK_TYPES = new Set([1, 101, 113, 276, 228, 229]);
/** tcpdump options tsdiag capture has */
const OPTION = /^-(n|nn|[vV]{1,3}|e|q|x|xx|X|XX|A|AA|t{1,5}|S|K|N|#|ev|ve)$/;

function linkTypeOf(file) {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(64);
  try {
    fs.readSync(fd, b, 0, 64, 0);
  } finally {
    fs.closeSync(fd);
  }
  const magic = b.readUInt32LE(0);
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return b.readUInt32LE(20);
  if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) return b.readUInt32BE(20);
  if (magic === 0x0a0d0d0a) {
    const le = b.readUInt32LE(8) === 0x1a2b3c4d;
    const shbLen = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
    const idb = Buffer.alloc(12);
    const fd2 = fs.openSync(file, 'r');
    fs.readSync(fd2, idb, 0, 12, shbLen);
    fs.closeSync(fd2);
    return le ? idb.readUInt16LE(8) : idb.readUInt16BE(8);
  }
  return -1;
}

function cases() {
  const list = [];
  for (const raw of fs.readFileSync(path.join(testsDir, 'TESTLIST'), 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, input, output, ...rest] = line.split(/\s+/);
    if (!output || !IN_SCOPE.test(name) || OUT_OF_SCOPE.test(name) || (only && !only.test(name))) continue;
    const special = rest.includes('SPECIAL_t');
    const words = rest.filter((w) => w !== 'SPECIAL_t');
    const options = [];
    const filter = [];
    let unsupported = false;
    for (const w of words) {
      if (w.startsWith('-') && filter.length === 0) {
        if (!OPTION.test(w)) unsupported = true;
        options.push(w);
      } else filter.push(w);
    }
    const file = path.join(testsDir, input);
    if (unsupported || !fs.existsSync(file) || !LINK_TYPES.has(linkTypeOf(file))) continue;
    list.push({ name, file, expected: path.join(testsDir, output), args: ['-#', '-n', '-r', file, ...(special ? [] : ['-tttt']), ...options, ...filter] });
  }
  return list;
}

const env = { ...process.env, TZ: 'GMT0' };
const linesOf = (text) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').filter((l, i, a) => a.length > 1 || l !== '');

function run(cmd, argv) {
  const res = spawnSync(cmd, argv, { env, encoding: 'latin1', maxBuffer: 1 << 28 });
  return linesOf(res.stdout ?? '');
}

/** lines of `want` matched in order by `got` (longest common subsequence; position by position when too large) */
function equalLines(want, got) {
  const n = want.length;
  const m = got.length;
  if (n === 0 || m === 0) return 0;
  if (n * m > 3e7) {
    let k = 0;
    for (let i = 0; i < Math.min(n, m); i++) if (want[i] === got[i]) k++;
    return k;
  }
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) cur[j] = want[i - 1] === got[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    [prev, cur] = [cur, prev];
  }
  return prev[m];
}

const tcpdumpVersion = execFileSync('tcpdump', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const results = [];
const total = { master: 0, masterEqual: 0, local: 0, localEqual: 0, localVsMaster: 0 };
for (const c of cases()) {
  const master = linesOf(fs.readFileSync(c.expected, 'latin1'));
  const local = run('tcpdump', c.args);
  const ours = run(process.execPath, [tsdiag, 'capture', ...c.args]);
  const r = { name: c.name, lines: master.length, master: equalLines(master, ours), local: equalLines(local, ours), localLines: local.length, localVsMaster: equalLines(master, local) };
  results.push(r);
  total.master += master.length;
  total.masterEqual += r.master;
  total.local += local.length;
  total.localEqual += r.local;
  total.localVsMaster += r.localVsMaster;
  if (!args.includes('--json')) {
    const pct = (a, b) => (b ? ((100 * a) / b).toFixed(0).padStart(3) : '  -');
    process.stdout.write(`${c.name.padEnd(44)} ${String(master.length).padStart(5)} lines  =master ${pct(r.master, master.length)}%  =local ${pct(r.local, local.length)}%  (local=master ${pct(r.localVsMaster, master.length)}%)\n`);
    if (show && r.local < local.length) {
      let shown = 0;
      for (let i = 0; i < local.length && shown < show; i++) {
        if (local[i] !== ours[i]) {
          process.stdout.write(`    tcpdump: ${local[i]}\n    tsdiag:  ${ours[i] ?? '(none)'}\n`);
          shown++;
        }
      }
    }
  }
}
const pct = (a, b) => ((100 * a) / b).toFixed(1);
const summary = {
  cases: results.length,
  tcpdump: tcpdumpVersion,
  linesMaster: total.master,
  equalToMaster: `${pct(total.masterEqual, total.master)}%`,
  linesLocal: total.local,
  equalToLocal: `${pct(total.localEqual, total.local)}%`,
  localEqualToMaster: `${pct(total.localVsMaster, total.master)}%`,
  casesAllEqualLocal: results.filter((r) => r.local === r.localLines && r.localLines > 0).length,
};
if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ summary, results }, null, 1)}\n`);
else process.stdout.write(`\n${summary.cases} cases; lines equal to tcpdump master's .out: ${summary.equalToMaster} of ${summary.linesMaster}; to the local ${tcpdumpVersion}: ${summary.equalToLocal} of ${summary.linesLocal} (${summary.casesAllEqualLocal} cases whole); local 4.99 = master: ${summary.localEqualToMaster}\n`);
