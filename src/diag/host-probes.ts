import { readNow } from '../netcore/kernel/read-now.js';
import { Memo } from './memo.js';
import type { NamespaceProber } from './probe/prober.js';
import {
  ipv4Routes, kernelModuleLoaded, linkDetails, listeningSockets, readSysctl,
} from '../netcore/kernel/inspect.js';

/** The host side of a doctor run: memoized readings of the namespace that plays the host. */
export class HostProbes {
  private readonly memo = new Memo();

  /** the host namespace's probes; its agent starts only for a probe that needs one (most runs never do) */
  constructor(readonly netns: string | null, private readonly prober: () => NamespaceProber) {}

  get agent(): NamespaceProber {
    return this.prober();
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.memo.once(key, fn);
  }

  sysctl(key: string) {
    return this.once(`sysctl-${key}`, () => readSysctl(this.netns, key));
  }

  moduleLoaded(name: string) {
    return this.once(`mod-${name}`, () => kernelModuleLoaded(name));
  }

  /** the host's listening sockets; owners only when asked (finding them costs more than the rest of the reading) */
  listening(withOwners: boolean) {
    return this.once(`listening-${withOwners}`, () => listeningSockets(this.netns, withOwners));
  }

  routes() {
    return this.once('routes', () => ipv4Routes(this.netns));
  }

  /** a file as the host sees it (resolver files of containers live on the host's filesystem) */
  readFile(path: string): Promise<string | null> {
    return this.once(`file-${path}`, async () => readNow(path));
  }

  links() {
    return this.once('links', () => linkDetails(this.netns));
  }

  /** the host's route to an address (one `ip route get`: no agent starts for it) */
  routeGet(addr: string) {
    return this.once(`route-${addr}`, () => this.agent.call('routeGet', { addr }));
  }
}
