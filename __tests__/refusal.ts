// Apart from helpers.ts, which the e2e and the benchmark load outside Jest: this one uses Jest's expect.

/** A class of error the tests expect a refusal as (PropError, ConfigError, …). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The message of the error `run` throws, after checking that it is a `type` and carries that
 * class's name (main.ts and the CLIs tell refusals apart by it); undefined when `run` throws
 * nothing. The one way the tests read a refusal.
 */
export function refusalOf(run: () => unknown, type: ErrorClass = Error): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    if (type !== Error) expect((error as Error).name).toBe(type.name);
    return (error as Error).message;
  }
  return undefined;
}
