import http from 'node:http';
import { trace, tracing } from '../../netcore/kernel/trace.js';
import { OperationError, UsageError } from '../../netcore/errors.js';

/**
 * A tiny Docker Engine API client over the unix socket: GET requests with a
 * JSON answer and a timeout, nothing else. Unversioned paths, so the server's
 * own API version is used (the fields read here exist since API 1.24).
 */

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The Engine API answered with an error status (404 for an unknown container, ...). */
export class DockerApiError extends OperationError {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DockerApiError';
  }
}

/** The socket path of a DOCKER_HOST value; only unix:// is supported. */
export function socketPathOf(dockerHost: string): string {
  const match = /^unix:\/\/(\/.+)$/.exec(dockerHost);
  if (!match) throw new UsageError(`unsupported Docker host ${dockerHost}: only unix:///path is supported`);
  return match[1]!;
}

export interface DockerApiOptions {
  /** unix:///path; default: $DOCKER_HOST, else unix:///var/run/docker.sock */
  dockerHost?: string;
  timeoutMs?: number;
}

export class DockerApi {
  readonly dockerHost: string;
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(options: DockerApiOptions = {}) {
    this.dockerHost = options.dockerHost || process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
    this.socketPath = socketPathOf(this.dockerHost);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** true when the engine answers /_ping within the timeout */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    try {
      await this.request('/_ping', timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async getJson<T>(path: string): Promise<T> {
    const t0 = tracing ? performance.now() : 0;
    const body = await this.request(path, this.timeoutMs);
    if (tracing) trace(`GET ${path} (${(performance.now() - t0).toFixed(0)} ms)`);
    try {
      return JSON.parse(body) as T;
    } catch (err) {
      throw new DockerApiError(`Docker API GET ${path}: answer is not JSON`, null, { cause: err });
    }
  }

  private request(path: string, timeoutMs: number): Promise<string> {
    const where = `Docker API GET ${path} on ${this.dockerHost}`;
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'docker' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(new DockerApiError(`${where}: ${err.message}`, null, { cause: err })));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body);
          reject(new DockerApiError(`${where}: HTTP ${status}: ${errorMessageOf(body)}`, status));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new DockerApiError(`${where}: ${describe(err)}`, null, { cause: err })));
      req.end();
    });
  }
}

function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {
    // not JSON: use the text itself
  }
  return body.trim().slice(0, 200) || 'no message';
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such socket (is the engine running?)';
  if (err.code === 'ECONNREFUSED') return 'connection refused (engine stopped, stale socket?)';
  if (err.code === 'EACCES') return 'permission denied on the socket';
  return err.message;
}

// The parts of the Engine API's answers that tsdiag reads.

export interface DockerPortBinding {
  HostIp?: string;
  HostPort?: string;
}

export type DockerPortMap = Record<string, DockerPortBinding[] | null> | null;

export interface DockerEndpointSettings {
  NetworkID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
  MacAddress: string;
  Aliases: string[] | null;
}

export interface DockerContainerSummary {
  Id: string;
  NetworkSettings?: { Networks?: Record<string, DockerEndpointSettings> };
}

export interface DockerContainerInspect {
  Id: string;
  Name: string;
  State: { Running: boolean; Pid: number; Status?: string };
  Path?: string;
  Args?: string[] | null;
  HostConfig: { NetworkMode: string; PortBindings: DockerPortMap; Dns?: string[] | null };
  Config?: { Labels?: Record<string, string> | null };
  NetworkSettings: { Ports: DockerPortMap; Networks: Record<string, DockerEndpointSettings> | null };
  ResolvConfPath: string;
}

export interface DockerNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable?: boolean;
  IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null } | null;
  Options: Record<string, string> | null;
}

/** GET /info, its Swarm section (ClusterInfo only on managers). */
export interface DockerInfo {
  Swarm?: {
    NodeID: string;
    NodeAddr: string;
    LocalNodeState: string; // inactive, pending, active, error, locked
    ControlAvailable: boolean;
    RemoteManagers: Array<{ NodeID: string; Addr: string }> | null;
    Cluster?: { DataPathPort?: number } | null;
  };
}

/** GET /nodes (managers only). */
export interface DockerNode {
  ID: string;
  Spec: { Role: 'manager' | 'worker' };
  Status: { State: string; Addr: string };
  ManagerStatus?: { Addr: string };
}

/** GET /networks/ID?verbose=true of a swarm-scoped network: every node's endpoints. */
export interface DockerNetworkVerbose extends DockerNetwork {
  Scope: string;
  /** the routing mesh's network: its endpoints are the nodes' ingress sandboxes, not containers */
  Ingress?: boolean;
  Peers?: Array<{ Name: string; IP: string }> | null;
  Services?: Record<string, { Tasks: Array<{ Name: string; EndpointIP: string; Info?: Record<string, string> }> | null }> | null;
}
