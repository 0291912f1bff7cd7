import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where TMPDIR pointed before the run, for global-teardown.ts to restore ("" when it was unset). */
export const OUTER_TMPDIR = 'WEB_TOPOLOGY_TEST_OUTER_TMPDIR';

/**
 * Points the run's temporary files (cdktf's Testing apps make a directory per app and never remove
 * it) into one directory that global-teardown.ts removes. Tests run after this, and spawned
 * processes inherit it. A process that runs Jest again (watch mode, a mutation test runner) gets
 * its own TMPDIR back between runs, so the next run does not make its directory in a removed one.
 */
export default function globalSetup(): void {
  process.env[OUTER_TMPDIR] = process.env.TMPDIR ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'web-topology-test-'));
  process.env.WEB_TOPOLOGY_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
