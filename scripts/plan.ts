/**
 * `npm run plan -- <stack> [<stack> ...] [--output <dir>]`: synthesizes with cdktf.json's app
 * command (only the named stacks' environments when TOPOLOGY_ENVIRONMENTS is unset), then `init` (unless nothing it depends on changed since its last success) and `plan`
 * each named stack with the binary cdktf would run
 * (TERRAFORM_BINARY_NAME, else `terraform`); several stacks are planned at once, as many as the
 * machine has cores, each plan's output printed whole in the order the stacks were named. The same
 * plan as `cdktf diff`, without the cdktf CLI,
 * whose own start is most of `cdktf diff`'s time (BENCHMARKS.md "Second plan against the
 * cluster"), and with the answer `cdktf diff` does not give: exit 0 when no stack would change,
 * 2 when one would (plan's -detailed-exitcode), 1 on an error.
 */
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { environmentOfStack } from '../stacks/stack-names';

/** One child process run to its end: its exit status, and what it printed when not inherited. */
export type Runner = (command: string, args: readonly string[], options: SpawnSyncOptions) => { status: number; output: string };
/** The same, started without waiting: resolves when the process ends. */
export type Starter = (command: string, args: readonly string[], options: SpawnOptions) => Promise<{ status: number; output: string }>;

export interface PlanIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Synth and init. */
  readonly run: Runner;
  /** The plans. */
  readonly start: Starter;
  /** How many plans run at once. */
  readonly parallel: number;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = 'usage: npm run plan -- <stack> [<stack> ...] [--output <dir>]';

/** The command; resolves to its exit status. */
export async function plan(argv: readonly string[], io: PlanIo): Promise<number> {
  const stacks: string[] = [];
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--output') {
      output = argv[++i];
      if (output === undefined || output.startsWith('-')) return usage(io, '--output needs a directory');
    } else if (arg.startsWith('-')) return usage(io, `unknown option ${arg}`);
    else stacks.push(arg);
  }
  if (stacks.length === 0) return usage(io, 'name at least one stack');

  const project = readProject(io.cwd);
  if (typeof project === 'string') return usage(io, project);
  const outdir = resolve(io.cwd, output ?? project.output ?? 'cdktf.out');
  // Only the named stacks' environments, unless the caller chose (BENCHMARKS.md "Plan loop").
  const environments = [...new Set(stacks.map(environmentOfStack))];
  const narrowed = io.env.TOPOLOGY_ENVIRONMENTS === undefined && !environments.includes(undefined) ? { TOPOLOGY_ENVIRONMENTS: environments.join(',') } : {};
  if ('TOPOLOGY_ENVIRONMENTS' in narrowed) io.err(`plan: synthesizing ${narrowed.TOPOLOGY_ENVIRONMENTS} only (TOPOLOGY_ENVIRONMENTS, from the stacks' names)\n`);
  // As cdktf runs it: through a shell, told where to write. It says why it failed; its status is
  // not passed on, as 2 would read as "changes".
  const synth = io.run(project.app, [], { cwd: io.cwd, env: { ...io.env, ...narrowed, CDKTF_OUTDIR: outdir }, shell: true, stdio: 'inherit' });
  if (synth.status !== 0) {
    io.err(`plan: synth failed (exit ${synth.status}); nothing planned\n`);
    return 1;
  }

  const manifest = join(outdir, 'manifest.json');
  const known = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { stacks: Record<string, { workingDirectory: string }> }).stacks : {};
  const unknown = stacks.filter((s) => !(s in known));
  if (unknown.length > 0) {
    return usage(io, `no stack ${unknown.map((s) => `"${s}"`).join(', ')} in ${manifest}; synth wrote ${Object.keys(known).join(', ') || 'none'}`);
  }

  const binary = io.env.TERRAFORM_BINARY_NAME || 'terraform';
  const status = new Map<string, number>();
  const ready: { stack: string; cwd: string }[] = [];
  for (const stack of stacks) {
    const cwd = join(outdir, (known[stack] as { workingDirectory: string }).workingDirectory);
    if (initialized(cwd, binary, io)) ready.push({ stack, cwd });
    else status.set(stack, 1);
  }
  // One plan prints as it goes; several at once would interleave, so each is kept and printed whole.
  const many = ready.length > 1;
  const planned = await inPool(ready, io.parallel, ({ cwd }) => io.start(binary, ['plan', '-input=false', '-detailed-exitcode'], { cwd, env: io.env, stdio: many ? ['ignore', 'pipe', 'pipe'] : 'inherit' }));
  ready.forEach(({ stack }, n) => {
    const r = planned[n] as { status: number; output: string };
    if (many) io.out(`\n── plan of ${stack} ──\n${r.output}`);
    status.set(stack, r.status);
  });
  const results = stacks.map((stack) => ({ stack, status: status.get(stack) as number }));
  const said = { 0: 'no changes', 2: 'changes' } as Record<number, string | undefined>;
  for (const r of results) io.err(`plan: ${r.stack}: ${said[r.status] ?? `failed (exit ${r.status})`}\n`);
  if (results.some((r) => r.status !== 0 && r.status !== 2)) return 1;
  return results.some((r) => r.status === 2) ? 2 : 0;
}

/** Where `plan` records what the last successful `init` of a stack directory saw (in init's own directory). */
export const INIT_STAMP = join('.terraform', 'web-topology-init.sha256');

/** Runs `init` in `cwd` unless nothing it depends on changed since its last success; false when it failed (its output said why). */
function initialized(cwd: string, binary: string, io: PlanIo): boolean {
  const before = initStamp(cwd);
  if (before !== undefined && before === readStamp(cwd)) return true;
  const init = io.run(binary, ['init', '-input=false'], { cwd, env: io.env });
  if (init.status !== 0) {
    io.err(init.output);
    return false;
  }
  // After init, which records its checksums in the lock file.
  const after = initStamp(cwd);
  if (after !== undefined) {
    mkdirSync(dirname(join(cwd, INIT_STAMP)), { recursive: true });
    writeFileSync(join(cwd, INIT_STAMP), after);
  }
  return true;
}

/** `task` of each item, at most `width` at a time; the answers in the items' order. */
async function inPool<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const n = next++;
      answers[n] = await task(items[n] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return answers;
}

/**
 * What `init` depends on: the stack's `terraform` block (providers, backend) and its lock file.
 * Synth rewrites neither while they stay the same (seeded lock entries keep init's checksums), so
 * an unchanged stamp means init would do nothing; undefined when the stack has no cdk.tf.json.
 */
function initStamp(cwd: string): string | undefined {
  const stack = join(cwd, 'cdk.tf.json');
  if (!existsSync(stack)) return undefined;
  const { terraform } = JSON.parse(readFileSync(stack, 'utf8')) as { terraform?: unknown };
  const lock = join(cwd, '.terraform.lock.hcl');
  return createHash('sha256')
    .update(JSON.stringify(terraform ?? null))
    .update('\0')
    .update(existsSync(lock) ? readFileSync(lock) : '')
    .digest('hex');
}

const readStamp = (cwd: string): string | undefined => (existsSync(join(cwd, INIT_STAMP)) ? readFileSync(join(cwd, INIT_STAMP), 'utf8') : undefined);

/** cdktf.json's app command and output directory, or why it has none. */
function readProject(cwd: string): { app: string; output?: string } | string {
  const file = join(cwd, 'cdktf.json');
  let project: { app?: unknown; output?: unknown };
  try {
    project = JSON.parse(readFileSync(file, 'utf8')) as typeof project;
  } catch (error) {
    return `cannot read ${file}: ${(error as Error).message}`;
  }
  if (typeof project.app !== 'string') return `${file} has no "app" command`;
  return { app: project.app, ...(typeof project.output === 'string' ? { output: project.output } : {}) };
}

function usage(io: PlanIo, why: string): number {
  io.err(`plan: ${why}\n${USAGE}\n`);
  return 1;
}

/** Runs a process to its end; a process that could not start or died of a signal counts as exit 1. */
export const runProcess: Runner = (command, args, options) => {
  const r = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) return { status: 1, output: `${command}: ${r.error.message}\n` };
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};

/** Starts a process; it ends as {@link runProcess}'s do, its output kept when piped. */
export const startProcess: Starter = (command, args, options) =>
  new Promise((done) => {
    const child = spawn(command, args, options);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => done({ status: 1, output: `${output}${command}: ${error.message}\n` }));
    child.on('close', (code) => done({ status: code ?? 1, output }));
  });

if (require.main === module) {
  void plan(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    run: runProcess,
    start: startProcess,
    parallel: availableParallelism(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((status) => (process.exitCode = status));
}
