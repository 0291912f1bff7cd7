import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A line in the run's log, written at once (jest buffers console output until a file ends). */
export function say(line: string): void {
  process.stderr.write(`e2e: ${line}\n`);
}

interface Timing {
  readonly phase: string;
  readonly seconds: number;
}

const timingsFile = (dir: string) => join(dir, 'timings.jsonl');

/** Runs one phase, prints its start, and records its duration in the run directory. */
export async function phase<T>(dir: string, name: string, body: () => Promise<T>): Promise<T> {
  say(`== ${name}`);
  const t0 = process.hrtime.bigint();
  try {
    return await body();
  } finally {
    recordTiming(dir, name, Number(process.hrtime.bigint() - t0) / 1e9);
  }
}

export function recordTiming(dir: string, phase: string, seconds: number): void {
  appendFileSync(timingsFile(dir), `${JSON.stringify({ phase, seconds } satisfies Timing)}\n`);
}

/** The recorded phases, in order, as printable lines. */
export function timingLines(dir: string): string[] {
  if (!existsSync(timingsFile(dir))) return [];
  const timings = readFileSync(timingsFile(dir), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Timing);
  // Indented entries are parts of the phase listed after them (one stack's deploy, one plan).
  const total = timings.filter((t) => !t.phase.startsWith(' ')).reduce((s, t) => s + t.seconds, 0);
  return [...timings, { phase: 'total', seconds: total }].map((t) => `${t.phase.padEnd(40)} ${t.seconds.toFixed(1).padStart(7)}s`);
}
