// @ts-nocheck
import { rmSync } from 'node:fs';

/** Removes the run's temporary directory made by global-setup.ts. */
export default function globalTeardown(): void {
  const dir = process.env.WEB_TOPOLOGY_TEST_TMPDIR;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
