import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { run } from './processes';
import type { RunState } from './settings';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** The synth output directory of the run; the local state backend writes next to it. */
export const outDir = (state: RunState): string => join(state.dir, 'out');

/** Environment of every cdktf and OpenTofu child: offline, unattended, pointed at the test cluster. */
export function toolEnvironment(state: RunState): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: state.kubeconfig,
    TF_CLI_CONFIG_FILE: state.tfCliConfig,
    TERRAFORM_BINARY_NAME: state.terraformBinary,
    // No version checkpoints, no prompts; providers only from the mirror (cdktf would otherwise
    // point TF_PLUGIN_CACHE_DIR at ~/.terraform.d).
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
    FORCE_COLOR: '0',
    TOPOLOGY_ENVIRONMENTS: state.settings.environments.join(','),
    TOPOLOGY_KUBECONFIG: state.kubeconfig,
    TOPOLOGY_KUBE_CONTEXT: state.context,
    // Without platform stacks (kwok, E2E_PLATFORM=0) the environments share the operators the run
    // starts or finds; with them, two environments on the one context are refused at synth.
    ...(state.settings.platform ? {} : { TOPOLOGY_SHARED_PLATFORM: '1' }),
  };
}

/**
 * `cdktf synth|deploy|destroy` as users run it; its (spinner-heavy) output goes to a log in the
 * run directory, and a failure carries the log's error lines. `output`: another synthesized
 * variant of the stacks, whose local state is the same files (they sit next to the run's output).
 */
export async function cdktf(state: RunState, command: 'synth' | 'deploy' | 'destroy', stacks: readonly string[], timeoutSeconds: number, output = outDir(state)): Promise<void> {
  const flags = ['--no-color', '--output', output];
  // deploy/destroy: synth wrote the output already, with a lock file per stack that names the
  // providers as OpenTofu does, so cdktf runs no `providers lock` (offline, that would fail: no
  // --skip-provider-lock here, as users run it). Without the platform stack, deploy needs
  // --ignore-missing-stack-dependencies; destroy must not get it (app stacks have no dependants,
  // and cdktf 0.21.0's destroy with that flag restarts a running stack in a loop).
  if (command !== 'synth') flags.push('--skip-synth', '--auto-approve');
  if (command === 'deploy' && !state.settings.platform) flags.push('--ignore-missing-stack-dependencies');
  const result = await run('npx', ['--no-install', 'cdktf', command, ...stacks, ...flags], {
    cwd: PROJECT_ROOT,
    env: toolEnvironment(state),
    timeoutSeconds,
  });
  const log = join(state.dir, output === outDir(state) ? `${command}.log` : `${command}-${basename(output)}.log`);
  writeFileSync(log, result.stdout + result.stderr);
  if (result.code !== 0) {
    const text = stripTerminal(result.stdout + result.stderr);
    const errors = text.split('\n').filter((l) => /error/i.test(l)).slice(0, 40).join('\n');
    const why = result.timedOut ? `did not finish within ${timeoutSeconds}s` : `exit ${result.code}`;
    throw new Error(`cdktf ${command} ${stacks.join(' ')}: ${why}\n${errors || text.split('\n').slice(-40).join('\n')}`);
  }
}

/** A project that runs the stacks: this one on cdktf, or its copy on CDK Terrain (global setup's). */
export interface Engine {
  readonly root: string;
  /** Put first on PATH: the Node that engine needs. */
  readonly nodeBin?: string;
}

function engineEnvironment(state: RunState, engine: Engine): NodeJS.ProcessEnv {
  const env = toolEnvironment(state);
  return engine.nodeBin ? { ...env, PATH: `${engine.nodeBin}:${env.PATH ?? ''}` } : env;
}

/**
 * `npm run plan -- <stack> …` as users run it (synth, then `init` and `plan` without the cdktf CLI),
 * on the run's output directory or `output`: its exit status (0 no changes, 2 changes, 1 an error)
 * and output. Another output directory's stacks use the same local state (it sits next to them).
 */
export async function projectPlan(state: RunState, stacks: string | readonly string[], engine: Engine = { root: PROJECT_ROOT }, output = outDir(state)): Promise<{ code: number; output: string }> {
  const names = typeof stacks === 'string' ? [stacks] : stacks;
  const r = await run('npm', ['run', '--silent', 'plan', '--', ...names, '--output', output], {
    cwd: engine.root,
    env: engineEnvironment(state, engine),
    timeoutSeconds: 300,
  });
  if (r.timedOut) throw new Error(`npm run plan -- ${names.join(' ')}: did not finish within 300s`);
  return { code: r.code, output: stripTerminal(r.stdout + r.stderr) };
}

/** `cdktn diff <stack>` (CDK Terrain's CLI: synth, init, plan) into `output`; its exit status and output. */
export async function cdktnDiff(state: RunState, stack: string, engine: Engine, output: string): Promise<{ code: number; output: string }> {
  const r = await run('npx', ['--no-install', 'cdktn', 'diff', stack, '--no-color', '--output', output], {
    cwd: engine.root,
    env: engineEnvironment(state, engine),
    timeoutSeconds: 300,
  });
  if (r.timedOut) throw new Error(`cdktn diff ${stack}: did not finish within 300s`);
  return { code: r.code, output: stripTerminal(r.stdout + r.stderr) };
}

function stripTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** One planned change, from `tofu show -json` of a saved plan. */
export interface PlannedChange {
  readonly address: string;
  readonly actions: readonly string[];
}

/**
 * A plan of one synthesized stack (initialised by deploy) read as JSON: the resources that would
 * change and whether outputs would. OpenTofu directly, since `cdktf plan` reports no exit code.
 */
export async function plan(state: RunState, stackDir: string): Promise<{ changes: PlannedChange[]; outputs: string[] }> {
  const env = toolEnvironment(state);
  const planFile = join(stackDir, 'e2e.tfplan');
  const p = await run(state.terraformBinary, ['plan', '-input=false', '-no-color', '-lock-timeout=60s', `-out=${planFile}`], {
    cwd: stackDir,
    env,
    timeoutSeconds: 300,
  });
  if (p.code !== 0) throw new Error(`plan failed in ${stackDir}:\n${(p.stderr || p.stdout).trim().split('\n').slice(0, 30).join('\n')}`);
  const shown = await run(state.terraformBinary, ['show', '-json', planFile], { cwd: stackDir, env, timeoutSeconds: 120 });
  if (shown.code !== 0) throw new Error(`show -json failed: ${shown.stderr.trim()}`);
  interface PlanJson {
    resource_changes?: { address: string; change: { actions: string[] } }[];
    output_changes?: Record<string, { actions: string[] }>;
  }
  const json = JSON.parse(shown.stdout) as PlanJson;
  const changed = (actions: readonly string[]) => !actions.every((a) => a === 'no-op' || a === 'read');
  return {
    changes: (json.resource_changes ?? []).filter((c) => changed(c.change.actions)).map((c) => ({ address: c.address, actions: c.change.actions })),
    outputs: Object.entries(json.output_changes ?? {})
      .filter(([, c]) => changed(c.actions))
      .map(([name]) => name),
  };
}

/** The outputs a deploy stored in a stack's state (`tofu output -json`), by name. */
export async function outputs(state: RunState, stackDir: string): Promise<Record<string, unknown>> {
  const r = await run(state.terraformBinary, ['output', '-json'], { cwd: stackDir, env: toolEnvironment(state), timeoutSeconds: 120 });
  if (r.code !== 0) throw new Error(`output -json in ${stackDir}: ${r.stderr.trim()}`);
  return Object.fromEntries(Object.entries(JSON.parse(r.stdout) as Record<string, { value: unknown }>).map(([name, o]) => [name, o.value]));
}

/** `tofu state list` of a stack: what Terraform still manages. */
export async function stateList(state: RunState, stackDir: string): Promise<string[]> {
  const r = await run(state.terraformBinary, ['state', 'list'], { cwd: stackDir, env: toolEnvironment(state), timeoutSeconds: 120 });
  if (r.code !== 0) throw new Error(`state list in ${stackDir}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}
