import fs from 'node:fs';
import { parse } from '../args.js';
import { tsdiagVersion } from '../../package-version.js';
import type { CliContext, Command } from '../command.js';
import { UsageError } from '../../netcore/errors.js';
import { config } from '../../config.js';
import { loadNative } from '../../netcore/kernel/native.js';
import { loadPcap } from '../../capture/live/pcap-module.js';
import { DEFAULT_DOCKER_HOST, DockerApi } from '../../diag/inventory/docker-api.js';

const USAGE = `Usage: tsdiag version [--json]

tsdiag's version, Node's, the native addon's state (loaded, the parts left
out, or why it does not load), libpcap's, and the container engines that
answer on DOCKER_HOST, ${DEFAULT_DOCKER_HOST} and Podman's socket.
tsdiag --version prints the first line only.
`;

const PODMAN_HOST = 'unix:///run/podman/podman.sock';
const ENGINE_TIMEOUT_MS = 500;

interface EngineAnswer {
  dockerHost: string;
  /** Docker, or Podman Engine when the answer names it */
  engine: string | null;
  version: string | null;
  apiVersion: string | null;
  error: string | null;
}

interface VersionReport {
  tsdiag: string;
  node: string;
  addon: { loaded: boolean; partsOff: string[]; error: string | null };
  libpcap: { available: boolean; version: string | null; error: string | null };
  engines: EngineAnswer[];
}

interface DockerVersion {
  Version?: string;
  ApiVersion?: string;
  Components?: { Name?: string }[];
}

async function askEngine(dockerHost: string): Promise<EngineAnswer> {
  try {
    const v = await new DockerApi({ dockerHost, timeoutMs: ENGINE_TIMEOUT_MS }).getJson<DockerVersion>('/version');
    const podman = v.Components?.some((c) => /podman/i.test(c.Name ?? ''));
    return { dockerHost, engine: podman ? 'Podman' : 'Docker', version: v.Version ?? null, apiVersion: v.ApiVersion ?? null, error: null };
  } catch (err) {
    return { dockerHost, engine: null, version: null, apiVersion: null, error: (err as Error).message.replace(/^Docker API GET \/version on \S+: /, '') };
  }
}

/** DOCKER_HOST when set; the default sockets of Docker and Podman when they exist */
function enginesToAsk(env: NodeJS.ProcessEnv): string[] {
  const present = [DEFAULT_DOCKER_HOST, PODMAN_HOST].filter((h) => fs.existsSync(h.slice('unix://'.length)));
  return [...new Set([...(env.DOCKER_HOST ? [env.DOCKER_HOST] : []), ...present])];
}

async function versionReport(env: NodeJS.ProcessEnv): Promise<VersionReport> {
  const native = loadNative();
  const partsOff = Object.entries(config().native).filter(([, on]) => !on).map(([key]) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  const pcap = loadPcap();
  const libVersion = 'pcap' in pcap ? String((pcap.pcap as { lib_version?: string }).lib_version ?? '') || null : null;
  return {
    tsdiag: tsdiagVersion(),
    node: process.version,
    addon: { loaded: 'addon' in native, partsOff: 'addon' in native ? partsOff : [], error: 'error' in native ? native.error : null },
    libpcap: { available: 'pcap' in pcap, version: libVersion, error: 'error' in pcap ? pcap.error : null },
    engines: await Promise.all(enginesToAsk(env).map(askEngine)),
  };
}

function renderText(r: VersionReport): string {
  const addon = r.addon.loaded
    ? `loaded${r.addon.partsOff.length ? `; left out (TSDIAG_NATIVE): ${r.addon.partsOff.join(', ')}` : ''}`
    : `not used: ${r.addon.error} (fallbacks: child_process, ip -j, node:dgram)`;
  const libpcap = r.libpcap.available ? (r.libpcap.version ?? 'available') : `not available: ${r.libpcap.error} (-r FILE without a filter works)`;
  const engines = r.engines.length
    ? r.engines.map((e) => `  ${e.dockerHost}: ${e.error ? `no answer (${e.error})` : `${e.engine} ${e.version} (API ${e.apiVersion})`}\n`).join('')
    : '  none (no DOCKER_HOST, no engine socket)\n';
  return `tsdiag ${r.tsdiag}\nnode ${r.node}\naddon: ${addon}\nlibpcap: ${libpcap}\nengines:\n${engines}`;
}

export const command: Command = {
  name: 'version',
  summary: 'versions: tsdiag, Node, the native addon, libpcap, reachable engines',
  usage: USAGE,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(args, { json: { type: 'boolean' } });
    if (values.help) {
      ctx.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length) throw new UsageError('version takes no arguments (see tsdiag version --help)');
    const report = await versionReport(ctx.env);
    ctx.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return 0;
  },
};
