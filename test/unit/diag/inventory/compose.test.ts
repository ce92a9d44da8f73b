import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { composeServiceOf, isProjectName, normalizeProjectName } from '../../../../src/diag/inventory/compose.js';
import { currentProject, findComposeFile, nameInComposeFile } from '../../../../src/diag/inventory/compose-project.js';

describe('compose labels', () => {
  it('project, service, container number and one-off from com.docker.compose.*', () => {
    expect(composeServiceOf({
      'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.container-number': '2', 'com.docker.compose.oneoff': 'False',
    })).toEqual({ project: 'shop', service: 'web', number: 2, oneOff: false });
    expect(composeServiceOf({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.oneoff': 'True' }))
      .toEqual({ project: 'shop', service: 'web', number: null, oneOff: true });
  });

  it('none without both project and service', () => {
    expect(composeServiceOf(null)).toBeUndefined();
    expect(composeServiceOf({ 'com.docker.compose.project': 'shop' })).toBeUndefined();
    expect(composeServiceOf({ 'com.docker.compose.service': 'web' })).toBeUndefined();
  });
});

describe('normalizeProjectName: compose-go loader.NormalizeProjectName', () => {
  it.each([
    ['My App', 'myapp'], ['UNNORMALIZED PATH', 'unnormalizedpath'], ['__shop-1', 'shop-1'], ['-_x_y-', 'x_y-'],
    ['shop.example', 'shopexample'], ['Ünïcode', 'ncode'], ['...', ''], ['a1_b-2', 'a1_b-2'],
  ])('%s -> %s', (raw, normal) => expect(normalizeProjectName(raw)).toBe(normal));

  it('a given name must already be normal', () => {
    expect(isProjectName('shop-1')).toBe(true);
    for (const bad of ['Shop', '-shop', 'shop.x', '', 'a b']) expect(isProjectName(bad)).toBe(false);
  });
});

describe('the current project, as Compose picks it', () => {
  const dirs: string[] = [];
  const tmp = (name: string) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-unit-'));
    dirs.push(root);
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('--project first, then COMPOSE_PROJECT_NAME, then the compose file', () => {
    const dir = tmp('Shop App');
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web: {}\n');
    expect(currentProject({ flag: 'flagged', envName: 'fromenv', cwd: dir })).toEqual({ name: 'flagged', from: '--project' });
    expect(currentProject({ envName: 'fromenv', cwd: dir })).toEqual({ name: 'fromenv', from: 'COMPOSE_PROJECT_NAME' });
    expect(currentProject({ cwd: dir })).toEqual({ name: 'shopapp', from: path.join(dir, 'compose.yaml') });
  });

  it('a name Compose refuses is a one-line usage error', () => {
    expect(() => currentProject({ flag: 'Shop', cwd: '/' })).toThrow(/^invalid --project "Shop": a compose project name has only/);
    expect(() => currentProject({ envName: 'a b', cwd: '/' })).toThrow(/^invalid COMPOSE_PROJECT_NAME "a b"/);
  });

  it('the compose file of the nearest directory up, in Compose\'s order of names', () => {
    const dir = tmp('outer');
    const inner = path.join(dir, 'src', 'deep');
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), '');
    fs.writeFileSync(path.join(dir, 'compose.yml'), '');
    expect(findComposeFile(inner)).toBe(path.join(dir, 'compose.yml'));
    expect(currentProject({ cwd: inner })).toEqual({ name: 'outer', from: path.join(dir, 'compose.yml') });
    expect(findComposeFile('/', () => false)).toBeNull();
    expect(currentProject({ cwd: '/x/y', exists: () => false })).toBeNull();
  });

  it('the file\'s top-level name: wins over its directory', () => {
    const dir = tmp('ignored');
    fs.writeFileSync(path.join(dir, 'compose.yaml'), '# shop\nname: "Shop_1"  # the project\nservices:\n  web:\n    name: nope\n');
    expect(currentProject({ cwd: dir })).toEqual({ name: 'shop_1', from: `name: in ${path.join(dir, 'compose.yaml')}` });
  });

  it('nameInComposeFile: only a top-level scalar, no interpolation', () => {
    expect(nameInComposeFile("name: 'shop'\n")).toBe('shop');
    expect(nameInComposeFile('services:\n  name: x\n')).toBeNull();
    expect(nameInComposeFile('name: ${PROJECT:-shop}\n')).toBeNull();
    expect(nameInComposeFile('name:\n')).toBeNull();
  });
});
