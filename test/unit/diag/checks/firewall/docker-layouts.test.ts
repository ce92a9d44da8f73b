import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerLayoutReport, recogniseLayout, type DockerFirewall, type LayoutRequirement } from '../../../../../src/diag/checks/firewall/docker-layouts.js';
import { normalizeNftRule } from '../../../../../src/diag/checks/firewall/nft-ruleset-text.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';
import { rulesetFixtures, type RulesetFixture } from '../../../../helpers/docker-rulesets.js';

const firewallOf = (f: RulesetFixture, text: string): DockerFirewall =>
  f.format === 'iptables' ? { iptables: parseIptablesCounters(text), nft: null } : { iptables: null, nft: text };
const key = (r: LayoutRequirement) => `${r.kind} ${r.table} ${r.chain} ${r.text}`;

const forms = (r: LayoutRequirement) => [r.text, ...(r.alternatives ?? [])];

/** iptables-save text without one chain's declaration or one rule, in the requirement's table. */
function withoutIptables(text: string, r: LayoutRequirement): string {
  let table = '';
  return text.split('\n').filter((line) => {
    if (line.startsWith('*')) table = line.slice(1);
    if (table !== r.table) return true;
    return r.kind === 'chain' ? !line.startsWith(`:${r.chain} `) : !forms(r).includes(line.replace(/^\[\d+:\d+\] /, ''));
  }).join('\n');
}

/** nft text without one chain or map block, one rule of a chain, or one map element. */
function withoutNft(text: string, r: LayoutRequirement): string {
  const lines = text.split('\n');
  if (r.kind === 'chain') {
    const start = lines.findIndex((l) => new RegExp(`^\\t(chain|map) ${r.chain} \\{$`).test(l));
    const end = lines.findIndex((l, i) => i > start && l === '\t}');
    return [...lines.slice(0, start), ...lines.slice(end + 1)].join('\n');
  }
  if (r.kind === 'map-element') return text.replace(`${r.text},`, '').replace(r.text, '');
  let chain = '';
  return lines.filter((l) => {
    const m = /^\tchain (\S+) \{$/.exec(l);
    if (m) chain = m[1]!;
    return !(chain === r.chain && forms(r).map(normalizeNftRule).includes(normalizeNftRule(l)));
  }).join('\n');
}

const fixtures = rulesetFixtures();

describe('Docker rule layouts over the fixtures', () => {
  it('has fixtures of every layout', () => {
    expect(new Set(fixtures.map((f) => f.version))).toEqual(new Set(['20.10', '26', '28', '29']));
    expect(new Set(fixtures.map((f) => f.layout))).toEqual(new Set(['20.10-27', '28', '29-iptables', '29-nftables']));
  });

  for (const f of fixtures) {
    describe(`${f.version}/${f.scenario}.${f.format}`, () => {
      const text = fs.readFileSync(f.file, 'utf8');
      const report = dockerLayoutReport(firewallOf(f, text))!;

      it(`is recognised as ${f.layout}, with nothing missing`, () => {
        expect(report.layout).toBe(f.layout);
        expect(report.missing.map(key)).toEqual([]);
        expect(report.required.length).toBeGreaterThan(5);
      });

      it('names the one chain or jump taken out', () => {
        for (const r of report.required.filter((x) => x.kind !== 'table')) {
          const broken = f.format === 'iptables' ? withoutIptables(text, r) : withoutNft(text, r);
          expect(broken, key(r)).not.toBe(text);
          const after = dockerLayoutReport(firewallOf(f, broken));
          expect(after?.layout, key(r)).toBe(f.layout);
          const missing = after!.missing.map(key);
          expect(missing, key(r)).toContain(key(r));
          // an nft chain or map taken out takes its own rules and elements with it
          const within = (m: LayoutRequirement) => key(m) === key(r) || (f.format === 'nft' && r.kind === 'chain' && m.chain === r.chain);
          expect(after!.missing.filter((m) => !within(m)).map(key), key(r)).toEqual([]);
        }
      });
    });
  }
});

describe('the layouts apart', () => {
  const load = (version: string, scenario: string, format = 'iptables') =>
    fixtures.find((f) => f.version === version && f.scenario === scenario && f.format === format)!;
  const fw = (version: string, scenario: string, format = 'iptables') => {
    const f = load(version, scenario, format);
    return firewallOf(f, fs.readFileSync(f.file, 'utf8'));
  };

  it('26 writes the same IPv4 rules as 20.10', () => {
    for (const s of ['new-daemon', 'usernet-portmap', 'usernet-portmap-noicc', 'usernet-internal']) {
      expect(fs.readFileSync(load('26', s).file, 'utf8')).toBe(fs.readFileSync(load('20.10', s).file, 'utf8'));
    }
  });

  it('no Docker rules: no layout', () => {
    expect(recogniseLayout({ iptables: parseIptablesCounters('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n'), nft: 'table inet filter {\n}\n' })).toBeNull();
  });

  it('a layout of 28 without its isolation chains is still 28 by DOCKER-ISOLATION-STAGE-2 jumps; 29 by DOCKER-INTERNAL', () => {
    expect(recogniseLayout(fw('28', 'new-daemon'))).toBe('28');
    expect(recogniseLayout(fw('29', 'new-daemon'))).toBe('29-iptables');
    expect(recogniseLayout(fw('29', 'new-daemon', 'nft'))).toBe('29-nftables');
  });

  it('fixes: a jump goes back where the layout has it, a published container\'s direct-access drop on top of raw PREROUTING', () => {
    const f = load('28', 'usernet-portmap');
    const text = fs.readFileSync(f.file, 'utf8').replace('[0:0] -A FORWARD -j DOCKER-USER\n', '').replace('[0:0] -A PREROUTING -d 172.18.0.2/32 ! -i br-5e1f0c2a9d34 -j DROP\n', '');
    const report = dockerLayoutReport(firewallOf(f, text))!;
    expect(report.missing.map((m) => m.fix)).toEqual([
      'iptables -I FORWARD 1 -j DOCKER-USER',
      'iptables -t raw -I PREROUTING 1 -d 172.18.0.2/32 ! -i br-5e1f0c2a9d34 -j DROP',
    ]);
    const forward = dockerLayoutReport(firewallOf(f, fs.readFileSync(f.file, 'utf8').replace('[0:0] -A FORWARD -j DOCKER-FORWARD\n', '')))!;
    expect(forward.missing.map((m) => m.fix)).toEqual(['iptables -I FORWARD 2 -j DOCKER-FORWARD']);
  });

  it('20.10: a bridge\'s jump to DOCKER goes back after its conntrack accept', () => {
    const f = load('20.10', 'usernet-portmap');
    const text = fs.readFileSync(f.file, 'utf8').replace('[0:0] -A FORWARD -o docker0 -j DOCKER\n', '');
    expect(dockerLayoutReport(firewallOf(f, text))!.missing.map((m) => m.fix)).toEqual(['iptables -I FORWARD 8 -o docker0 -j DOCKER']);
  });

  it('nftables: a bridge\'s map element comes back with nft add element', () => {
    const f = load('29', 'usernet-portmap', 'nft');
    const text = fs.readFileSync(f.file, 'utf8').replace('"br-5e1f0c2a9d34" : jump filter-forward-in__br-5e1f0c2a9d34', '').replace('filter-forward-in__docker0,', 'filter-forward-in__docker0');
    expect(dockerLayoutReport(firewallOf(f, text))!.missing.map((m) => m.fix)).toEqual([
      `nft 'add element ip docker-bridges filter-forward-in-jumps { "br-5e1f0c2a9d34" : jump filter-forward-in__br-5e1f0c2a9d34 }'`,
    ]);
  });

  it('a network in a gateway mode other than nat needs no direct-access drop; hints say which', () => {
    for (const version of ['28', '29']) {
      const f = load(version, 'usernet-portmap');
      const text = fs.readFileSync(f.file, 'utf8').replace('[0:0] -A PREROUTING -d 172.18.0.2/32 ! -i br-5e1f0c2a9d34 -j DROP\n', '');
      for (const gatewayMode of ['nat-unprotected', 'routed']) {
        expect(dockerLayoutReport(firewallOf(f, text), [{ bridge: 'br-5e1f0c2a9d34', gatewayMode }])!.missing, `${version} ${gatewayMode}`).toEqual([]);
      }
    }
    const f = load('29', 'usernet-portmap', 'nft');
    const text = fs.readFileSync(f.file, 'utf8').replace(/\n\t\tip daddr 172\.18\.0\.2 iifname != "br-5e1f0c2a9d34" [^\n]*drop[^\n]*/, '');
    expect(dockerLayoutReport(firewallOf(f, text), [{ bridge: 'br-5e1f0c2a9d34', gatewayMode: 'routed' }])!.missing).toEqual([]);
  });

  it('an internal network needs no jumps of its own in the iptables layouts; hints say which bridges are internal', () => {
    const f = load('28', 'usernet-internal');
    const report = dockerLayoutReport(firewallOf(f, fs.readFileSync(f.file, 'utf8')), [{ bridge: 'br-7c3a9e01b4d6', internal: true }])!;
    expect(report.required.filter((r) => r.text.includes('br-7c3a9e01b4d6'))).toEqual([]);
    const hinted = dockerLayoutReport(firewallOf(f, fs.readFileSync(f.file, 'utf8')), [{ bridge: 'br-0123456789ab' }])!;
    expect(hinted.missing.map((m) => m.text)).toEqual([
      '-A DOCKER-BRIDGE -o br-0123456789ab -j DOCKER',
      '-A DOCKER-ISOLATION-STAGE-1 -i br-0123456789ab ! -o br-0123456789ab -j DOCKER-ISOLATION-STAGE-2',
    ]);
  });
});
