/**
 * The run's temporary directory: made by global setup, removed by global teardown, and TMPDIR
 * given back, so that a second run in one process (watch mode, a mutation test runner) makes its
 * directory in the outer TMPDIR, not in the removed one. Run in a process of its own: Jest gives a
 * test its own copy of process.env, which os.tmpdir() does not read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let outer: string;
beforeEach(() => {
  outer = mkdtempSync(join(tmpdir(), 'web-topology-outer-'));
});
afterEach(() => rmSync(outer, { recursive: true, force: true }));

interface Run {
  /** TMPDIR during the run. */
  readonly during: string;
  /** TMPDIR after it, or null when unset. */
  readonly after: string | null;
}

/** Two runs' setup and teardown in one process, started with this TMPDIR (unset when undefined). */
function twoRuns(tmpdirValue: string | undefined): Run[] {
  const script = `
    const setup = require('./global-setup').default, teardown = require('./global-teardown').default;
    const runs = [];
    for (let i = 0; i < 2; i++) {
      setup();
      const during = process.env.TMPDIR;
      teardown();
      runs.push({ during, after: process.env.TMPDIR ?? null });
    }
    process.stdout.write(JSON.stringify(runs));`;
  const { TMPDIR: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    cwd: __dirname,
    env: tmpdirValue === undefined ? env : { ...env, TMPDIR: tmpdirValue },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Run[];
}

describe("the run's temporary directory", () => {
  it('is made in TMPDIR and removed after the run; TMPDIR is given back, so the next run works too', () => {
    const runs = twoRuns(outer);
    for (const run of runs) {
      expect(run.during).toMatch(new RegExp(`^${outer}/web-topology-test-`));
      expect(existsSync(run.during)).toBe(false);
      expect(run.after).toBe(outer);
    }
    expect(runs[1].during).not.toBe(runs[0].during);
  });

  it('leaves TMPDIR unset after a run that began without it', () => {
    const runs = twoRuns(undefined);
    expect(runs.map((r) => r.after)).toEqual([null, null]);
    for (const run of runs) expect(existsSync(run.during)).toBe(false);
  });
});
