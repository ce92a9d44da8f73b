import { applySteps } from './executor.js';
import { linkNames as hostLinkNames, namedNetnsList } from '../kernel/hostfacts.js';
import { hostCtx } from './hostctx.js';
import type { HostRef } from '../host.js';
import { planBridgeCreate, planCommit, planContainerRemove, planNamespaceRemove } from './plan.js';
import { ipStep, type Step } from './steps.js';
import { withState } from './state/store.js';
import type { HostState } from './state/types.js';

export interface ReconcileReport {
  /** kernel objects with tsdiag's names and no state, removed */
  orphansRemoved: string[];
  /** state entries whose kernel objects were gone, dropped or rebuilt */
  stateRepaired: string[];
}

/**
 * After a kill -9 half way: finds kernel objects that carry tsdiag's names but
 * have no state, and state whose kernel objects are gone, and repairs both;
 * then rewrites the firewall from the state.
 */
export async function reconcile(host: HostRef): Promise<ReconcileReport> {
  return withState(host, async (state) => {
    const ctx = hostCtx(host, state);
    const report: ReconcileReport = { orphansRemoved: [], stateRepaired: [] };
    const steps: Step[] = [];
    const namespaces = new Set(await namedNetnsList());
    const links = await hostLinkNames(ctx.netns);
    const linkNames = new Set(links);

    const next: HostState = { ...state, containers: { ...state.containers }, networks: { ...state.networks } };
    for (const c of Object.values(state.containers)) {
      const nsGone = c.netns !== null && !namespaces.has(c.netns);
      const linkGone = c.endpoints.some((e) => e.hostIf && !e.hostIf.startsWith('mv') && !linkNames.has(e.hostIf));
      if (nsGone || linkGone) {
        steps.push(...planContainerRemove(ctx, c));
        delete next.containers[c.name];
        report.stateRepaired.push(`container ${c.name}: ${nsGone ? 'namespace' : 'veth'} gone, entry removed`);
      }
    }
    for (const n of Object.values(state.networks)) {
      if (n.driver === 'bridge' && n.device && !linkNames.has(n.device)) {
        steps.push(...planBridgeCreate(ctx, n));
        report.stateRepaired.push(`network ${n.name}: bridge ${n.device} rebuilt`);
      }
    }

    const knownNetns = new Set(Object.values(next.containers).map((c) => c.netns));
    for (const ns of namespaces) {
      if (!ns.startsWith(ctx.naming.netnsPrefix) || knownNetns.has(ns)) continue;
      steps.push(...planNamespaceRemove(ns));
      report.orphansRemoved.push(`namespace ${ns}`);
    }
    const knownLinks = new Set<string>([
      ...Object.values(next.networks).filter((n) => n.driver === 'bridge').map((n) => n.device ?? ''),
      ...Object.values(next.containers).flatMap((c) => c.endpoints.map((e) => e.hostIf ?? '')),
    ]);
    for (const link of links) {
      const ours = ctx.naming.isHostIf(link) || ctx.naming.isUserBridge(link) || link === ctx.naming.defaultBridge || /^mv[0-9a-f]{8}$/.test(link);
      if (!ours || knownLinks.has(link)) continue;
      steps.push(ipStep(`delete ${link}`, ctx.netns, ['link', 'del', link]));
      report.orphansRemoved.push(`link ${link}`);
    }
    await applySteps([...steps, ...planCommit(ctx, state, next, { firewall: true })], { host, bestEffort: true });
    return { state: null, result: report };
  });
}
