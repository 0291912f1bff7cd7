// @ts-nocheck
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Points the run's temporary files (cdktf's Testing apps make a directory per app and never remove
 * it) into one directory that global-teardown.ts removes. Tests run after this, and spawned
 * processes inherit it.
 */
export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'web-topology-test-'));
  process.env.WEB_TOPOLOGY_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
