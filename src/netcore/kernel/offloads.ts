import { run, type Where } from './exec.js';

/** The segmentation and receive offloads of a link, as `ethtool -k` names them (null: not reported). */
export interface Offloads {
  tso: boolean | null;
  gso: boolean | null;
  gro: boolean | null;
}

const FEATURES: Record<keyof Offloads, string> = {
  tso: 'tcp-segmentation-offload',
  gso: 'generic-segmentation-offload',
  gro: 'generic-receive-offload',
};

/**
 * A link's offloads through `ethtool -k` in its namespace (Debian's ethtool;
 * the addon has no genetlink). All null when ethtool is missing or the link is gone.
 */
export async function readOffloads(dev: string, at: Where = {}): Promise<Offloads> {
  const res = await run('ethtool', ['-k', dev], { ...at, reject: false }).catch(() => null);
  return parseEthtoolFeatures(res && res.exitCode === 0 ? res.stdout : '');
}

export function parseEthtoolFeatures(text: string): Offloads {
  const on = (feature: string): boolean | null => {
    const m = new RegExp(`^${feature}: (on|off)`, 'm').exec(text);
    return m ? m[1] === 'on' : null;
  };
  return { tso: on(FEATURES.tso), gso: on(FEATURES.gso), gro: on(FEATURES.gro) };
}
