import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DoctorReport } from '../doctor.js';
import { renderJson, renderText } from '../report.js';
import { pickInventory } from '../inventory/select.js';
import { namedBy } from '../inventory/names.js';
import { DockerApi } from '../inventory/docker-api.js';
import type { InvContainer } from '../inventory/types.js';
import type { HostRef } from '../../netcore/host.js';
import { NAMESPACE_DUMPS, RULESET_DUMPS, runDump, type Dump } from '../../netcore/kernel/dumps.js';
import type { Where } from '../../netcore/kernel/exec.js';
import { queryLogFile } from '../../dns/log-follow.js';
import { FACTS_FILE, REPORT_FILE, factsOf, withoutFacts } from './rejudge.js';
import { writeTarGz, type TarEntry } from './tar.js';
import { tsdiagVersion } from '../../package-version.js';
import { toolVersion } from '../../netcore/kernel/inspect.js';
import { DEFAULT_PODMAN_HOST } from '../inventory/podman.js';
import { AARDVARK_DIR } from '../checks/dns/aardvark.js';

/**
 * A support bundle of one doctor run (like `cilium sysdump`): the report, the
 * facts its checks were judged from, and the raw state around them — the
 * host's rulesets, links, addresses, routes and neighbours of the host and of
 * both containers' namespaces, their resolver files, the DNS log's tail, the
 * versions. Nothing else: no environment variables, no other file.
 */
export interface BundleRequest {
  /** the run's report, with its facts (runDoctor with keepFacts) */
  report: DoctorReport;
  host: HostRef;
  /** only DOCKER_HOST is read from it, to ask the engine its version */
  dockerHost: string | undefined;
  /** CONTAINER_HOST: Podman's socket, for its containers and its version */
  podmanHost?: string | undefined;
}

const DNS_LOG_TAIL_BYTES = 64 * 1024;

export async function collectBundle(o: BundleRequest): Promise<TarEntry[]> {
  const errors: string[] = [];
  const hostWhere: Where = { netns: o.host.netns };
  const containers = await theTwo(o).catch((err: Error) => {
    errors.push(`containers: ${err.message}`);
    return [];
  });
  const parts = await Promise.all([
    dumps('host', [...RULESET_DUMPS, ...NAMESPACE_DUMPS], hostWhere, errors),
    hostResolver(o.host),
    ...containers.map((c) => containerFiles(c, errors)),
    dnsLogTail(o.host),
    versions(o, errors),
    ...(o.report.backend === 'podman' ? [aardvarkFiles(containers.flatMap((c) => c.endpoints.map((e) => e.network)), errors)] : []),
  ]);
  return [
    { name: 'README.txt', data: readme(o.report) },
    { name: REPORT_FILE, data: renderJson(withoutFacts(o.report)) },
    { name: 'report.txt', data: renderText(o.report) },
    { name: FACTS_FILE, data: JSON.stringify(factsOf(o.report), null, 2) + '\n' },
    ...parts.flat(),
    ...(errors.length ? [{ name: 'errors.txt', data: errors.join('\n') + '\n' }] : []),
  ];
}

/** Writes the bundle whole or not at all (a temporary file renamed into place). */
export async function writeBundle(file: string, o: BundleRequest): Promise<void> {
  const archive = writeTarGz(await collectBundle(o));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(tmp, archive, { mode: 0o600 });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

function readme(r: DoctorReport): string {
  return `tsdiag doctor ${r.from} ${r.to}${r.port ? ` --port ${r.port}` : ''} (${r.backend}), a support bundle.
Judge it again offline: tsdiag doctor --from-bundle FILE [--json]

report.txt, report.json   the report as the run printed it
facts.json                what every check that reached its judge gathered
versions.json             tsdiag's, Node's, the kernel's and the engine's (Podman: with netavark's and aardvark-dns's)
host/                     the host namespace: iptables-save (nft and legacy), nft list ruleset, ip link/addr/route/neigh, resolv.conf
containers/NAME/          each container's namespace: ip link/addr/route/neigh, resolv.conf
dns.log                   the tail of tsdiag's DNS query log (native backend)
aardvark-dns/             Podman: aardvark-dns's config files (one per network) and its pid file
errors.txt                what could not be collected, and why
`;
}

/** FROM and TO as the run's backend knows them now (the report has their names only). */
async function theTwo(o: BundleRequest): Promise<InvContainer[]> {
  const { from, to, backend } = o.report;
  const choice = backend === 'docker' || backend === 'podman' ? backend : 'native';
  const inventory = await pickInventory(choice, o.host, { DOCKER_HOST: o.dockerHost, CONTAINER_HOST: o.podmanHost }, [from, to]);
  const all = await inventory.listContainers({ vethsOf: [] });
  return [from, to].flatMap((name) => all.filter((c) => namedBy(c, name)).slice(0, 1));
}

async function dumps(dir: string, list: readonly Dump[], where: Where, errors: string[]): Promise<TarEntry[]> {
  return Promise.all(list.map(async (d) => {
    const { text, error } = await runDump(d, where);
    if (error) errors.push(`${dir}/${d.file}: ${error}`);
    return { name: `${dir}/${d.file}`, data: text };
  }));
}

const safeSegment = (name: string) => name.replace(/[^\w.-]/g, '_');

async function containerFiles(c: InvContainer, errors: string[]): Promise<TarEntry[]> {
  const dir = `containers/${safeSegment(c.name)}`;
  if (c.node) {
    errors.push(`${dir}: runs on swarm node ${c.node}, its namespace is read only there`);
    return [];
  }
  const resolver = await readFirst([c.resolvConfPath, c.pid ? `/proc/${c.pid}/root/etc/resolv.conf` : null]);
  if (resolver === null) errors.push(`${dir}/resolv.conf: not readable (${c.resolvConfPath ?? 'no path known'})`);
  const own = c.netnsPath ? await dumps(dir, NAMESPACE_DUMPS, { netnsPath: c.netnsPath }, errors) : [];
  if (!c.netnsPath) errors.push(`${dir}: no namespace of its own (host networking or not running)`);
  return [...own, ...(resolver !== null ? [{ name: `${dir}/resolv.conf`, data: resolver }] : [])];
}

async function hostResolver(host: HostRef): Promise<TarEntry[]> {
  const text = await readFirst([host.netns ? `/etc/netns/${host.netns}/resolv.conf` : null, '/etc/resolv.conf']);
  return text === null ? [] : [{ name: 'host/resolv.conf', data: text }];
}

async function readFirst(files: Array<string | null>): Promise<string | null> {
  for (const f of files) {
    if (!f) continue;
    const text = await fs.readFile(f, 'utf8').catch(() => null);
    if (text !== null) return text;
  }
  return null;
}

/** Where Debian's podman keeps its network helpers (netavark's rules are in the host rulesets already). */
const PODMAN_NETAVARK = '/usr/lib/podman/netavark';
const PODMAN_AARDVARK = '/usr/lib/podman/aardvark-dns';

/** aardvark-dns's config files of the two containers' networks as netavark wrote them, and its pid file. */
async function aardvarkFiles(networks: string[], errors: string[]): Promise<TarEntry[]> {
  const present = await fs.readdir(AARDVARK_DIR).catch((err: Error) => {
    errors.push(`aardvark-dns/: ${err.message}`);
    return [];
  });
  const names = present.filter((n) => n === 'aardvark.pid' || networks.includes(n));
  const files = await Promise.all(names.map(async (n) => ({ name: `aardvark-dns/${safeSegment(n)}`, data: await fs.readFile(path.join(AARDVARK_DIR, n), 'utf8').catch(() => null) })));
  return files.flatMap((f) => (f.data === null ? [] : [{ name: f.name, data: f.data }]));
}

/** The last 64 KiB of the query log, from a line's start. */
async function dnsLogTail(host: HostRef): Promise<TarEntry[]> {
  const fh = await fs.open(queryLogFile(host), 'r').catch(() => null);
  if (!fh) return [];
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, DNS_LOG_TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const text = buf.toString('utf8');
    return [{ name: 'dns.log', data: length < size ? text.slice(text.indexOf('\n') + 1) : text }];
  } finally {
    await fh.close();
  }
}

interface EngineVersion { Version?: string; ApiVersion?: string; MinAPIVersion?: string; GitCommit?: string; GoVersion?: string; Os?: string; Arch?: string; KernelVersion?: string }

async function versions(o: BundleRequest, errors: string[]): Promise<TarEntry[]> {
  let engine: Record<string, string | undefined> | null = null;
  if (o.report.backend === 'docker') {
    try {
      const v = await new DockerApi({ dockerHost: o.dockerHost, timeoutMs: 3000 }).getJson<EngineVersion>('/version');
      // the fields named, not the whole answer
      engine = { name: 'docker', version: v.Version, api: v.ApiVersion, minApi: v.MinAPIVersion, commit: v.GitCommit, go: v.GoVersion, os: v.Os, arch: v.Arch, kernel: v.KernelVersion };
    } catch (err) {
      errors.push(`versions.json: the engine's version: ${(err as Error).message}`);
    }
  }
  if (o.report.backend === 'podman') {
    try {
      const v = await new DockerApi({ dockerHost: o.podmanHost || DEFAULT_PODMAN_HOST, timeoutMs: 3000 }).getJson<{ Version?: string; APIVersion?: string; GoVersion?: string }>('/v4.0.0/libpod/version');
      const aardvarkPid = (await fs.readFile(`${AARDVARK_DIR}/aardvark.pid`, 'utf8').catch(() => '')).trim();
      const [netavark, aardvark] = await Promise.all([
        toolVersion(PODMAN_NETAVARK), /^\d+$/.test(aardvarkPid) ? toolVersion(`/proc/${aardvarkPid}/exe`) : toolVersion(PODMAN_AARDVARK),
      ]);
      engine = { name: 'podman', version: v.Version, api: v.APIVersion, go: v.GoVersion, netavark: netavark ?? undefined, aardvark: aardvark ?? undefined };
    } catch (err) {
      errors.push(`versions.json: the engine's version: ${(err as Error).message}`);
    }
  }
  const data = { tsdiag: tsdiagVersion(), node: process.version, kernel: os.release(), backend: o.report.backend, engine };
  return [{ name: 'versions.json', data: JSON.stringify(data, null, 2) + '\n' }];
}
