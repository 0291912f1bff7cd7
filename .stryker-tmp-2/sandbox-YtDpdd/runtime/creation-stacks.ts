/**
 * cdktf records a formatted stack trace for every token and attribute object it creates (tens of
 * thousands in one synth), only to print it if that token later fails to resolve. Recording them
 * took about a quarter of synth's time, and holding them a sixth of its memory with 500 extra
 * services (BENCHMARKS.md). cdktf 0.21.0 is final and has no switch for it, so the synth entry
 * points turn the capture into a no-op: a resolution error still says what failed, only without
 * its "Object creation stack".
 */
// @ts-nocheck

export function skipTokenCreationStacks(): void {
  // cdktf's compiled callers read the function off this exports object at every call.
  const stackTrace = require('cdktf/lib/tokens/private/stack-trace') as { captureStackTrace: () => string[] };
  stackTrace.captureStackTrace = () => [];
}
