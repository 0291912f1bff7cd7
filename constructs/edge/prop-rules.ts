import type { IConstruct } from 'constructs';

/** Envoy Gateway's uint32 fields (connection ceilings, rate limit requests, trusted hops). */
export const UINT32_MAX = 4_294_967_295;
/** Kubernetes int32 fields (replicas, retries). */
export const INT32_MAX = 2_147_483_647;
/** Gateway API Durations allow at most five digits per unit (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`). */
export const DURATION_SECONDS_MAX = 99_999;

/**
 * Stops synth with an error naming the construct path, the prop, its value and the rule,
 * in the style of cdk8s-plus: `edge/edge: 'proxyReplicas' (0) must be …`.
 */
export function requireProp(scope: IConstruct, prop: string, value: unknown, holds: boolean, rule: string): void {
  if (!holds) throw new Error(`${scope.node.path}: '${prop}' (${show(value)}) ${rule}`);
}

// NaN and Infinity print as themselves, not as JSON's null.
const show = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** A whole number from `min` to `max`, inclusive. */
export function requireInt(scope: IConstruct, prop: string, value: number, min: number, max: number): void {
  requireProp(scope, prop, value, Number.isInteger(value) && value >= min && value <= max, `must be a whole number from ${min} to ${max}`);
}
