import { parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { requireCapabilities } from '../../netcore/capabilities.js';
import { connectNetwork, containerByNameOrId, createContainer } from '../../netcore/containers.js';
import { run } from '../../netcore/exec.js';
import { createNetwork } from '../../netcore/networks.js';
import { createSandbox, removeSandbox, sandboxHost } from '../../netcore/sandbox.js';
import { readState } from '../../netcore/state/store.js';
import { containerRow, inspectNetworkJson } from '../views.js';

const USAGE = `Usage: tsdiag demo [--keep] [--name SANDBOX]

Builds a sandbox host (nothing changes in this machine's own namespace) with two
networks and three containers, shows them, pings across them and shows what
the isolation between networks does, then removes everything (unless --keep).
`;

export const command: Command = {
  name: 'demo',
  summary: 'a tour on tsdiag\'s own sandboxed networks (no Docker needed)',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values } = parse(args, { keep: { type: 'boolean' }, name: { type: 'string' } });
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    requireCapabilities('demo', ['NET_ADMIN', 'SYS_ADMIN']);
    const name = values.name ?? `tsdiag-demo-${process.pid}`;
    const host = sandboxHost(name, ctx.host.stateDir);
    const say = (s: string) => ctx.stdout.write(s + '\n');
    let failures = 0;
    say(`== sandbox host ${name} (a network namespace playing a Docker host)`);
    await createSandbox(name, ctx.host.stateDir);
    try {
      await createNetwork(host, { name: 'front' });
      await createNetwork(host, { name: 'back', options: { 'com.docker.network.driver.mtu': '1450' } });
      await createContainer(host, { name: 'web', network: 'front', publish: ['8080:80'] });
      await createContainer(host, { name: 'api', network: 'front' });
      await connectNetwork(host, 'back', 'api');
      await createContainer(host, { name: 'db', network: 'back' });
      const state = await readState(host);
      say('\n$ tsdiag ps');
      ctx.stdout.write(table(['NAME', 'NETWORKS', 'IP ADDRESS', 'PORTS', 'NETNS'], Object.values(state.containers).map(containerRow)
        .map((r) => [r.name, r.networks.join(','), r.addresses.join(','), r.ports.join(', '), r.netns ?? ''])));
      say('\n$ tsdiag network inspect back');
      say(JSON.stringify(inspectNetworkJson(state, state.networks.back!), null, 2));
      const ip = (c: string, net: string) => containerByNameOrId(state, c)!.endpoints.find((e) => e.network === net)!.ipv4;
      const probes = [
        { from: 'web', to: 'api', addr: ip('api', 'front'), expect: true, why: 'same network (front)' },
        { from: 'api', to: 'db', addr: ip('db', 'back'), expect: true, why: 'api is on front and back' },
        { from: 'web', to: 'db', addr: ip('db', 'back'), expect: false, why: 'different networks are isolated' },
        { from: 'db', to: 'outside', addr: state.sandbox!.outsideAddress, expect: true, why: 'NAT out through the uplink' },
      ];
      say('\n== ping across');
      for (const p of probes) {
        const ns = containerByNameOrId(state, p.from)!.netns!;
        const res = await run('ping', ['-c', '1', '-W', '1', p.addr], { netns: ns, reject: false });
        const ok = res.exitCode === 0;
        const good = ok === p.expect;
        if (!good) failures++;
        say(`${good ? 'ok  ' : 'FAIL'} ${p.from} -> ${p.to} (${p.addr}): ${ok ? 'answers' : 'no answer'}, expected ${p.expect ? 'an answer' : 'none'}: ${p.why}`);
      }
    } finally {
      if (values.keep) say(`\nkept: tsdiag --host-netns ${name} ps   (remove with: tsdiag sandbox rm ${name})`);
      else {
        await removeSandbox(name, ctx.host.stateDir);
        say(`\nremoved sandbox ${name}`);
      }
    }
    return failures ? 1 : 0;
  },
};
