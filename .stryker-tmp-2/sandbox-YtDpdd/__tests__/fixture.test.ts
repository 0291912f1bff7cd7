// @ts-nocheck
import { fixture } from './helpers';

type StrykerGlobal = { __stryker__?: { activeMutant?: string } };

describe('fixture', () => {
  const global = globalThis as StrykerGlobal;
  const saved = global.__stryker__;
  afterEach(() => {
    global.__stryker__ = saved;
  });

  /** A fixture whose value is the number of times it was computed. */
  function counted() {
    let calls = 0;
    return fixture(() => ++calls);
  }

  it('computes once outside Stryker', () => {
    delete global.__stryker__;
    const f = counted();
    expect([f(), f()]).toEqual([1, 1]);
  });

  it('computes for every test in Stryker\'s coverage run, so each test is credited with what it reads', () => {
    global.__stryker__ = {};
    const f = counted();
    expect([f(), f()]).toEqual([1, 2]);
  });

  it('computes once per active mutant', () => {
    const f = counted();
    global.__stryker__ = { activeMutant: '7' };
    expect([f(), f()]).toEqual([1, 1]);
    global.__stryker__ = { activeMutant: '8' };
    expect(f()).toBe(2);
  });
});
