import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fwForwardPolicy } from '../../../../../src/diag/checks/firewall/forward-policy.js';
import { nftForwardDrops } from '../../../../../src/diag/checks/firewall/nft-forward.js';
import { parseNftRuleset } from '../../../../../src/diag/checks/firewall/nft-ruleset-text.js';
import { RULESETS_DIR } from '../../../../helpers/docker-rulesets.js';

/** Facts recorded from a lab (`doctor web db --json --facts`): an iptables FORWARD policy ACCEPT, web -> db answered. */
function recorded(fault: string): any {
  const file = path.resolve(import.meta.dirname, `../../../../../fixtures/doctor/fw-kernel-${fault}.json`);
  return structuredClone(JSON.parse(fs.readFileSync(file, 'utf8')).checks['fw.forward-policy'].facts);
}

const DOCKER29 = fs.readFileSync(path.join(RULESETS_DIR, '29/usernet-portmap.nft'), 'utf8');
const DOCKER_BRIDGE = 'br-5e1f0c2a9d34';
const withNft = (base: any, text: string, bridge: string = base.bridge) => ({ ...base, bridge, nftDrops: nftForwardDrops(parseNftRuleset(text), bridge) });

const FIREWALLD_LIKE = `table inet filterd {
	chain fwd {
		type filter hook forward priority filter + 10; policy drop;
		ct state established,related accept
		iifname "lo" accept
		jump fwd_zones
	}

	chain fwd_zones {
		iifname { "eth0", "wlan0" } oifname "eth0" accept
	}
}
`;

describe('fw.forward-policy and nftables base chains', () => {
  it("Docker 29's filter-FORWARD (policy drop) accepts its own bridge's traffic through the map: pass, naming the rule", () => {
    const v = fwForwardPolicy.judge(withNft(recorded('healthy'), DOCKER29, DOCKER_BRIDGE));
    expect(v.status).toBe('pass');
    expect(v.evidence).toContain(`nft chain ip docker-bridges filter-FORWARD (type filter hook forward priority filter; policy drop;) accepts ${DOCKER_BRIDGE}'s traffic: filter-forward-in__${DOCKER_BRIDGE}: iifname "${DOCKER_BRIDGE}" accept`);
  });

  it('a bridge Docker does not own (tsdiag\'s) is dropped by Docker 29\'s policy: fail naming family, table and chain; the fix is an accept in that chain', () => {
    const s6 = recorded('s6');
    const f = { ...withNft(recorded('healthy'), DOCKER29), outcome: s6.outcome };
    const v = fwForwardPolicy.judge(f);
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(`nft chain ip docker-bridges filter-FORWARD has policy drop and nothing in it accepts ${f.bridge}'s traffic: web -> db is dropped by it`);
    expect(v.fix).toBe(`ip netns exec ${f.hostNetns} nft 'insert rule ip docker-bridges filter-FORWARD iifname "${f.bridge}" oifname "${f.bridge}" accept'`);
    expect(v.evidence.join('\n')).toMatch(/rather than setting its policy to accept/);
    expect(v.evidence.join('\n')).toMatch(/ip-forward-no-drop/);
  });

  it('the map element of Docker\'s own bridge taken out: its traffic reaches the policy', () => {
    const text = DOCKER29.replace(`"${DOCKER_BRIDGE}" : jump filter-forward-in__${DOCKER_BRIDGE}`, '').replace('jump filter-forward-in__docker0,', 'jump filter-forward-in__docker0')
      .replace(`"${DOCKER_BRIDGE}" : jump filter-forward-out__${DOCKER_BRIDGE}`, '').replace('jump filter-forward-out__docker0,', 'jump filter-forward-out__docker0');
    const v = fwForwardPolicy.judge(withNft(recorded('healthy'), text, DOCKER_BRIDGE));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(new RegExp(`^nft chain ip docker-bridges filter-FORWARD has policy drop and nothing in it accepts ${DOCKER_BRIDGE}'s traffic`));
  });

  it('a firewalld-like inet table: followed through its jump; an interface set or wildcard naming the bridge accepts', () => {
    const base = recorded('healthy');
    const fail = fwForwardPolicy.judge(withNft(base, FIREWALLD_LIKE));
    expect(fail.status).toBe('fail');
    expect(fail.summary).toMatch(/^nft chain inet filterd fwd has policy drop/);
    expect(fail.fix).toBe(`ip netns exec ${base.hostNetns} nft 'insert rule inet filterd fwd iifname "${base.bridge}" oifname "${base.bridge}" accept'`);
    const set = FIREWALLD_LIKE.replace('{ "eth0", "wlan0" } oifname "eth0"', `{ "eth0", "${base.bridge}" } oifname "${base.bridge}"`);
    expect(fwForwardPolicy.judge(withNft(base, set)).status).toBe('pass');
    const wildcard = FIREWALLD_LIKE.replace('iifname "lo" accept', 'iifname "br-*" accept');
    expect(fwForwardPolicy.judge(withNft(base, wildcard)).status).toBe('pass');
    const negated = FIREWALLD_LIKE.replace('iifname "lo" accept', `iifname != "${base.bridge}" accept`);
    expect(fwForwardPolicy.judge(withNft(base, negated)).status).toBe('fail');
  });

  it('an accept this walk cannot evaluate (addresses) makes it a warning that names the rule', () => {
    const base = recorded('healthy');
    const v = fwForwardPolicy.judge(withNft(base, FIREWALLD_LIKE.replace('iifname "lo" accept', 'ip saddr 172.16.0.0/12 accept')));
    expect(v.status).toBe('warn');
    expect(v.evidence.join('\n')).toContain('(unless fwd: ip saddr 172.16.0.0/12 accept does)');
  });

  it("iptables-nft's own FORWARD chain is left to the iptables half; accept-policy and non-forward chains are not drop chains", () => {
    const text = `table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n`
      + 'table ip other {\n\tchain fwd {\n\t\ttype filter hook forward priority 0; policy accept;\n\t}\n\n\tchain in {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n';
    expect(nftForwardDrops(parseNftRuleset(text), 'br0')).toEqual([]);
    expect(fwForwardPolicy.judge(withNft(recorded('healthy'), text))).toMatchObject({ status: 'pass', summary: 'FORWARD policy ACCEPT' });
  });

  it('both an iptables FORWARD DROP and an nft drop chain: one failure, both fixes', () => {
    const s6 = recorded('s6');
    const v = fwForwardPolicy.judge(withNft(s6, FIREWALLD_LIKE));
    expect(v.status).toBe('fail');
    expect(v.fix).toBe(`tsdiag --host-netns ${s6.hostNetns} system reconcile && ip netns exec ${s6.hostNetns} nft 'insert rule inet filterd fwd iifname "${s6.bridge}" oifname "${s6.bridge}" accept'`);
  });
});
