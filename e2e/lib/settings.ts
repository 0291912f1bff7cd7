import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the run was asked for (environment variables; see README "End-to-end deploy test"). */
export interface Settings {
  /**
   * kwok: the throwaway cluster of tools/cluster.sh with kwok's nodes; real: the same control plane
   * with one real node (E2E_NODES=real, tools/real-node.sh); external: E2E_KUBECONFIG's.
   */
  readonly mode: 'kwok' | 'real' | 'external';
  readonly environments: readonly string[];
  /** Deploy and destroy <env>-platform too (external clusters only). */
  readonly platform: boolean;
  /** Drain and delete a node, cordon every node (always on kwok). */
  readonly disruptive: boolean;
  /** Multiplies every poll's timeout: real pods pull images, real operators reconcile. */
  readonly slowdown: number;
}

const KNOWN_ENVIRONMENTS = ['dev', 'staging', 'prod'];

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new Error(`e2e: ${name}=${raw}: must be 0 or 1`);
  return raw === '1';
}

/** Reads and checks the E2E_* variables; a bad value stops the run before anything starts. */
export function readSettings(): Settings {
  const external = (process.env.E2E_KUBECONFIG ?? '') !== '';
  const nodes = process.env.E2E_NODES ?? 'kwok';
  if (nodes !== 'kwok' && nodes !== 'real') throw new Error(`e2e: E2E_NODES=${nodes}: must be kwok or real`);
  const real = nodes === 'real';
  if (real && external) throw new Error('e2e: E2E_NODES=real starts its own cluster: it does not apply with E2E_KUBECONFIG');
  // The real node has this machine's 2 cores: one environment, dev, the smallest (README "Real node").
  const raw = process.env.E2E_ENVIRONMENTS ?? (external || real ? 'dev' : 'dev staging prod');
  const environments = raw.split(/[\s,]+/).filter((e) => e !== '');
  const unknown = environments.filter((e) => !KNOWN_ENVIRONMENTS.includes(e));
  if (environments.length === 0 || unknown.length > 0) {
    throw new Error(`e2e: E2E_ENVIRONMENTS=${raw}: must name one or more of ${KNOWN_ENVIRONMENTS.join(', ')}`);
  }
  if (real && environments.length !== 1) throw new Error(`e2e: E2E_ENVIRONMENTS=${raw}: the real node runs one environment`);
  if (!external && (process.env.E2E_PLATFORM !== undefined || process.env.E2E_DISRUPTIVE !== undefined)) {
    throw new Error('e2e: E2E_PLATFORM and E2E_DISRUPTIVE apply only with E2E_KUBECONFIG (own cluster)');
  }
  return {
    mode: external ? 'external' : real ? 'real' : 'kwok',
    environments,
    platform: external && flag('E2E_PLATFORM', true),
    disruptive: !external || flag('E2E_DISRUPTIVE', false),
    // Real pods start real processes: PostgreSQL's initdb, a replica's base backup.
    slowdown: external ? 5 : real ? 3 : 1,
  };
}

/** What global setup prepared, handed to the tests through a file in the run directory. */
export interface RunState {
  readonly settings: Settings;
  /** The run's temp dir: synth output, Terraform state, logs, certificates. */
  readonly dir: string;
  readonly kubeconfig: string;
  readonly context: string;
  readonly toolsBin: string;
  /** The Terraform CLI config that installs providers from the offline mirror. */
  readonly tfCliConfig: string;
  readonly terraformBinary: string;
  /** Set when the run started CloudNativePG itself (kwok); else the platform stack's runs. */
  readonly cnpg?: { readonly log: string; readonly webhookUrl: string };
  /** Set when the run started prometheus-operator itself (kwok). */
  readonly prometheusOperator?: { readonly log: string };
  /** The project on CDK Terrain, installed from its lockfile (kwok): it plans against cdktf's state. */
  readonly cdktn?: { readonly root: string; readonly nodeBin: string };
}

const RUN_DIR_VARIABLE = 'WEB_TOPOLOGY_E2E_DIR';

export function saveRunState(state: RunState): void {
  writeFileSync(join(state.dir, 'run.json'), JSON.stringify(state, null, 2));
  process.env[RUN_DIR_VARIABLE] = state.dir;
}

export function loadRunState(): RunState {
  const dir = process.env[RUN_DIR_VARIABLE];
  if (dir === undefined) throw new Error(`e2e: ${RUN_DIR_VARIABLE} is not set: run through npm run e2e (its global setup)`);
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunState;
}

export function runDirFromEnvironment(): string | undefined {
  return process.env[RUN_DIR_VARIABLE];
}
