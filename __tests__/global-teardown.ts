import { rmSync } from 'node:fs';
import { OUTER_TMPDIR } from './global-setup';

/** Removes the run's temporary directory made by global-setup.ts, and gives TMPDIR back. */
export default function globalTeardown(): void {
  const dir = process.env.WEB_TOPOLOGY_TEST_TMPDIR;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  const outer = process.env[OUTER_TMPDIR];
  if (outer === '') delete process.env.TMPDIR;
  else if (outer !== undefined) process.env.TMPDIR = outer;
  delete process.env.WEB_TOPOLOGY_TEST_TMPDIR;
  delete process.env[OUTER_TMPDIR];
}
