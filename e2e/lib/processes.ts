import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** What a finished child process reported. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the timeout stopped it. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Seconds until the process group gets SIGTERM, then SIGKILL 10 s later. */
  readonly timeoutSeconds: number;
  readonly input?: string;
}

// Every child of this run, so that cleanup can stop them however the run ends.
const running = new Set<ChildProcess>();

/**
 * Runs a command without a shell in a process group of its own (so a timeout stops what it
 * started too) and collects its output. Never rejects: the caller judges the exit code.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A child that exits before reading its input must not crash the run with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child, 10_000);
    }, options.timeoutSeconds * 1000);
    const finish = (code: number) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut });
    };
    child.on('error', (e) => {
      err.push(Buffer.from(String(e)));
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/** Starts a long-running process (an operator) whose output goes to a file descriptor. */
export function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFd: number, cwd?: string): ChildProcess {
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', logFd, logFd] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** SIGTERM to the child's process group, SIGKILL after `graceMs` if it is still there. */
export function stopGroup(child: ChildProcess, graceMs: number): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs).unref();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Kills every child still running, at once (the synchronous path of an interrupt). */
export function killAllChildren(): void {
  for (const child of running) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  running.clear();
}

/**
 * Processes of this run that left their group: cdktf runs OpenTofu in a pseudo-terminal, a
 * session of its own, which outlives a stopped cdktf. They are known by a working directory or
 * a command line inside the run's directory.
 */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cwd.startsWith(`${dir}/`) || cmd.includes(`${dir}/`)) pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/** SIGKILL to each pid (the leftovers of an interrupted run). */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
