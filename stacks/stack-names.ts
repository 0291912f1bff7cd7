/**
 * Each environment's two stacks are `<env>-platform` and `<env>-app`. This module owns that
 * format and imports nothing, so `npm run plan` can read a stack's environment without loading
 * the stacks.
 */
export type StackKind = 'platform' | 'app';

const KINDS: readonly StackKind[] = ['platform', 'app'];

export const stackName = (environment: string, kind: StackKind): string => `${environment}-${kind}`;

/** The environment whose stack this is, or undefined for a name no environment gives. */
export function environmentOfStack(stack: string): string | undefined {
  const kind = KINDS.find((k) => stack.endsWith(`-${k}`) && stack.length > k.length + 1);
  return kind === undefined ? undefined : stack.slice(0, -(kind.length + 1));
}
