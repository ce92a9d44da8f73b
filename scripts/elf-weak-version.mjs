#!/usr/bin/env node
// Marks one version a 64-bit little-endian ELF binary needs from a library
// (e.g. GLIBC_2.39) as weak (VER_FLG_WEAK), so ld.so loads it where the
// library lacks that version (it prints a warning, no error). Only sound when
// every symbol bound to that version is a weak undefined one, which the
// program checks for null before use (Rust's std does so for pidfd_spawnp
// and pidfd_getpid): otherwise it refuses and changes nothing.
//
//   node scripts/elf-weak-version.mjs FILE VERSION
//
// Used by scripts/podman-engine for Debian 13's netavark, built against
// glibc 2.39 only for those two symbols, on Debian 12's glibc 2.36.
import fs from 'node:fs';

const VER_FLG_WEAK = 0x2;
const STB_WEAK = 2;
const SHN_UNDEF = 0;

function fail(message) {
  process.stderr.write(`elf-weak-version: ${message}\n`);
  process.exit(2);
}

const [file, version] = process.argv.slice(2);
if (!file || !version || !/^[A-Za-z0-9_.]+$/.test(version)) fail('usage: elf-weak-version.mjs FILE VERSION');
const b = fs.readFileSync(file);
if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) fail(`${file}: not a 64-bit little-endian ELF file`);

const shoff = Number(b.readBigUInt64LE(0x28));
const shentsize = b.readUInt16LE(0x3a);
const shnum = b.readUInt16LE(0x3c);
const sections = Array.from({ length: shnum }, (_, i) => {
  const at = shoff + i * shentsize;
  return { type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 0x18)), size: Number(b.readBigUInt64LE(at + 0x20)), link: b.readUInt32LE(at + 0x28) };
});
const SHT_DYNSYM = 11, SHT_GNU_VERNEED = 0x6ffffffe, SHT_GNU_VERSYM = 0x6fffffff;
const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
if (!verneed || !versym || !dynsym) fail(`${file}: no dynamic symbol versions`);
const strtab = sections[verneed.link];
const str = (off) => b.toString('latin1', strtab.offset + off, b.indexOf(0, strtab.offset + off));

// find the Vernaux entry naming VERSION
let aux = null;
for (let need = verneed.offset; ;) {
  const count = b.readUInt16LE(need + 2);
  let at = need + b.readUInt32LE(need + 8);
  for (let i = 0; i < count; i++) {
    if (str(b.readUInt32LE(at + 8)) === version) aux = { at, index: b.readUInt16LE(at + 6), library: str(b.readUInt32LE(need + 4)) };
    at += b.readUInt32LE(at + 12);
  }
  const next = b.readUInt32LE(need + 12);
  if (!next) break;
  need += next;
}
if (!aux) fail(`${file} does not need ${version}`);

// every symbol bound to it must be weak and undefined
const dynstr = sections[dynsym.link];
const symName = (off) => b.toString('latin1', dynstr.offset + off, b.indexOf(0, dynstr.offset + off));
const bound = [];
for (let i = 0; i < dynsym.size / 24; i++) {
  if ((b.readUInt16LE(versym.offset + i * 2) & 0x7fff) !== aux.index) continue;
  const at = dynsym.offset + i * 24;
  const weak = b[at + 4] >> 4 === STB_WEAK && b.readUInt16LE(at + 6) === SHN_UNDEF;
  bound.push(symName(b.readUInt32LE(at)));
  if (!weak) fail(`${symName(b.readUInt32LE(at))}@${version} is not a weak undefined symbol: refusing`);
}

const flags = b.readUInt16LE(aux.at + 4);
if (flags & VER_FLG_WEAK) {
  process.stdout.write(`${file}: ${version} (${aux.library}) already weak\n`);
} else {
  b.writeUInt16LE(flags | VER_FLG_WEAK, aux.at + 4);
  fs.writeFileSync(file, b);
  process.stdout.write(`${file}: ${version} (${aux.library}) marked weak; its symbols: ${bound.join(', ')}\n`);
}
