import { cleanUp } from './lib/lifecycle';
import { runDirFromEnvironment } from './lib/settings';

/** After the tests, whatever they left running: see cleanUp. */
export default function globalTeardown(): void {
  const dir = runDirFromEnvironment();
  if (dir !== undefined) cleanUp(dir, 'teardown');
}
