/**
 * `npm run plan -- <stack> [<stack> ...] [--output <dir>]`: synthesizes with cdktf.json's app
 * command (only the named stacks' environments when TOPOLOGY_ENVIRONMENTS is unset), then `init` (unless nothing it depends on changed since its last success) and `plan`
 * each named stack with the binary cdktf would run
 * (TERRAFORM_BINARY_NAME, else `terraform`). The same plan as `cdktf diff`, without the cdktf CLI,
 * whose own start is most of `cdktf diff`'s time (BENCHMARKS.md "Second plan against the
 * cluster"), and with the answer `cdktf diff` does not give: exit 0 when no stack would change,
 * 2 when one would (plan's -detailed-exitcode), 1 on an error.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { environmentOfStack } from '../stacks/stack-names';

/** One child process run to its end: its exit status, and what it printed when not inherited. */
export type Runner = (command: string, args: readonly string[], options: SpawnSyncOptions) => { status: number; output: string };

export interface PlanIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly run: Runner;
  readonly err: (text: string) => void;
}

const USAGE = 'usage: npm run plan -- <stack> [<stack> ...] [--output <dir>]';

/** The command; returns its exit status. */
export function plan(argv: readonly string[], io: PlanIo): number {
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
  const results = stacks.map((stack) => {
    const cwd = join(outdir, (known[stack] as { workingDirectory: string }).workingDirectory);
    const before = initStamp(cwd);
    if (before === undefined || before !== readStamp(cwd)) {
      const init = io.run(binary, ['init', '-input=false'], { cwd, env: io.env });
      if (init.status !== 0) {
        io.err(init.output);
        return { stack, status: 1 };
      }
      // After init, which records its checksums in the lock file.
      const after = initStamp(cwd);
      if (after !== undefined) {
        mkdirSync(dirname(join(cwd, INIT_STAMP)), { recursive: true });
        writeFileSync(join(cwd, INIT_STAMP), after);
      }
    }
    const planned = io.run(binary, ['plan', '-input=false', '-detailed-exitcode'], { cwd, env: io.env, stdio: 'inherit' });
    return { stack, status: planned.status };
  });
  const said = { 0: 'no changes', 2: 'changes' } as Record<number, string | undefined>;
  for (const r of results) io.err(`plan: ${r.stack}: ${said[r.status] ?? `failed (exit ${r.status})`}\n`);
  if (results.some((r) => r.status !== 0 && r.status !== 2)) return 1;
  return results.some((r) => r.status === 2) ? 2 : 0;
}

/** Where `plan` records what the last successful `init` of a stack directory saw (in init's own directory). */
export const INIT_STAMP = join('.terraform', 'web-topology-init.sha256');

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

if (require.main === module) {
  process.exitCode = plan(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    run: runProcess,
    err: (text) => process.stderr.write(text),
  });
}
