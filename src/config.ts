import { UsageError } from './netcore/errors.js';
import { validateName } from './netcore/validate.js';

/**
 * Every TSDIAG_* variable tsdiag reads at run time (and Compose's
 * COMPOSE_PROJECT_NAME), parsed once into one frozen object. The CLI hands its environment to configure() first thing;
 * other entry points (the probe agent, the DNS dialer, tests) get
 * process.env's on the first config(). TSDIAG_WRITE_CODE_CACHE is not here:
 * only the build sets it, for src/cli/bundle-entry.cjs.
 */
export interface Config {
  stateDir: string;
  /** the namespace that plays the host (--host-netns overrides it) */
  hostNetns: string | null;
  /** set by the CLI when it re-ran itself inside this namespace */
  insideNetns: string | null;
  trace: boolean;
  /** test hooks of the executor: fail or stop before step k of a change */
  steps: { failAtStep: number | null; pauseAtStep: number | null };
  /** false with TSDIAG_NATIVE=off: the addon is not even loaded */
  addon: boolean;
  /** the parts that use the addon when it loads; the others take their fallback */
  native: Readonly<Record<NativeKey, boolean>>;
  /** COMPOSE_PROJECT_NAME: the compose project service names are looked up in (checked where it is used: other commands ignore it) */
  composeProjectName: string | null;
}

export const DEFAULT_STATE_DIR = '/var/lib/tsdiag';

const NATIVE_PARTS = [
  { part: 'spawn', key: 'spawn', without: 'processes start via child_process, nsenter' },
  { part: 'netlink', key: 'netlink', without: 'links, addresses, routes read with ip -j' },
  { part: 'probe-sockets', key: 'probeSockets', without: 'doctor probes in a namespace via an agent' },
  { part: 'dns-udp', key: 'dnsUdp', without: 'the DNS server\'s UDP through node:dgram' },
  { part: 'dns-dial', key: 'dnsDial', without: 'DNS forwards from a container via a process' },
  { part: 'perf', key: 'perf', without: 'perf\'s traffic in Node (net, dgram), its ICMP by ping' },
] as const;
type NativeKey = (typeof NATIVE_PARTS)[number]['key'];

const VARIABLES: Array<[name: string, values: string, meaning: string]> = [
  ['TSDIAG_STATE_DIR', 'DIR', `the state store (default ${DEFAULT_STATE_DIR})`],
  ['TSDIAG_HOST_NETNS', 'NS', 'run against NS as the host (as --host-netns)'],
  ['TSDIAG_NATIVE', 'on|off|-PART,...', 'native addon: all (on), none (off), all but:'],
  ...NATIVE_PARTS.map(({ part, without }): [string, string, string] => ['', `  -${part}`, without]),
  ['TSDIAG_TRACE', '1', 'timestamped phases and processes on stderr'],
  ['TSDIAG_FAIL_AT_STEP', 'K', 'test hook: a change fails before step K'],
  ['TSDIAG_PAUSE_AT_STEP', 'K', 'test hook: a change waits before step K'],
  ['TSDIAG_INSIDE_NETNS', 'NS', 'set by tsdiag when it re-runs itself in NS'],
  ['COMPOSE_PROJECT_NAME', 'NAME', 'the compose project whose service names doctor and capture take'],
];

/** The variables for --help, one line each. */
export function environmentHelp(): string {
  const rows = VARIABLES.map(([name, values, meaning]) => [name ? `${name}=${values}` : values, meaning] as const);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, meaning]) => `  ${label.padEnd(width + 2)}${meaning}\n`).join('');
}

function nativeOf(text: string): Pick<Config, 'addon' | 'native'> {
  const all = (on: boolean) => Object.fromEntries(NATIVE_PARTS.map((p) => [p.key, on])) as Record<NativeKey, boolean>;
  if (text === '' || text === 'on') return { addon: true, native: Object.freeze(all(true)) };
  if (text === 'off') return { addon: false, native: Object.freeze(all(false)) };
  const native = all(true);
  for (const item of text.split(',')) {
    const part = NATIVE_PARTS.find((p) => item.trim() === `-${p.part}`);
    if (!part) {
      throw new UsageError(`TSDIAG_NATIVE="${text}": expected on, off or parts to leave out (${NATIVE_PARTS.map((p) => `-${p.part}`).join(',')})`);
    }
    native[part.key] = false;
  }
  return { addon: true, native: Object.freeze(native) };
}

function stepOf(name: string, text: string): number | null {
  if (text === '') return null;
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${name}="${text}": expected a step number`);
  return Number(text);
}

function netnsOf(name: string, text: string): string | null {
  return text === '' ? null : validateName(`${name} namespace`, text);
}

function flagOf(name: string, text: string): boolean {
  if (text !== '' && text !== '0' && text !== '1') throw new UsageError(`${name}="${text}": expected 1 or 0`);
  return text === '1';
}

/** Parses the TSDIAG_* variables of env; a bad value is a UsageError naming the variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const get = (name: string) => env[name] ?? '';
  return Object.freeze({
    stateDir: get('TSDIAG_STATE_DIR') || DEFAULT_STATE_DIR,
    hostNetns: netnsOf('TSDIAG_HOST_NETNS', get('TSDIAG_HOST_NETNS')),
    insideNetns: netnsOf('TSDIAG_INSIDE_NETNS', get('TSDIAG_INSIDE_NETNS')),
    trace: flagOf('TSDIAG_TRACE', get('TSDIAG_TRACE')),
    steps: Object.freeze({ failAtStep: stepOf('TSDIAG_FAIL_AT_STEP', get('TSDIAG_FAIL_AT_STEP')), pauseAtStep: stepOf('TSDIAG_PAUSE_AT_STEP', get('TSDIAG_PAUSE_AT_STEP')) }),
    ...nativeOf(get('TSDIAG_NATIVE')),
    composeProjectName: get('COMPOSE_PROJECT_NAME') || null,
  });
}

let current: { config: Config; env: NodeJS.ProcessEnv } | null = null;

/** Parses env and makes it the configuration (the CLI's first step; tests switch parts with it). */
export function configure(env: NodeJS.ProcessEnv): Config {
  current = { config: parseConfig(env), env };
  return current.config;
}

/**
 * The configuration: configure()'s, else process.env's. Modules may read it
 * as they load (trace does), before the CLI has configured: so a bad value
 * here falls back to the defaults, and configure() is what reports it.
 */
export function config(): Config {
  if (!current) {
    try {
      configure(process.env);
    } catch {
      current = { config: parseConfig({}), env: process.env };
    }
  }
  return current!.config;
}

/** The environment for a tsdiag process started from this one: the configured one with `changes` (undefined removes). */
export function childEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...(current?.env ?? process.env) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
