/**
 * How `npm run e2e` is asked for (E2E_* variables) and what tools/cluster.sh refuses before it
 * starts anything: each bad value stops the run with the variable, the value and the rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../config/environments';
import { ConfigError, loadEnvironments } from '../config/load';
import { toolEnvironment } from '../e2e/lib/cdktf';
import { readSettings, type RunState } from '../e2e/lib/settings';

const VARIABLES = ['E2E_KUBECONFIG', 'E2E_NODES', 'E2E_ENVIRONMENTS', 'E2E_PLATFORM', 'E2E_DISRUPTIVE'];

function settingsWith(env: Record<string, string>): ReturnType<typeof readSettings> {
  const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));
  try {
    for (const v of VARIABLES) delete process.env[v];
    Object.assign(process.env, env);
    return readSettings();
  } finally {
    for (const v of VARIABLES) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
  }
}

describe('e2e settings', () => {
  it('runs kwok with all three environments by default', () => {
    expect(settingsWith({})).toMatchObject({ mode: 'kwok', environments: ['dev', 'staging', 'prod'], slowdown: 1 });
  });

  it('runs dev alone on the real nodes, with real pods\' slower polls', () => {
    expect(settingsWith({ E2E_NODES: 'real' })).toMatchObject({ mode: 'real', environments: ['dev'], slowdown: 3, disruptive: true });
    expect(settingsWith({ E2E_NODES: 'real', E2E_ENVIRONMENTS: 'prod' }).environments).toEqual(['prod']);
  });

  it('refuses an unknown E2E_NODES', () => {
    expect(() => settingsWith({ E2E_NODES: 'metal' })).toThrow('e2e: E2E_NODES=metal: must be kwok or real');
  });

  it('refuses real nodes with one\'s own cluster', () => {
    expect(() => settingsWith({ E2E_NODES: 'real', E2E_KUBECONFIG: '/k' })).toThrow('E2E_NODES=real starts its own cluster: it does not apply with E2E_KUBECONFIG');
  });

  it('refuses more than one environment on the real nodes', () => {
    expect(() => settingsWith({ E2E_NODES: 'real', E2E_ENVIRONMENTS: 'dev prod' })).toThrow('e2e: E2E_ENVIRONMENTS=dev prod: the real node runs one environment');
  });
});

describe('tools/cluster.sh refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-sh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = (env: Record<string, string>) =>
    spawnSync('bash', [join(__dirname, '..', 'tools', 'cluster.sh'), 'up'], { env: { ...process.env, CLUSTER_DIR: join(dir, 'c'), ...env }, encoding: 'utf8' });

  it('refuses an unknown E2E_NODES, exit 2, before anything is made', () => {
    const r = cluster({ E2E_NODES: 'metal' });
    expect([r.status, r.stderr.trim()]).toEqual([2, "tools/cluster.sh: E2E_NODES must be kwok or real, not 'metal'"]);
  });

  it('refuses real nodes with the oldest control plane (their kubelet would be newer than the API server)', () => {
    const r = cluster({ E2E_NODES: 'real', E2E_KUBERNETES: 'oldest' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E2E_NODES=real runs the newest release only (kubelet from tools/kube), not E2E_KUBERNETES=oldest');
  });
});

describe('the configuration the e2e synthesizes', () => {
  /** The environments main.ts loads under the e2e's tool environment, all pointed at its one context. */
  const load = (variables: Record<string, string>) => {
    const state: RunState = { settings: settingsWith(variables), dir: '/run', kubeconfig: '/run/kubeconfig', context: 'kwok-e2e', toolsBin: '/tools', tfCliConfig: '/run/tf.rc', terraformBinary: 'tofu' };
    return () => loadEnvironments(environments, toolEnvironment(state));
  };

  it('loads all three environments on the one context of a kwok run, which deploys no platform stack', () => {
    expect(load({})().map((e) => [e.name, e.cluster.context])).toEqual([
      ['dev', 'kwok-e2e'],
      ['staging', 'kwok-e2e'],
      ['prod', 'kwok-e2e'],
    ]);
  });

  it('refuses two environments whose platform stacks a run would deploy to one cluster, and loads them without', () => {
    expect(load({ E2E_KUBECONFIG: '/k', E2E_ENVIRONMENTS: 'dev staging' })).toThrow(ConfigError);
    expect(load({ E2E_KUBECONFIG: '/k', E2E_ENVIRONMENTS: 'dev staging' })).toThrow(`staging.cluster = {"kubeconfigPath":"/run/kubeconfig","context":"kwok-e2e"}: must differ from environment "dev"'s`);
    expect(load({ E2E_KUBECONFIG: '/k', E2E_ENVIRONMENTS: 'dev staging', E2E_PLATFORM: '0' })().map((e) => e.name)).toEqual(['dev', 'staging']);
    expect(load({ E2E_KUBECONFIG: '/k' })().map((e) => e.name)).toEqual(['dev']);
  });
});

