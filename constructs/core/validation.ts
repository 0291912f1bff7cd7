/**
 * Prop validation for the constructs, in the style of cdk8s-plus: a bad prop stops the
 * construct's constructor with an error that names the construct path, the prop, the value and
 * the rule, e.g. `stack/web: 'replicas.min' (5) must be less than or equal to 'replicas.max' (2)`.
 */
import type { IConstruct } from 'constructs';
import { hasTagOrDigest, PINNED_IMAGE_RULE } from './image';
import { isQuantity, parseQuantity } from './quantity';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Units Prometheus accepts in a duration ("30s", "5m", "15d"). */
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

/** Kubernetes int32 fields (replicas, retries). */
export const INT32_MAX = 2_147_483_647;
/** Envoy Gateway's uint32 fields (connection ceilings, rate limit requests, trusted hops). */
export const UINT32_MAX = 4_294_967_295;
/** A key of a Secret or ConfigMap, as Kubernetes allows it. */
export const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
export const SECRET_KEY_RULE = 'must be a key of a Secret: 1 to 253 letters, digits, "-", "_" and "."';
/** A reason given for an opt-out (a policy exemption, a prod rule) must say why: at least this many characters. */
export const MIN_REASON_LENGTH = 10;
/** Gateway API Durations allow at most five digits per unit (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`). */
export const DURATION_SECONDS_MAX = 99_999;

// NaN and Infinity print as themselves, not as JSON's null.
const show = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** A prop a construct refuses; main.ts prints its message alone. */
export class PropError extends Error {
  constructor(scope: IConstruct, prop: string, value: unknown, rule: string) {
    super(`${scope.node.path}: '${prop}' (${show(value)}) ${rule}`);
    this.name = 'PropError';
  }
}

/** Throws the error for `prop` of `scope` holding `value` against `rule`. */
export function invalidProp(scope: IConstruct, prop: string, value: unknown, rule: string): never {
  throw new PropError(scope, prop, value, rule);
}

/** Stops synth unless `holds`, naming the prop, its value and the rule it breaks. */
export function requireProp(scope: IConstruct, prop: string, value: unknown, holds: boolean, rule: string): void {
  if (!holds) invalidProp(scope, prop, value, rule);
}

/** A whole number within [min, max]. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalidProp(scope, prop, value, max === Number.MAX_SAFE_INTEGER ? `must be a whole number of at least ${min}` : `must be a whole number from ${min} to ${max}`);
  }
}

/** `small` must not exceed `large` (both numbers, or both quantities). */
export function checkAtMost(scope: IConstruct, smallProp: string, small: number | string, largeProp: string, large: number | string): void {
  const n = (v: number | string) => (typeof v === 'number' ? v : parseQuantity(v));
  if (n(small) > n(large)) {
    invalidProp(scope, smallProp, small, `must be less than or equal to '${largeProp}' (${JSON.stringify(large)})`);
  }
}

/** A positive Kubernetes quantity ("500m", "2Gi"); returns its value in base units. */
export function checkQuantity(scope: IConstruct, prop: string, value: string): number {
  if (!isQuantity(value) || parseQuantity(value) <= 0) {
    invalidProp(scope, prop, value, 'must be a positive Kubernetes quantity, such as "500m", "2" or "512Mi"');
  }
  return parseQuantity(value);
}

/** A DNS-1123 label: the name rule of namespaces, Services and most objects. */
export function checkName(scope: IConstruct, prop: string, value: string): void {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    invalidProp(scope, prop, value, 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
  }
}

/** An absolute HTTP path. */
export function checkPath(scope: IConstruct, prop: string, value: string): void {
  if (!value.startsWith('/')) invalidProp(scope, prop, value, 'must be an absolute path starting with "/"');
}

/** A PodDisruptionBudget's minAvailable must leave one pod to evict at the minimum scale. */
export function checkDrainable(scope: IConstruct, minAvailable: number, minProp: string, min: number): void {
  checkInteger(scope, 'disruptionBudget.minAvailable', minAvailable, 1);
  if (minAvailable >= min) {
    invalidProp(scope, 'disruptionBudget.minAvailable', minAvailable, `must be less than '${minProp}' (${min}), or no node can be drained at the minimum scale`);
  }
}

/** A Prometheus duration such as "30s" or "15d". */
export function checkDuration(scope: IConstruct, prop: string, value: string): void {
  if (!DURATION.test(value)) invalidProp(scope, prop, value, 'must be a Prometheus duration such as "30s" or "5m"');
}

/** A number in the open interval (min, max), or [min, max] when `inclusive`. */
export function checkRange(scope: IConstruct, prop: string, value: number, min: number, max: number, inclusive = false): void {
  const ok = Number.isFinite(value) && (inclusive ? value >= min && value <= max : value > min && value < max);
  if (!ok) {
    const bounds = inclusive ? `from ${min} to ${max}` : `greater than ${min} and less than ${max}`;
    invalidProp(scope, prop, value, `must be a number ${bounds}`);
  }
}

/** An image reference that names its version: a tag or a digest. */
export function checkImage(scope: IConstruct, prop: string, image: string): void {
  if (!hasTagOrDigest(image)) invalidProp(scope, prop, image, PINNED_IMAGE_RULE);
}
