import { expectNow, poll, type Observation } from './poll';
import { recordTiming, say } from './report';
import type { RunState } from './settings';

/** The named tests of an e2e file, each printed with what it saw; every check but the deploy needs it done. */
export interface PhaseTests {
  /** A describe block whose duration is recorded as one phase of the run. */
  phase(name: string, body: () => void): void;
  /** A named test that waits (up to `seconds`, times the run's slowdown) for a look to hold. */
  pollTest(name: string, seconds: number, look: () => Promise<Observation>): void;
  /** A named test that must hold at once. */
  nowTest(name: string, look: () => Promise<Observation>): void;
}

export function phaseTests(state: RunState, requireDeployed: () => void): PhaseTests {
  return {
    phase(name, body) {
      describe(name, () => {
        let t0 = 0;
        beforeAll(() => {
          say(`== ${name}`);
          t0 = Date.now();
        });
        afterAll(() => recordTiming(state.dir, name, (Date.now() - t0) / 1000));
        body();
      });
    },
    pollTest(name, seconds, look) {
      test(name, async () => {
        requireDeployed();
        const o = await poll(name, seconds * state.settings.slowdown, look);
        say(`  ${name} — ${o.detail}`);
      });
    },
    nowTest(name, look) {
      test(name, async () => {
        requireDeployed();
        const o = await expectNow(name, look);
        say(`  ${name} — ${o.detail}`);
      });
    },
  };
}
