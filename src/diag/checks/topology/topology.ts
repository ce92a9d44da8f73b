import { fail, pass, type Check } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { cli, isEngine, type FixTarget } from '../../fixes.js';

interface Who extends FixTarget {
  name: string;
  found: boolean;
  running: boolean;
  networks: string[];
}

export interface ExistsFacts extends FixTarget {
  from: Who;
  to: Who;
  known: string[];
}

function who(ctx: DoctorContext, which: 'from' | 'to'): Who {
  const c = ctx.target[which];
  const name = which === 'from' ? ctx.target.fromName : ctx.target.toName;
  return {
    backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, name, found: !!c, running: !!c?.running,
    networks: c ? c.endpoints.map((e) => e.network) : [],
  };
}

export const topologyExists: Check<ExistsFacts> = {
  id: 'topology.exists',
  title: 'both containers exist and run',
  async gather(ctx) {
    return { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: who(ctx, 'from'), to: who(ctx, 'to'), known: ctx.target.containers.map((c) => c.name).sort() };
  },
  judge(f) {
    for (const w of [f.from, f.to]) {
      if (!w.found) {
        return fail(`no container named "${w.name}"`, [`known containers: ${f.known.join(', ') || '(none)'}`],
          isEngine(f.backend) ? cli(f, `ps -a --filter name=${w.name}`) : cli(f, `run -d --name ${w.name} --network NETWORK -- CMD`));
      }
      if (!w.running) return fail(`container "${w.name}" is not running`, [`${w.name} exists but is stopped`], cli(f, `start ${w.name}`));
    }
    return pass(`${f.from.name} and ${f.to.name} exist and run`, [`${f.from.name}: ${f.from.networks.join(', ') || 'no networks'}`, `${f.to.name}: ${f.to.networks.join(', ') || 'no networks'}`]);
  },
};

export interface CommonNetworkFacts extends FixTarget {
  from: string;
  to: string;
  fromNetworks: string[];
  toNetworks: string[];
  /** networks of the kind that can carry container-to-container traffic (not host/none) */
  fromMode: string;
  toMode: string;
}

export const topologyCommonNetwork: Check<CommonNetworkFacts> = {
  id: 'topology.common-network',
  title: 'the two containers share a network',
  after: ['topology.exists'],
  async gather(ctx) {
    const { from, to } = ctx.target;
    return {
      backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, from: ctx.target.fromName, to: ctx.target.toName,
      fromNetworks: from!.endpoints.map((e) => e.network), toNetworks: to!.endpoints.map((e) => e.network),
      fromMode: from!.networkMode, toMode: to!.networkMode,
    };
  },
  judge(f) {
    if (f.fromMode === 'host' || f.toMode === 'host') {
      return pass('one side uses the host network: traffic goes through the host', [`${f.from}: ${f.fromMode}`, `${f.to}: ${f.toMode}`]);
    }
    const shared = f.fromNetworks.filter((n) => f.toNetworks.includes(n));
    const evidence = [`${f.from}: ${f.fromNetworks.join(', ') || 'none'}`, `${f.to}: ${f.toNetworks.join(', ') || 'none'}`];
    if (shared.length) return pass(`both on ${shared.join(', ')}`, evidence);
    const target = f.toNetworks[0];
    return fail(`${f.from} and ${f.to} share no network`, evidence,
      target ? cli(f, `network connect ${target} ${f.from}`) : cli(f, `network connect NETWORK ${f.to}`));
  },
};
