/**
 * `npm run plan -- <stack> [<stack> ...] [--output <dir>]`: synthesizes with cdktf.json's app
 * command, then `init` and `plan` each named stack with the binary cdktf would run
 * (TERRAFORM_BINARY_NAME, else `terraform`). The same plan as `cdktf diff`, without the cdktf CLI,
 * whose own start is most of `cdktf diff`'s time (BENCHMARKS.md "Second plan against the
 * cluster"), and with the answer `cdktf diff` does not give: exit 0 when no stack would change,
 * 2 when one would (plan's -detailed-exitcode), 1 on an error.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
  // As cdktf runs it: through a shell, told where to write. It says why it failed; its status is
  // not passed on, as 2 would read as "changes".
  const synth = io.run(project.app, [], { cwd: io.cwd, env: { ...io.env, CDKTF_OUTDIR: outdir }, shell: true, stdio: 'inherit' });
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
    const init = io.run(binary, ['init', '-input=false'], { cwd, env: io.env });
    if (init.status !== 0) {
      io.err(init.output);
      return { stack, status: 1 };
    }
    const planned = io.run(binary, ['plan', '-input=false', '-detailed-exitcode'], { cwd, env: io.env, stdio: 'inherit' });
    return { stack, status: planned.status };
  });
  const said = { 0: 'no changes', 2: 'changes' } as Record<number, string | undefined>;
  for (const r of results) io.err(`plan: ${r.stack}: ${said[r.status] ?? `failed (exit ${r.status})`}\n`);
  if (results.some((r) => r.status !== 0 && r.status !== 2)) return 1;
  return results.some((r) => r.status === 2) ? 2 : 0;
}

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
