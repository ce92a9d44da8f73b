import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { DockerLayout } from '../../src/diag/checks/firewall/docker-layouts.js';

/**
 * Docker's rule layouts as fixtures (fixtures/docker-rulesets/<version>/<scenario>.iptables
 * in `iptables-save -c` form, .nft in `nft list ruleset` form), and loading one
 * into a sandbox host namespace and out again. Neither iptables-restore nor
 * nft -f needs the bridges the rules name to exist.
 */
export const RULESETS_DIR = path.resolve(import.meta.dirname, '../../fixtures/docker-rulesets');

export interface RulesetFixture {
  version: string;
  scenario: string;
  format: 'iptables' | 'nft';
  file: string;
  /** the layout the model must recognise in it */
  layout: DockerLayout;
}

const LAYOUTS: Record<string, DockerLayout> = { '20.10': '20.10-27', '26': '20.10-27', '28': '28', '29': '29-iptables' };

export function rulesetFixtures(): RulesetFixture[] {
  const out: RulesetFixture[] = [];
  for (const version of fs.readdirSync(RULESETS_DIR).filter((d) => LAYOUTS[d]).sort()) {
    for (const name of fs.readdirSync(path.join(RULESETS_DIR, version)).sort()) {
      const m = /^(.+)\.(iptables|nft)$/.exec(name);
      if (!m) continue;
      const format = m[2] as 'iptables' | 'nft';
      out.push({
        version, scenario: m[1]!, format, file: path.join(RULESETS_DIR, version, name),
        layout: format === 'nft' ? '29-nftables' : LAYOUTS[version]!,
      });
    }
  }
  return out;
}

export type IptablesBackendName = 'nft' | 'legacy';

async function inNetns(netns: string, cmd: string[], input?: string): Promise<string> {
  const res = await execa('ip', ['netns', 'exec', netns, ...cmd], { input, reject: false, timeout: 20_000 });
  if (res.exitCode !== 0) throw new Error(`${cmd.join(' ')} in ${netns} exited ${res.exitCode}: ${res.stderr}`);
  return String(res.stdout);
}

/** The `*table` names of iptables-save text. */
const savedTables = (text: string) => [...text.matchAll(/^\*(\S+)$/gm)].map((m) => m[1]!);
/** The built-in chains (those with a policy) of iptables-save text, by table. */
const builtinChains = (text: string) => {
  const out: Array<[string, string]> = [];
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^:(\S+) (ACCEPT|DROP)\b/.exec(line);
    if (m) out.push([table, m[1]!]);
  }
  return out;
};
/** The `table family name` pairs of nft text. */
const nftTables = (text: string) => [...text.matchAll(/^table (\S+) (\S+) \{$/gm)].map((m) => [m[1]!, m[2]!] as const);

/** Loads a fixture into namespace netns (iptables through the given backend); returns what unload needs. */
export async function loadRuleset(netns: string, fixture: RulesetFixture, backend: IptablesBackendName = 'nft'): Promise<() => Promise<void>> {
  const text = fs.readFileSync(fixture.file, 'utf8');
  if (fixture.format === 'nft') {
    // nft -f adds to a table that exists: start from none
    for (const [family, name] of nftTables(text)) await execa('ip', ['netns', 'exec', netns, 'nft', 'delete', 'table', family, name], { reject: false });
    await inNetns(netns, ['nft', '-f', fixture.file]);
    return async () => {
      for (const [family, name] of nftTables(text)) await execa('ip', ['netns', 'exec', netns, 'nft', 'delete', 'table', family, name], { reject: false });
    };
  }
  // iptables-restore flushes each table it names, then restores it (-c: counters too)
  await inNetns(netns, [`iptables-${backend}-restore`, '-c'], text);
  return async () => {
    for (const table of savedTables(text)) {
      await execa('ip', ['netns', 'exec', netns, `iptables-${backend}`, '-t', table, '-F'], { reject: false });
      await execa('ip', ['netns', 'exec', netns, `iptables-${backend}`, '-t', table, '-X'], { reject: false });
    }
    for (const [table, chain] of builtinChains(text)) {
      await execa('ip', ['netns', 'exec', netns, `iptables-${backend}`, '-t', table, '-P', chain, 'ACCEPT'], { reject: false });
    }
  };
}
