import type { TreeRow } from '../model/tree.js';
import { BACKEND_TITLE, portsText } from '../model/tree.js';

/** The right pane's details of the selected row, as lines. */
export function detailsLines(row: TreeRow | null): string[] {
  if (!row) return ['nothing selected'];
  switch (row.kind) {
    case 'backend':
      return [
        `backend      ${BACKEND_TITLE[row.backend]} (${row.backend})`,
        row.error ? `status       ${row.error}` : `networks     ${row.networks}`,
        ...(row.error ? [] : [`containers   ${row.containers}`]),
      ];
    case 'network': {
      const n = row.network;
      const members = row.members.map((c) => c.name).join(', ') || '-';
      if (!n) return [`containers without a network: ${members}`];
      return [
        `network      ${n.name} (${n.backend})`,
        `id           ${n.id.slice(0, 12)}`,
        `driver       ${n.driver}${n.isDefault ? ' (default bridge: no embedded DNS)' : ''}${n.internal ? ', internal' : ''}`,
        `subnet       ${n.subnet ?? '-'}`,
        `gateway      ${n.gateway ?? '-'}`,
        `bridge       ${n.bridge ?? '-'}`,
        `mtu          ${n.mtu ?? '-'}`,
        `containers   ${members}`,
      ];
    }
    case 'container': {
      const c = row.container;
      const lines = [
        `container    ${c.name} (${c.backend})`,
        `id           ${c.id.slice(0, 12)}`,
        `state        ${c.running ? 'running' : 'stopped'}${c.pid ? `, pid ${c.pid}` : ''}`,
        `netns        ${c.netnsPath ?? '-'}`,
        `network mode ${c.networkMode}`,
        `ports        ${portsText(c) || '-'}`,
      ];
      for (const e of c.endpoints) {
        lines.push(`endpoint     ${e.network}: ${e.ipv4 ?? '-'}${e.prefixLen !== null ? `/${e.prefixLen}` : ''} mac ${e.mac ?? '-'} host ${e.hostIf ?? '-'}`);
        if (e.aliases.length) lines.push(`             aliases ${e.aliases.join(', ')}`);
      }
      return lines;
    }
  }
}
