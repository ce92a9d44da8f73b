import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chainsFacts, fwChainsIntact } from '../../../../../src/diag/checks/firewall/chains-intact.js';
import type { LayoutRequirement } from '../../../../../src/diag/checks/firewall/docker-layouts.js';
import { parseIptablesCounters } from '../../../../../src/netcore/kernel/inspect.js';
import { rulesetFixtures, type RulesetFixture } from '../../../../helpers/docker-rulesets.js';

const HOST = 'tsdhost';
const target = { backend: 'docker' as const, hostNetns: HOST };

/** fw.chains-intact's facts for a host holding `text` (a fixture's format). */
const factsOf = (f: RulesetFixture, text: string) =>
  f.format === 'iptables' ? chainsFacts(target, [], parseIptablesCounters(text), null, []) : chainsFacts(target, [], null, text, []);

/** iptables-save text without one rule (in its table). */
function withoutRule(text: string, table: string, rule: string): string {
  let t = '';
  return text.split('\n').filter((line) => {
    if (line.startsWith('*')) t = line.slice(1);
    return !(t === table && line.replace(/^\[\d+:\d+\] /, '') === rule);
  }).join('\n');
}

/** `iptables [-t T] -I CHAIN N SPEC` (or `-A CHAIN SPEC`) applied to iptables-save text: the rule becomes the chain's Nth (last). */
function applyInsert(text: string, fix: string): string {
  const m = /^ip netns exec \S+ iptables(?: -t (\S+))? (?:-I (\S+) (\d+)|-A (\S+)) (.+)$/.exec(fix);
  if (!m) throw new Error(`not an insert: ${fix}`);
  const [, table = 'filter', inserted, n = '0', appended, spec] = m;
  const chain = inserted ?? appended;
  const lines = text.split('\n');
  let t = '';
  let seen = 0;
  let at = -1;
  let lastOfTable = -1;
  lines.forEach((line, i) => {
    if (line.startsWith('*')) t = line.slice(1);
    if (t !== table) return;
    if (line === 'COMMIT') lastOfTable = i;
    if (at < 0 && line.replace(/^\[\d+:\d+\] /, '').startsWith(`-A ${chain} `) && ++seen === Number(n)) at = i;
  });
  lines.splice(at >= 0 ? at : lastOfTable, 0, `[0:0] -A ${chain} ${spec}`);
  return lines.join('\n');
}

const fixtures = rulesetFixtures();
const fixture = (version: string, scenario: string, format = 'iptables') => fixtures.find((f) => f.version === version && f.scenario === scenario && f.format === format)!;

describe('fw.chains-intact on Docker layouts (recorded and hand-written rulesets)', () => {
  for (const f of fixtures) {
    it(`${f.version}/${f.scenario}.${f.format}: ${f.layout} recognised, everything present`, () => {
      const v = fwChainsIntact.judge(factsOf(f, fs.readFileSync(f.file, 'utf8')));
      expect(v.status, v.evidence.join('\n')).toBe('pass');
      expect(v.summary).toMatch(new RegExp(`^Docker ${f.layout.replace('.', '\\.')} layout: all \\d+ rules the networks need are present$`));
    });
  }

  for (const f of fixtures.filter((x) => x.format === 'iptables' && x.scenario === 'usernet-portmap')) {
    it(`${f.version}: each missing jump is named with its purpose; its fix, applied, makes it pass`, () => {
      const text = fs.readFileSync(f.file, 'utf8');
      const jumps = factsOf(f, text).docker!.required.filter((r) => r.kind === 'jump');
      expect(jumps.map((r) => r.text)).toContain('-A FORWARD -j DOCKER-USER');
      for (const r of jumps) {
        const broken = withoutRule(text, r.table, r.text);
        const v = fwChainsIntact.judge(factsOf(f, broken));
        expect(v.status, r.text).toBe('fail');
        expect(v.summary, r.text).toContain(`Docker ${f.layout} layout: 1 of`);
        expect(v.summary, r.text).toContain(r.purpose);
        const label = r.table === 'filter' ? r.text : `-t ${r.table} ${r.text}`;
        expect(v.evidence[0], r.text).toBe(`missing: ${label}  (${r.purpose})`);
        expect(v.fix, r.text).toMatch(new RegExp(`^ip netns exec ${HOST} iptables`));
        const fixed = fwChainsIntact.judge(factsOf(f, applyInsert(broken, v.fix!)));
        expect(fixed.status, `${r.text} after ${v.fix}: ${fixed.summary}`).toBe('pass');
      }
    });
  }

  it('20.10: FORWARD -> DOCKER-ISOLATION-STAGE-1 missing strands the per-bridge isolation jumps', () => {
    const f = fixture('20.10', 'usernet-portmap');
    const v = fwChainsIntact.judge(factsOf(f, withoutRule(fs.readFileSync(f.file, 'utf8'), 'filter', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1')));
    expect(v.evidence[0]).toBe('missing: -A FORWARD -j DOCKER-ISOLATION-STAGE-1  (FORWARD -> DOCKER-ISOLATION-STAGE-1: isolation between networks)');
    expect(v.evidence[1]).toMatch(/^ {2}so FORWARD never reaches DOCKER-ISOLATION-STAGE-1: DOCKER-ISOLATION-STAGE-1 -> STAGE-2 for /);
    expect(v.fix).toBe(`ip netns exec ${HOST} iptables -I FORWARD 2 -j DOCKER-ISOLATION-STAGE-1`);
  });

  it('28: FORWARD -> DOCKER-FORWARD missing strands DOCKER-CT, isolation and DOCKER-BRIDGE; two missing jumps go back in order', () => {
    const f = fixture('28', 'usernet-portmap');
    const text = fs.readFileSync(f.file, 'utf8');
    const v = fwChainsIntact.judge(factsOf(f, withoutRule(text, 'filter', '-A FORWARD -j DOCKER-FORWARD')));
    expect(v.evidence[1]).toMatch(/so FORWARD never reaches DOCKER-FORWARD: DOCKER-FORWARD -> DOCKER-CT.*DOCKER-FORWARD -> DOCKER-ISOLATION-STAGE-1.*DOCKER-FORWARD -> DOCKER-BRIDGE/);
    const both = withoutRule(withoutRule(text, 'filter', '-A FORWARD -j DOCKER-FORWARD'), 'filter', '-A FORWARD -j DOCKER-USER');
    const two = fwChainsIntact.judge(factsOf(f, both));
    expect(two.fix).toBe(`ip netns exec ${HOST} iptables -I FORWARD 1 -j DOCKER-FORWARD && ip netns exec ${HOST} iptables -I FORWARD 1 -j DOCKER-USER`);
    const fixed = two.fix!.split(' && ').reduce(applyInsert, both);
    expect(fwChainsIntact.judge(factsOf(f, fixed)).status).toBe('pass');
  });

  it('28 and 29: a missing chain or raw direct-access drop is named; a missing chain needs the engine restarted', () => {
    const f = fixture('29', 'usernet-portmap');
    const text = fs.readFileSync(f.file, 'utf8');
    const noChain = text.split('\n').filter((l) => l !== ':DOCKER-CT - [0:0]' && !/-A DOCKER-CT /.test(l)).join('\n');
    const v = fwChainsIntact.judge(factsOf(f, noChain));
    expect(v.status).toBe('fail');
    expect(v.evidence).toContain("missing: filter chain DOCKER-CT  (chain DOCKER-CT: replies to containers' connections)");
    expect(v.fix).toBe('systemctl restart docker');
    const drop = fwChainsIntact.judge(factsOf(f, withoutRule(text, 'raw', '-A PREROUTING -d 172.18.0.2/32 ! -i br-5e1f0c2a9d34 -j DROP')));
    expect(drop.summary).toContain('raw PREROUTING drops direct access to 172.18.0.2 from outside br-5e1f0c2a9d34');
    expect(drop.fix).toBe(`ip netns exec ${HOST} iptables -t raw -I PREROUTING 1 -d 172.18.0.2/32 ! -i br-5e1f0c2a9d34 -j DROP`);
  });

  it('28: DOCKER-USER jumped to after DOCKER-FORWARD is reported out of order, with the moves', () => {
    const f = fixture('28', 'usernet-portmap');
    const text = fs.readFileSync(f.file, 'utf8').replace('[0:0] -A FORWARD -j DOCKER-USER\n[0:0] -A FORWARD -j DOCKER-FORWARD\n', '[0:0] -A FORWARD -j DOCKER-FORWARD\n[0:0] -A FORWARD -j DOCKER-USER\n');
    const v = fwChainsIntact.judge(factsOf(f, text));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^FORWARD -> DOCKER-USER: .* comes after the jumps it must precede/);
    expect(v.fix).toBe(`ip netns exec ${HOST} iptables -D FORWARD -j DOCKER-USER && ip netns exec ${HOST} iptables -I FORWARD 1 -j DOCKER-USER`);
  });

  it('29 nftables: a map element or a base chain\'s vmap rule taken out is named with its nft command', () => {
    const f = fixture('29', 'usernet-portmap', 'nft');
    const text = fs.readFileSync(f.file, 'utf8');
    const noElement = text.replace('"br-5e1f0c2a9d34" : jump filter-forward-in__br-5e1f0c2a9d34', '').replace('jump filter-forward-in__docker0,', 'jump filter-forward-in__docker0');
    const v = fwChainsIntact.judge(factsOf(f, noElement));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^Docker 29-nftables layout: 1 of \d+ rules the networks need are missing: filter-forward-in-jumps sends forwarded traffic into br-5e1f0c2a9d34/);
    expect(v.fix).toBe(`ip netns exec ${HOST} nft 'add element ip docker-bridges filter-forward-in-jumps { "br-5e1f0c2a9d34" : jump filter-forward-in__br-5e1f0c2a9d34 }'`);
    const noVmap = fwChainsIntact.judge(factsOf(f, text.replace('\t\tiifname vmap @filter-forward-out-jumps\n', '')));
    expect(noVmap.evidence[0]).toBe('missing: ip docker-bridges filter-FORWARD: iifname vmap @filter-forward-out-jumps  (filter-FORWARD -> @filter-forward-out-jumps: per-bridge chains)');
    expect(noVmap.fix).toBe(`ip netns exec ${HOST} nft 'add rule ip docker-bridges filter-FORWARD iifname vmap @filter-forward-out-jumps'`);
  });

  it('a Docker host whose rules hold no recognisable layout falls back to the rules the inventory needs', () => {
    const facts = chainsFacts(target, [{ table: 'filter', chain: 'FORWARD', rule: '-A FORWARD -j DOCKER-USER', pattern: '^-A FORWARD -j DOCKER-USER$', purpose: 'jump FORWARD -> DOCKER-USER' }],
      parseIptablesCounters('*filter\n:FORWARD DROP [0:0]\nCOMMIT\n'), null, []);
    expect(facts.docker).toBeNull();
    expect(fwChainsIntact.judge(facts)).toMatchObject({ status: 'fail', fix: 'systemctl restart docker' });
  });

  it('requirements carry a fix each', () => {
    const all: LayoutRequirement[] = fixtures.flatMap((f) => factsOf(f, fs.readFileSync(f.file, 'utf8')).docker!.required);
    expect(all.filter((r) => !r.fix)).toEqual([]);
  });
});
