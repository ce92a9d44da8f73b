import { parse, table } from '../args.js';
import type { CliContext, Command } from '../command.js';
import { requireCapabilities } from '../../netcore/kernel/capabilities.js';
import { connectNetwork, containerByNameOrId, createContainer } from '../../netcore/bridge/containers.js';
import { run } from '../../netcore/kernel/exec.js';
import { createNetwork } from '../../netcore/bridge/networks.js';
import { createSandbox, removeSandbox, sandboxHost } from '../../netcore/bridge/sandbox.js';
import { readState } from '../../netcore/bridge/state/store.js';
import { containerRow, inspectNetworkJson } from '../views.js';
import { runDoctor } from '../../diag/doctor.js';
import { NativeInventory } from '../../diag/inventory/native.js';
import { renderText } from '../../diag/report.js';
import { faultLab, findFault, healLab, labDown, labUp } from '../../lab/lab.js';

const USAGE = `Usage: tsdiag demo [--keep] [--name SANDBOX] [--fault ID]

The main job, on tsdiag's own sandboxed networks (nothing changes in this
machine's own namespace, no Docker needed):
 1. a sandbox host with two networks and three containers: shown, pinged
    across, isolation between networks shown;
 2. the doctor: a lab with web and db, \`doctor web db\` (all green), a fault
    built in (default S13: db listens on 127.0.0.1 only), the doctor again
    (names it and the fix), healed, doctor green again; the lab removed.
Exit 0 when every step went as expected. --keep keeps the part-1 sandbox.
`;

export const command: Command = {
  name: 'demo',
  summary: 'a tour on tsdiag\'s own sandboxed networks (no Docker needed)',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values } = parse(args, { keep: { type: 'boolean' }, name: { type: 'string' }, fault: { type: 'string' } });
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
    failures += await doctorStory(ctx, values.fault ?? 'S13');
    return failures ? 1 : 0;
  },
};

/** Part 2: the doctor on a lab, healthy, with a fault, healed. Returns the number of surprises. */
async function doctorStory(ctx: CliContext, faultId: string): Promise<number> {
  const say = (s: string) => ctx.stdout.write(s + '\n');
  const stateDir = ctx.host.stateDir;
  const name = `tsdiag-demo-lab-${process.pid}`;
  const fault = findFault(faultId);
  let surprises = 0;
  const doctor = async (expectFail: boolean) => {
    const report = await runDoctor({ inventory: new NativeInventory(sandboxHost(name, stateDir)), fromName: 'web', toName: 'db' });
    ctx.stdout.write(renderText(report));
    const failed = report.counts.fail > 0;
    const named = report.checks.some((c) => c.id === fault.check && c.status === 'fail');
    if (failed !== expectFail || (expectFail && !named)) surprises++;
  };
  say(`\n== the doctor: lab ${name}, web and db on network app, db serving TCP 5432`);
  await labUp(stateDir, { name });
  try {
    say(`\n$ tsdiag --host-netns ${name} doctor web db`);
    await doctor(false);
    say(`\n$ tsdiag lab fault ${fault.id}     # ${fault.description}`);
    await faultLab(stateDir, name, fault.id);
    say(`\n$ tsdiag --host-netns ${name} doctor web db`);
    await doctor(true);
    say('\n$ tsdiag lab heal');
    await healLab(stateDir, name);
    say(`\n$ tsdiag --host-netns ${name} doctor web db`);
    await doctor(false);
  } finally {
    await labDown(stateDir, name);
    say(`\nremoved lab ${name}`);
  }
  return surprises;
}
