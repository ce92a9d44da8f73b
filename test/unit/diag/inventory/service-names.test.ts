import { describe, expect, it } from 'vitest';
import { resolveServiceNames } from '../../../../src/diag/inventory/service-names.js';
import type { InvContainer } from '../../../../src/diag/inventory/types.js';

function container(name: string, compose?: Partial<NonNullable<InvContainer['compose']>> & { project: string; service: string }, running = true): InvContainer {
  return {
    backend: 'docker', id: `${name}-id-0123456789abcdef`, name, running, pid: running ? 1 : null, netnsPath: null, networkMode: 'bridge',
    endpoints: [], published: [], resolvConfPath: null,
    ...(compose ? { compose: { number: 1, oneOff: false, ...compose } } : {}),
  };
}

const of = (project: string, service: string, n = 1, extra: { oneOff?: boolean; running?: boolean } = {}) =>
  container(`${project}-${service}-${n}${extra.oneOff ? '-run' : ''}`, { project, service, number: n, oneOff: extra.oneOff ?? false }, extra.running ?? true);

const twoProjects = [of('a', 'web'), of('a', 'db'), of('b', 'web'), of('b', 'db'), of('c', 'cache'), container('plain')];
const names = (rs: ReturnType<typeof resolveServiceNames>) => rs.map((r) => [r.container, r.service?.label ?? null]);

describe('resolveServiceNames', () => {
  it('a container name or id wins and stays as asked; an unknown name too', () => {
    expect(names(resolveServiceNames(twoProjects, ['plain', 'nowhere'], null))).toEqual([['plain', null], ['nowhere', null]]);
    expect(resolveServiceNames(twoProjects, ['a-web-1'], null)).toEqual([{ asked: 'a-web-1', container: 'a-web-1' }]);
    expect(resolveServiceNames([...twoProjects, container('web')], ['web'], null)[0]).toEqual({ asked: 'web', container: 'web' });
  });

  it('the current project decides, whoever else has the service', () => {
    const r = resolveServiceNames(twoProjects, ['web', 'db'], { name: 'b', from: '--project' });
    expect(names(r)).toEqual([['b-web-1', 'b/web'], ['b-db-1', 'b/db']]);
    expect(r[0]!.service).toEqual({ label: 'b/web', number: 1, replicas: 1 });
  });

  it('a service the current project lacks is an error that names the project, where it came from, and who has it', () => {
    expect(() => resolveServiceNames(twoProjects, ['cache'], { name: 'a', from: '/src/a/compose.yaml' }))
      .toThrow('compose project "a" (from /src/a/compose.yaml) has no service "cache"; other projects do: c/cache');
  });

  it('no current project: the only project that has both', () => {
    const withA = [...twoProjects, of('a', 'api')];
    expect(names(resolveServiceNames(withA, ['web', 'api'], null))).toEqual([['a-web-1', 'a/web'], ['a-api-1', 'a/api']]);
    // a service of one project only: that one, even with the other name a plain container
    expect(names(resolveServiceNames(twoProjects, ['plain', 'cache'], null))).toEqual([['plain', null], ['c-cache-1', 'c/cache']]);
    // no project has both: each its own
    expect(names(resolveServiceNames(withA, ['api', 'cache'], null))).toEqual([['a-api-1', 'a/api'], ['c-cache-1', 'c/cache']]);
  });

  it('ambiguous: one line listing the candidates, exit code 2', () => {
    let err: (Error & { exitCode?: number }) | null = null;
    try {
      resolveServiceNames(twoProjects, ['web', 'db'], null);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe('"web" and "db" are services of several compose projects: a/db, a/web, b/db, b/web; choose with --project NAME, COMPOSE_PROJECT_NAME or PROJECT/SERVICE');
    expect(err?.exitCode).toBe(2);
    expect(() => resolveServiceNames(twoProjects, ['web', 'plain'], null)).toThrow(/^"web" is a service of several compose projects: a\/web, b\/web;/);
  });

  it('PROJECT/SERVICE names one, and pins the other name\'s project when it has it', () => {
    expect(names(resolveServiceNames(twoProjects, ['b/web', 'db'], null))).toEqual([['b-web-1', 'b/web'], ['b-db-1', 'b/db']]);
    expect(names(resolveServiceNames(twoProjects, ['a/web', 'b/db'], { name: 'c', from: '--project' }))).toEqual([['a-web-1', 'a/web'], ['b-db-1', 'b/db']]);
  });

  it('replicas: the one `docker compose exec` takes (running, lowest number, a replica before a one-off)', () => {
    const scaled = [of('a', 'web', 3), of('a', 'web', 2), of('a', 'web', 1, { running: false }), of('a', 'web', 1, { oneOff: true }), of('a', 'db')];
    const [web] = resolveServiceNames(scaled, ['web', 'db'], null);
    expect(web).toEqual({ asked: 'web', container: 'a-web-1-run', service: { label: 'a/web', number: 1, replicas: 3 } });
    const replicas = [of('a', 'web', 2), of('a', 'web', 1, { oneOff: true }), of('a', 'web', 1)];
    expect(resolveServiceNames(replicas, ['web'], null)[0]!.container).toBe('a-web-1');
    const stopped = [of('a', 'web', 2, { running: false }), of('a', 'web', 1, { running: false })];
    expect(resolveServiceNames(stopped, ['web'], null)[0]!.container).toBe('a-web-1');
  });
});
