import type { Hop, Walk } from './walk.js';

/** A node of the drawing: the hops shown on one object, with the worst verdict among them. */
export interface PathNode {
  label: string;
  mark: 'ok' | 'warn' | 'broken';
  /** the check and problem of the node's first finding, when it has one */
  note: string | null;
}

export interface PathLine { dir: 'out' | 'back'; nodes: PathNode[] }

/**
 * The path as a user reads it, one line per direction: a container's route
 * and neighbour entry are shown on its link, a veth's host end and the bridge
 * are nodes of their own, in the order the packet meets them. The way back
 * crosses the host's links in reverse; they were judged on the way out.
 */
export function pathLines(walk: Walk): PathLine[] {
  const out = walk.hops.filter((h) => h.dir === 'out');
  const back = walk.hops.filter((h) => h.dir === 'back');
  // marked on the way back too, named once (on the way out)
  const hostLinks = groupByNode(out.filter((h) => h.at === 'host').reverse()).map((g) => ({ ...toNode(g), note: null }));
  const [first, ...rest] = groupByNode(back).map(toNode);
  return [
    { dir: 'out', nodes: groupByNode(out).map(toNode) },
    { dir: 'back', nodes: [...(first ? [first] : []), ...hostLinks, ...rest] },
  ];
}

/** The host's firewall hooks as one node, where the packet meets them: as it crosses the bridge. */
export function withFirewall(lines: PathLine[], bridge: string, firewall: PathNode): PathLine[] {
  return lines.map((line) => {
    const at = line.nodes.findIndex((n) => n.label === bridge);
    if (at < 0) return line;
    // the firewall checks judge the probe's way out; the replies are not judged apart
    const node = line.dir === 'out' ? firewall : { label: firewall.label, mark: 'ok' as const, note: null };
    return { ...line, nodes: [...line.nodes.slice(0, at + 1), node, ...line.nodes.slice(at + 1)] };
  });
}

function groupByNode(hops: Hop[]): Hop[][] {
  const groups = new Map<string, Hop[]>();
  for (const h of hops) groups.set(h.node, [...(groups.get(h.node) ?? []), h]);
  return [...groups.values()];
}

function toNode(hops: Hop[]): PathNode {
  const findings = hops.flatMap((h) => h.findings);
  const first = findings.find((x) => x.severity === 'fail') ?? findings[0];
  return { label: hops[0]!.node, mark: !first ? 'ok' : first.severity === 'fail' ? 'broken' : 'warn', note: first ? `${first.check}: ${first.problem}` : null };
}

const MARK = { ok: '', warn: '! ', broken: '✗ ' } as const;

/** Plain text: `out   web:eth0 172.18.0.3 → vethab → br-x → ✗ vethcd → db:eth0 172.18.0.2`, then a line per marked node. */
export function drawPath(walk: Walk, title: string): string[] {
  return drawLines(title, pathLines(walk));
}

export function drawLines(title: string, pathLinesToDraw: PathLine[]): string[] {
  const lines = [title];
  for (const line of pathLinesToDraw) {
    lines.push(`  ${line.dir.padEnd(5)} ${line.nodes.map((n) => MARK[n.mark] + n.label).join(' → ')}`);
    for (const n of line.nodes) if (n.note) lines.push(`        ${MARK[n.mark]}${n.note}`);
  }
  return lines;
}
