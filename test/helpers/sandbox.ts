import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const CLI = path.resolve(import.meta.dirname, '../../dist/bundle/main.cjs');

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A sandbox host for one test file: its own network namespaces (NAME, NAME~out,
 * NAME:<container>) and its own state dir. Nothing touches the machine's own
 * namespace; `dispose` removes everything, also when the test failed.
 */
export class TestSandbox {
  readonly stateDir: string;
  private readonly spawned: ResultPromise[] = [];

  constructor(readonly name: string) {
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `tsdiag-${name}-`));
  }

  static async create(tag: string): Promise<TestSandbox> {
    const name = `t${tag}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const sb = new TestSandbox(name);
    const res = await sb.cli(['sandbox', 'create', name], { host: false });
    if (res.exitCode !== 0) throw new Error(`sandbox create failed: ${res.stderr}`);
    return sb;
  }

  env(extra: Record<string, string> = {}, host = true): Record<string, string> {
    return { TSDIAG_STATE_DIR: this.stateDir, ...(host ? { TSDIAG_HOST_NETNS: this.name } : {}), TZ: 'UTC', ...extra };
  }

  /** The CLI as a running process in this sandbox (a capture); killed with SIGTERM after timeoutMs. */
  start(args: string[], timeoutMs = 60_000): ResultPromise<{ reject: false; timeout: number }> {
    return execa(process.execPath, [CLI, ...args], { env: this.env(), reject: false, timeout: timeoutMs });
  }

  async cli(args: string[], opts: { env?: Record<string, string>; host?: boolean } = {}): Promise<CliResult> {
    const res = await execa(process.execPath, [CLI, ...args], { env: this.env(opts.env, opts.host ?? true), reject: false, timeout: 60_000 });
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
  }

  async ok(args: string[], opts: { env?: Record<string, string> } = {}): Promise<string> {
    const res = await this.cli(args, opts);
    if (res.exitCode !== 0) throw new Error(`tsdiag ${args.join(' ')} exited ${res.exitCode}: ${res.stderr}`);
    return res.stdout;
  }

  /** Runs a command inside a named namespace (a container's or the sandbox host's). */
  async inNetns(netns: string, cmd: string[], timeoutMs = 20_000): Promise<CliResult> {
    const res = await execa('ip', ['netns', 'exec', netns, ...cmd], { reject: false, timeout: timeoutMs });
    return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? 1 };
  }

  /** A long-running process inside a namespace, killed by dispose(). */
  background(netns: string, cmd: string[]): ResultPromise {
    const p = execa('ip', ['netns', 'exec', netns, ...cmd], { reject: false });
    this.spawned.push(p);
    return p;
  }

  containerNetns(container: string): string {
    return `${this.name}:${container}`;
  }

  get outsideNetns(): string {
    return `${this.name}~out`;
  }

  async state(): Promise<{ networks: Record<string, any>; containers: Record<string, any> }> {
    const file = path.join(this.stateDir, `netns-${this.name}`, 'state.json');
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  /** Everything observable about the sandbox host: to prove that a failed command changed nothing. */
  private async linkNames(): Promise<string[]> {
    const links = await execa('ip', ['-n', this.name, '-o', 'link', 'show'], { reject: false });
    return String(links.stdout).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((x): x is string => !!x).sort();
  }

  /** The links, once the kernel has finished destroying the veths of removed namespaces (it does so 10-40 ms later). */
  private async settledLinkNames(): Promise<string[]> {
    let prev = await this.linkNames();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const cur = await this.linkNames();
      if (cur.join() === prev.join()) return cur;
      prev = cur;
    }
    return prev;
  }

  async snapshot(): Promise<string> {
    const [linkNames, rules, netns] = await Promise.all([
      this.settledLinkNames(),
      execa('nsenter', [`--net=/run/netns/${this.name}`, 'iptables-save'], { reject: false }),
      execa('ip', ['netns', 'list'], { reject: false }),
    ]);
    const ruleLines = String(rules.stdout).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')).join('\n');
    const ours = String(netns.stdout).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${this.name}:`)).sort();
    const stateFile = path.join(this.stateDir, `netns-${this.name}`, 'state.json');
    const state = fs.existsSync(stateFile) ? fs.readFileSync(stateFile, 'utf8') : '';
    const etc = fs.readdirSync('/etc/netns', { withFileTypes: true }).map((d) => d.name).filter((n) => n.startsWith(`${this.name}:`)).sort();
    return JSON.stringify({ linkNames, ruleLines, ours, state, etc }, null, 1);
  }

  async dispose(): Promise<void> {
    for (const p of this.spawned) p.kill('SIGKILL');
    await this.cli(['sandbox', 'rm', this.name], { host: false });
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** A tiny TCP server in node: answers every connection with `<tag> <remote address>\n`. */
export function tcpEchoServer(port: number, tag: string, host = '0.0.0.0'): string[] {
  const js = `require('net').createServer(s=>{s.end(${JSON.stringify(tag)}+' '+s.remoteAddress.replace('::ffff:','')+'\\n')}).listen(${port},${JSON.stringify(host)},()=>console.log('listening'))`;
  return [process.execPath, '-e', js];
}

/** A TCP client in node: prints what the server said, exit 1 on error or after timeoutMs. */
export function tcpClient(host: string, port: number, timeoutMs = 3000): string[] {
  const js = `const s=require('net').connect(${port},${JSON.stringify(host)});let b='';s.on('data',d=>b+=d);s.on('end',()=>{process.stdout.write(b);process.exit(0)});s.on('error',e=>{console.error(e.message);process.exit(1)});setTimeout(()=>{console.error('timeout');process.exit(1)},${timeoutMs})`;
  return [process.execPath, '-e', js];
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}
