import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A rootless Podman as its libpod API reports it (GET /libpod/info). Its
 * containers' namespaces hang off the user's rootless network namespace
 * (netavark's bridges, firewall and aardvark-dns live there), which reaches
 * the machine only through slirp4netns or pasta; a published port is held by
 * rootlessport in the machine's namespace, not DNAT'd by its firewall.
 */
export interface PodmanRootless {
  /** the user podman runs as (container uid 0 maps to it) */
  uid: number | null;
  /** slirp4netns or pasta, with its version, as the API names it */
  networkTool: string;
  networkBackend: string;
  /** $XDG_RUNTIME_DIR/netns/rootless-netns-*, podman's rootless netns (null: none yet, or not readable here) */
  rootlessNetns: string | null;
  /** the directory aardvark-dns reads its configs from (the user's runRoot/networks/aardvark-dns) */
  aardvarkDir: string | null;
}

/** The parts of /libpod/info (Podman 4) this reads. */
export interface LibpodInfo {
  host?: {
    security?: { rootless?: boolean };
    networkBackend?: string;
    idMappings?: { uidmap?: Array<{ container_id: number; host_id: number }> | null };
    slirp4netns?: { executable?: string; version?: string };
    pasta?: { executable?: string; version?: string };
    remoteSocket?: { path?: string };
  };
  store?: { runRoot?: string };
}

/** null: a rootful Podman. */
export async function rootlessFromInfo(info: LibpodInfo): Promise<PodmanRootless | null> {
  const host = info.host ?? {};
  if (!host.security?.rootless) return null;
  const uid = host.idMappings?.uidmap?.find((m) => m.container_id === 0)?.host_id
    ?? uidOfRuntimePath(host.remoteSocket?.path ?? info.store?.runRoot ?? '');
  const runRoot = info.store?.runRoot ?? (uid !== null ? `/run/user/${uid}/containers` : null);
  return {
    uid, networkTool: networkToolOf(host), networkBackend: host.networkBackend ?? 'unknown',
    rootlessNetns: uid !== null ? await findRootlessNetns(`/run/user/${uid}/netns`) : null,
    aardvarkDir: runRoot ? path.join(runRoot, 'networks', 'aardvark-dns') : null,
  };
}

function uidOfRuntimePath(p: string): number | null {
  const m = /\/run\/user\/(\d+)(\/|$)/.exec(p);
  return m ? Number(m[1]) : null;
}

/** Podman 4.3 runs slirp4netns for the rootless netns (pasta only per container, from 4.4): the one the API lists. */
function networkToolOf(host: NonNullable<LibpodInfo['host']>): string {
  const [name, tool] = host.pasta?.executable ? ['pasta', host.pasta] : ['slirp4netns', host.slirp4netns];
  const version = /(\d+\.\d+(\.\d+)?)/.exec(tool?.version ?? '')?.[1];
  return version ? `${name} ${version}` : name;
}

/** podman's rootless netns is `rootless-netns-<hash>` under the user's runtime dir (libpod/networking_linux.go). */
async function findRootlessNetns(dir: string): Promise<string | null> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const found = names.find((n) => n.startsWith('rootless-netns-'));
  return found ? path.join(dir, found) : null;
}

/** The one line a command prints for what it cannot probe on this Podman, and why. */
export function rootlessLimits(r: PodmanRootless): string {
  const netns = r.rootlessNetns ?? (r.uid !== null ? `/run/user/${r.uid}/netns/rootless-netns-*` : 'the rootless netns');
  return `rootless Podman (uid ${r.uid ?? '?'}, ${r.networkTool}): the bridges, netavark's firewall and aardvark-dns are in the user's `
    + `rootless network namespace ${netns}, reached through ${r.networkTool.split(' ')[0]}, and a published port is held by rootlessport, not DNAT: `
    + "the host's side of the path is not probed";
}
