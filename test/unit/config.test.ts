import { describe, expect, it } from 'vitest';
import { childEnv, configure, environmentHelp, parseConfig } from '../../src/config.js';

describe('config: the TSDIAG_* variables', () => {
  it('defaults: state in /var/lib/tsdiag, the machine as host, the addon for every part, no hooks', () => {
    const c = parseConfig({});
    expect(c).toEqual({
      stateDir: '/var/lib/tsdiag', hostNetns: null, insideNetns: null, trace: false,
      steps: { failAtStep: null, pauseAtStep: null },
      addon: true, native: { spawn: true, netlink: true, probeSockets: true, dnsUdp: true, dnsDial: true, perf: true },
      composeProjectName: null,
    });
    expect(Object.isFrozen(c) && Object.isFrozen(c.native) && Object.isFrozen(c.steps)).toBe(true);
  });

  it('parses every variable', () => {
    const c = parseConfig({
      TSDIAG_STATE_DIR: '/tmp/s', TSDIAG_HOST_NETNS: 'lab', TSDIAG_INSIDE_NETNS: 'lab', TSDIAG_TRACE: '1',
      TSDIAG_FAIL_AT_STEP: '3', TSDIAG_PAUSE_AT_STEP: '0', TSDIAG_NATIVE: '-spawn, -dns-dial', COMPOSE_PROJECT_NAME: 'shop',
    });
    expect(c).toMatchObject({ stateDir: '/tmp/s', hostNetns: 'lab', insideNetns: 'lab', trace: true, steps: { failAtStep: 3, pauseAtStep: 0 }, composeProjectName: 'shop' });
    expect(c.native).toEqual({ spawn: false, netlink: true, probeSockets: true, dnsUdp: true, dnsDial: false, perf: true });
    expect(parseConfig({ TSDIAG_NATIVE: 'off' })).toMatchObject({ addon: false, native: { spawn: false, netlink: false, probeSockets: false, dnsUdp: false, dnsDial: false, perf: false } });
    expect(parseConfig({ TSDIAG_NATIVE: 'on' }).addon).toBe(true);
  });

  it.each([
    ['TSDIAG_NATIVE', 'spawn'], ['TSDIAG_NATIVE', '-spawn,-nope'], ['TSDIAG_NATIVE', 'off,-spawn'],
    ['TSDIAG_TRACE', 'yes'], ['TSDIAG_FAIL_AT_STEP', '-1'], ['TSDIAG_PAUSE_AT_STEP', 'x'],
    ['TSDIAG_HOST_NETNS', '../etc'], ['TSDIAG_INSIDE_NETNS', 'a b'],
  ])('%s=%s is a one-line usage error naming the variable', (name, value) => {
    let err: (Error & { exitCode?: number }) | null = null;
    try {
      parseConfig({ [name]: value });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('UsageError');
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toContain(name);
    expect(err?.message.split('\n')).toHaveLength(1);
  });

  it('a child gets the configured environment with its changes', () => {
    configure({ PATH: '/bin', TSDIAG_INSIDE_NETNS: 'x', TSDIAG_NATIVE: '-spawn' });
    try {
      expect(childEnv({ TSDIAG_STATE_DIR: '/s', TSDIAG_INSIDE_NETNS: undefined })).toEqual({ PATH: '/bin', TSDIAG_NATIVE: '-spawn', TSDIAG_STATE_DIR: '/s' });
    } finally {
      configure(process.env);
    }
  });

  it('--help lists every variable tsdiag reads', () => {
    const help = environmentHelp();
    for (const name of ['TSDIAG_STATE_DIR', 'TSDIAG_HOST_NETNS', 'TSDIAG_NATIVE', 'TSDIAG_TRACE', 'TSDIAG_FAIL_AT_STEP', 'TSDIAG_PAUSE_AT_STEP', 'TSDIAG_INSIDE_NETNS']) {
      expect(help).toMatch(new RegExp(`^  ${name}=`, 'm'));
    }
    for (const part of ['spawn', 'netlink', 'probe-sockets', 'dns-udp', 'dns-dial', 'perf']) expect(help).toMatch(new RegExp(`^    -${part} `, 'm'));
  });
});
