/** One look at the cluster: whether the expectation holds, and what was seen. */
export interface Observation<T = undefined> {
  readonly ok: boolean;
  /** What was seen, for the failure message (and the log when it passes). */
  readonly detail: string;
  readonly value?: T;
}

export const observed = <T>(ok: boolean, detail: string, value?: T): Observation<T> => ({ ok, detail, value });

/**
 * Looks until the expectation holds; after `seconds` fails with the last observation. Everything
 * that waits for the cluster goes through here: no fixed sleeps. A look that throws (kubectl
 * failed) counts as an observation too and is retried.
 */
export async function poll<T>(what: string, seconds: number, look: () => Promise<Observation<T>>): Promise<Observation<T>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    let last: Observation<T>;
    try {
      last = await look();
    } catch (error) {
      last = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    if (last.ok) return last;
    if (Date.now() >= deadline) throw new Error(`${what}: still not after ${seconds}s; last seen: ${last.detail}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A look that must hold now: fails with what was seen. */
export async function expectNow<T>(what: string, look: () => Promise<Observation<T>>): Promise<Observation<T>> {
  const o = await look();
  if (!o.ok) throw new Error(`${what}: ${o.detail}`);
  return o;
}
