import type { ConnectResult } from '../../probe/protocol.js';
import { fail, pass, skip, warn, type Check } from '../../check.js';
import type { DoctorContext } from '../../context.js';
import { onHost, type FixTarget } from '../../fixes.js';
import { currentRules } from '../firewall/probe.js';
import { decide, type FirewallDecision, type SwarmPacket } from './firewall.js';
import { swarmNodes, swarmNodesOfEngine, type SwarmNode } from './peers.js';

/** Managers listen on 2377 (raft, joins), every node on 7946 (gossip); the data plane is VXLAN over UDP. */
const MANAGER_TCP = 2377;
const GOSSIP_TCP = 7946;
const GOSSIP_UDP = 7946;
/** a node known to be a worker has no 2377 to probe */
const controlPorts = (n: { manager?: boolean | null }) => (n.manager === false ? [GOSSIP_TCP] : [MANAGER_TCP, GOSSIP_TCP]);

export interface PortProbe { port: number; result: ConnectResult['result']; ms: number }
export interface OverlayProbe { from: string; to: string; alive: boolean; ms: number | null }
export interface LocalBlock extends FirewallDecision { node: string; what: string }

export interface NodeFacts {
  address: string;
  manager?: boolean | null;
  links: string[];
  dataPort: number;
  tcp: PortProbe[];
  /** a ping to a container on that node, across the overlay: the only proof the data port carries traffic */
  overlay: OverlayProbe | null;
}

export interface SwarmFacts extends FixTarget {
  nodes: NodeFacts[];
  blocks: LocalBlock[];
  /** false: iptables could not be read on this node */
  firewallRead: boolean;
}

/** The engine's own account of its swarm, when the backend has one (Docker). */
const engineSwarm = (ctx: DoctorContext) => ctx.once('swarm-view', async () => (ctx.inventory.swarm ? ctx.inventory.swarm() : null));

const peersOf = (ctx: DoctorContext) => ctx.once('swarm-nodes', async () => {
  const view = await engineSwarm(ctx);
  if (view) return swarmNodesOfEngine(view);
  const [links, fdb, neighbours] = await Promise.all([ctx.host.vxlanLinks(), ctx.host.tunnelFdb(), ctx.host.permanentNeighbours()]);
  return swarmNodes(links, fdb, neighbours);
});

/** A ping across the overlay from this node: from a container on the overlay's network, else from its bridge. */
async function overlayProbe(ctx: DoctorContext, node: SwarmNode): Promise<OverlayProbe | null> {
  const target = node.containers[0];
  const net = node.network ? ctx.networkNamed(node.network) : ctx.target.networks.find((n) => n.bridge && n.bridge === node.bridge);
  if (!target || !net) return null;
  const onNet = ctx.target.containers.filter((c) => c.running && c.endpoints.some((e) => e.network === net.name));
  const source = onNet.find((c) => c.name === ctx.target.fromName) ?? onNet[0];
  // an engine's overlay is not reachable from the host namespace: only a container on it can send
  if (!source && (node.network || !net.gateway)) return null;
  const agent = source ? ctx.agentIn(source) : ctx.host.agent;
  const r = await agent.call('ping', { addr: target.address, count: 1, timeoutS: 1 });
  return { from: source ? source.name : `this node's ${net.bridge}`, to: target.address, alive: r.alive, ms: r.ms };
}

function packetsFor(node: NodeFacts): Array<{ what: string; pkt: SwarmPacket }> {
  const peer = node.address;
  return [
    ...controlPorts(node).map((port) => ({ what: `${port}/tcp`, pkt: { proto: 'tcp' as const, port, peer } })),
    { what: `${GOSSIP_UDP}/udp`, pkt: { proto: 'udp', port: GOSSIP_UDP, peer } },
    { what: `${node.dataPort}/udp`, pkt: { proto: 'udp', port: node.dataPort, peer } },
    { what: 'ESP', pkt: { proto: 'esp', port: null, peer } },
  ];
}

export const swarmPorts: Check<SwarmFacts> = {
  id: 'swarm.ports',
  title: 'swarm control and data ports open between the nodes',
  async applies(ctx) {
    if (ctx.options.swarm || (await peersOf(ctx)).length) return null;
    const view = await engineSwarm(ctx);
    if (view) return `not in a swarm: the engine's Swarm.LocalNodeState is "${view.state}"${view.state === 'active' ? ', with no other node' : ''} (--swarm runs it anyway)`;
    return 'not in a swarm: no VXLAN link to another node in the host namespace (--swarm runs it anyway)';
  },
  async gather(ctx) {
    const [peers, ipt] = await Promise.all([peersOf(ctx), currentRules(ctx)]);
    const nodes = await Promise.all(peers.map(async (n): Promise<NodeFacts> => {
      const [tcp, overlay] = await Promise.all([
        Promise.all(controlPorts(n).map(async (port) => {
          const r = await ctx.host.agent.call('connect', { addr: n.address, port, timeoutMs: 1500 });
          return { port, result: r.result, ms: r.ms };
        })),
        overlayProbe(ctx, n),
      ]);
      return { address: n.address, manager: n.manager, links: n.links, dataPort: n.dataPort, tcp, overlay };
    }));
    const blocks: LocalBlock[] = [];
    for (const node of ipt ? nodes : []) {
      for (const { what, pkt } of packetsFor(node)) {
        for (const chain of ['INPUT', 'OUTPUT'] as const) {
          const d = decide(ipt!, chain, pkt);
          if (d) blocks.push({ ...d, node: node.address, what });
        }
      }
    }
    return { backend: ctx.inventory.backend, hostNetns: ctx.inventory.hostNetns, nodes, blocks, firewallRead: !!ipt };
  },
  judge(f) {
    if (!f.nodes.length) return skip('no peer node known: no VXLAN link with a remote or a forwarding entry in the host namespace');
    const fails: Array<{ summary: string; fix: string }> = [];
    const warns: Array<{ summary: string; fix: string | null }> = [];
    const evidence: string[] = [];
    const openUp = (proto: string, port: number, node: string) => `on node ${node}: iptables -I INPUT -p ${proto} --dport ${port} -j ACCEPT`;
    const localFix = (b: LocalBlock) => onHost(f, b.rule ? `iptables ${b.rule.text.replace(/^-A /, '-D ')}` : `iptables -I ${b.chain} ${b.what === 'ESP' ? '-p esp' : `-p ${b.what.split('/')[1]} --dport ${b.what.split('/')[0]}`} -j ACCEPT`);
    for (const b of f.blocks) {
      const line = `this node's ${b.chain} ${b.rule ? `rule ${b.rule.position} (${b.rule.text})` : 'policy DROP'} ${b.verdict === 'REJECT' ? 'rejects' : 'drops'} ${b.what} ${b.chain === 'INPUT' ? 'from' : 'to'} ${b.node}`;
      evidence.push(line);
      (b.what === 'ESP' ? warns : fails).push({ summary: `${b.what} is blocked on this node: ${line}${b.what === 'ESP' ? ' (encrypted overlays need ESP)' : ''}`, fix: localFix(b) });
    }
    for (const n of f.nodes) {
      evidence.push(`node ${n.address} via ${n.links.join(', ')}`);
      for (const p of n.tcp) {
        const how = p.result === 'open' ? `open (${p.ms.toFixed(1)} ms)`
          : p.result === 'timeout' ? `no answer in ${p.ms.toFixed(0)} ms: dropped on the way or at the node`
          : p.result === 'refused' ? `refused: ${p.port === 2377 ? 'no manager listens there' : 'no gossip listener'}, or a REJECT rule`
          : `${p.result}: rejected (ICMP) or no route`;
        evidence.push(`  ${p.port}/tcp: ${how}`);
        if (p.result !== 'open') fails.push({ summary: `${p.port}/tcp to node ${n.address}: ${how}`, fix: openUp('tcp', p.port, n.address) });
      }
      const data = `${n.dataPort}/udp`;
      const localDataBlock = f.blocks.some((b) => b.node === n.address && b.what === data);
      if (n.overlay?.alive) evidence.push(`  ${data} (VXLAN): proved by overlay traffic: ${n.overlay.from} -> ${n.overlay.to} answered (${n.overlay.ms ?? '?'} ms)`);
      else if (n.overlay) {
        evidence.push(`  ${data} (VXLAN): overlay ping ${n.overlay.from} -> ${n.overlay.to} (a container on ${n.address}): no answer`);
        if (!localDataBlock) {
          fails.push({
            summary: `${data} (VXLAN) to node ${n.address} is blocked: overlay traffic to ${n.overlay.to} gets no answer (a one-sided probe cannot prove UDP; the overlay ping is the evidence)`,
            fix: openUp('udp', n.dataPort, n.address),
          });
        }
      } else {
        evidence.push(`  ${data} (VXLAN): unverifiable: a one-sided probe cannot prove UDP, and no container on ${n.address} is known to send overlay traffic to`);
        if (!localDataBlock) warns.push({ summary: `${data} (VXLAN) to node ${n.address} is unverifiable: a one-sided probe cannot prove UDP`, fix: null });
      }
      evidence.push(`  ${GOSSIP_UDP}/udp: not probed (UDP), ${f.blocks.some((b) => b.node === n.address && b.what === `${GOSSIP_UDP}/udp`) ? 'blocked here' : 'no rule here drops it'}`);
    }
    if (!f.firewallRead) evidence.push('this node\'s iptables rules could not be read');
    if (fails.length) return fail(fails.map((x) => x.summary).join('; '), evidence, fails[0]!.fix);
    if (warns.length) return warn(warns.map((x) => x.summary).join('; '), evidence, warns.find((x) => x.fix)?.fix ?? null);
    return pass(`${f.nodes.length} peer node(s): control ports open, overlay traffic flows`, evidence);
  },
};
