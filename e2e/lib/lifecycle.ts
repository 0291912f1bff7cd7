import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, outDir, toolEnvironment } from './cdktf';
import { killAllChildren, killPids, processesUnder } from './processes';
import { say, timingLines } from './report';
import type { RunState } from './settings';

/** What cleanup must undo, recorded as soon as it exists (a file: tests run in another realm). */
interface Started {
  /** tools/cluster.sh's directory of the kwok cluster. */
  readonly clusterDir?: string;
  readonly operatorPid?: number;
  readonly envoyGatewayPid?: number;
  readonly prometheusOperatorPid?: number;
  /** App/platform stacks deployed and not yet destroyed (own cluster: destroy them). */
  readonly deployed?: readonly string[];
}

const startedFile = (dir: string) => join(dir, 'started.json');

function started(dir: string): Started {
  return existsSync(startedFile(dir)) ? (JSON.parse(readFileSync(startedFile(dir), 'utf8')) as Started) : {};
}

export function remember(dir: string, more: Started): void {
  writeFileSync(startedFile(dir), JSON.stringify({ ...started(dir), ...more }));
}

/** Stops an operator (SIGTERM, the way a Pod is stopped), returning whether it was running. */
export function stopOperator(dir: string, which: 'operatorPid' | 'envoyGatewayPid' | 'prometheusOperatorPid' = 'operatorPid'): boolean {
  const pid = started(dir)[which];
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) {
    spawnSync('sleep', ['0.2']);
  }
  if (existsSync(`/proc/${pid}`)) killPids([pid]);
  remember(dir, { [which]: undefined });
  return true;
}

export function clusterDown(clusterDir: string): { ok: boolean; output: string } {
  const r = spawnSync('bash', [join(PROJECT_ROOT, 'tools', 'cluster.sh'), 'down'], {
    env: { ...process.env, CLUSTER_DIR: clusterDir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/**
 * Undoes whatever the run started, however it ends (global teardown, a failed setup, SIGINT or
 * SIGTERM): the operators, every child and leftover process of the run, the deployed stacks on
 * one's own cluster, the kwok cluster; then prints the phase timings and removes the run's
 * directory (kept, and said so, when objects may be left on one's own cluster).
 */
export function cleanUp(dir: string, reason: string): void {
  const s = started(dir);
  stopOperator(dir);
  stopOperator(dir, 'envoyGatewayPid');
  stopOperator(dir, 'prometheusOperatorPid');
  killAllChildren();
  let keep = false;
  if (s.deployed && s.deployed.length > 0 && existsSync(join(dir, 'run.json'))) {
    const state = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunState;
    say(`${reason}: removing ${s.deployed.join(' ')} from ${state.context}`);
    const r = spawnSync('npx', ['--no-install', 'cdktf', 'destroy', ...s.deployed, '--no-color', '--output', outDir(state), '--skip-synth', '--auto-approve'], {
      cwd: PROJECT_ROOT,
      env: toolEnvironment(state),
      stdio: 'ignore',
      timeout: 900_000,
    });
    keep = r.status !== 0;
  }
  const leftovers = processesUnder(dir);
  if (leftovers.length > 0) {
    say(`stopping leftover processes: ${leftovers.join(' ')}`);
    killPids(leftovers);
  }
  if (s.clusterDir !== undefined && existsSync(s.clusterDir)) {
    const down = clusterDown(s.clusterDir);
    if (!down.ok) say(`tools/cluster.sh down failed:\n${down.output}`);
  }
  const timings = timingLines(dir);
  if (timings.length > 0) say(`timings:\n${timings.map((l) => `e2e:   ${l}`).join('\n')}`);
  if (keep) say(`objects may be left on the cluster: the state and logs are kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

let installed = false;

/** SIGINT/SIGTERM: clean up at once, then exit with the signal's status. */
export function installSignalHandlers(dir: string): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      say(`${signal}: cleaning up`);
      cleanUp(dir, signal);
      process.exit(code);
    });
  }
}
