/**
 * Prop validation for the constructs, in the style of cdk8s-plus: a bad prop stops the
 * construct's constructor with an error that names the construct path, the prop, the value and
 * the rule, e.g. `stack/web: 'replicas.min' (5) must be less than or equal to 'replicas.max' (2)`.
 */
import type { IConstruct } from 'constructs';
import { hasTagOrDigest, PINNED_IMAGE_RULE } from './image';
import { isQuantity, parseQuantity } from './quantity';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
/** A DNS-1123 label: the name rule of namespaces, Services and most objects. */
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
/** A DNS-1123 subdomain: the name rule of Secrets, StorageClasses and custom resources (dots allowed). */
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/**
 * A Prometheus duration as the prometheus-operator's CRDs accept it (its `Duration` pattern):
 * units from years down to milliseconds, each at most once and in that order ("15d", "1d12h").
 */
const DURATION = /^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/;
export const DURATION_RULE = 'must be a Prometheus duration such as "30s", "15d" or "1d12h" (units y, w, d, h, m, s, ms, largest first, each once)';

/** Kubernetes int32 fields (replicas, retries). */
export const INT32_MAX = 2_147_483_647;
/** Envoy Gateway's uint32 fields (connection ceilings, rate limit requests, trusted hops). */
export const UINT32_MAX = 4_294_967_295;
/** Kubernetes' longest DNS-1123 subdomain, which also bounds a Secret's keys. */
const SUBDOMAIN_MAX = 253;
/** A key of a Secret or ConfigMap, as Kubernetes allows it. */
export const SECRET_KEY = new RegExp(`^[-._a-zA-Z0-9]{1,${SUBDOMAIN_MAX}}$`);
export const SECRET_KEY_RULE = `must be a key of a Secret: 1 to ${SUBDOMAIN_MAX} letters, digits, "-", "_" and "."`;
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

/** Stops synth when `problem` finds something wrong with `value`, naming the prop, its value and what is wrong. */
export function checkRule<T>(scope: IConstruct, prop: string, value: T, problem: (value: T) => string | undefined): void {
  const found = problem(value);
  if (found !== undefined) invalidProp(scope, prop, value, found);
}

/** Stops synth unless `holds`, naming the prop, its value and the rule it breaks. */
export function requireProp(scope: IConstruct, prop: string, value: unknown, holds: boolean, rule: string): void {
  if (!holds) invalidProp(scope, prop, value, rule);
}

/** The rule of a whole number within [min, max], in `unit` ("seconds", "pods") when it has one. */
export function integerRule(min: number, max = Number.MAX_SAFE_INTEGER, unit?: string): string {
  const of = unit === undefined ? '' : ` of ${unit}`;
  if (max !== Number.MAX_SAFE_INTEGER) return `must be a whole number${of} from ${min} to ${max}`;
  return unit === undefined ? `must be a whole number of at least ${min}` : `must be a whole number of ${unit}, at least ${min}`;
}

/** What is wrong with `value` as a whole number within [min, max], or undefined. */
export function integerProblem(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER, unit?: string): string | undefined {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? undefined : integerRule(min, max, unit);
}

/** A whole number within [min, max], in `unit` when it has one. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER, unit?: string): void {
  checkRule(scope, prop, value, (v) => integerProblem(v, min, max, unit));
}

/** What is wrong with `small` above `large` (both numbers, or both quantities), which `largeName` names, or undefined. */
export function atMostProblem(small: number | string, largeName: string, large: number | string): string | undefined {
  const n = (v: number | string) => (typeof v === 'number' ? v : parseQuantity(v));
  return n(small) > n(large) ? `must be less than or equal to ${largeName} (${JSON.stringify(large)})` : undefined;
}

/** `small` must not exceed `large` (both numbers, or both quantities). */
export function checkAtMost(scope: IConstruct, smallProp: string, small: number | string, largeProp: string, large: number | string): void {
  checkRule(scope, smallProp, small, (v) => atMostProblem(v, `'${largeProp}'`, large));
}

/** The rule of a positive Kubernetes quantity; `of` says of what, with examples. */
function quantityRule(of = 'such as "500m", "2" or "512Mi"'): string {
  return `must be a positive Kubernetes quantity${of.startsWith('such as') ? ',' : ' of'} ${of}`;
}

/** What is wrong with `value` as a positive Kubernetes quantity, or undefined. */
export function quantityProblem(value: string, of?: string): string | undefined {
  return isQuantity(value) && parseQuantity(value) > 0 ? undefined : quantityRule(of);
}

/** A positive Kubernetes quantity ("500m", "2Gi"); returns its value in base units. */
export function checkQuantity(scope: IConstruct, prop: string, value: string): number {
  checkRule(scope, prop, value, (v) => quantityProblem(v));
  return parseQuantity(value);
}

/** The most characters of a DNS-1123 label (object names, label values). */
export const LABEL_MAX = 63;

/** What is wrong with `value` as a DNS-1123 label, or undefined. */
export function nameProblem(value: string): string | undefined {
  return value.length <= LABEL_MAX && DNS1123_LABEL.test(value)
    ? undefined
    : `must be a DNS-1123 label: at most ${LABEL_MAX} lowercase letters, digits and "-", starting and ending with a letter or digit`;
}

/** A DNS-1123 label: the name rule of namespaces, Services and most objects. */
export function checkName(scope: IConstruct, prop: string, value: string): void {
  checkRule(scope, prop, value, nameProblem);
}

/** What is wrong with `value` as a DNS-1123 subdomain, or undefined. */
export function subdomainProblem(value: string): string | undefined {
  return value.length <= SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value)
    ? undefined
    : `must be a DNS-1123 subdomain: at most ${SUBDOMAIN_MAX} characters of dot-separated DNS-1123 labels (lowercase letters, digits and "-")`;
}

/** What is wrong with `value` as a hostname a Gateway API route answers for (a subdomain, optionally with a leading "*." label), or undefined. */
export function hostnameProblem(value: string): string | undefined {
  return value.length <= SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value.replace(/^\*\./, ''))
    ? undefined
    : `must be a DNS hostname: at most ${SUBDOMAIN_MAX} characters of lowercase, dot-separated DNS-1123 labels, optionally starting with "*."`;
}

/** What is wrong with `value` as an absolute HTTP path, or undefined. */
export function pathProblem(value: string): string | undefined {
  return value.startsWith('/') ? undefined : 'must be an absolute path starting with "/"';
}

/** An absolute HTTP path. */
export function checkPath(scope: IConstruct, prop: string, value: string): void {
  checkRule(scope, prop, value, pathProblem);
}

/**
 * What is wrong with a PodDisruptionBudget's minAvailable over a workload of at least `min` pods
 * (named `minProp`), or undefined: it must leave one pod to evict at the minimum scale.
 */
export function drainableProblem(minAvailable: number, minProp: string, min: number): string | undefined {
  return (
    integerProblem(minAvailable, 1, INT32_MAX, 'pods') ??
    (minAvailable < min ? undefined : `must be less than ${minProp} (${min}), or no node can be drained at the minimum scale`)
  );
}

/** A PodDisruptionBudget's minAvailable must leave one pod to evict at the minimum scale. */
export function checkDrainable(scope: IConstruct, minAvailable: number, minProp: string, min: number): void {
  checkRule(scope, 'disruptionBudget.minAvailable', minAvailable, (v) => drainableProblem(v, `'${minProp}'`, min));
}

/** What is wrong with `value` as a Prometheus duration, or undefined. */
export function durationProblem(value: string): string | undefined {
  return value !== '' && DURATION.test(value) ? undefined : DURATION_RULE;
}

/** A Prometheus duration such as "30s" or "15d". */
export function checkDuration(scope: IConstruct, prop: string, value: string): void {
  checkRule(scope, prop, value, durationProblem);
}

/**
 * The rule of a number in the open interval (min, max), or [min, max] when `inclusive`; `noun`
 * names what it counts ("a number of seconds", "a share of traces").
 */
function rangeRule(min: number, max: number, inclusive: boolean, noun: string): string {
  return `must be ${noun} ${inclusive ? `from ${min} to ${max}` : `greater than ${min} and less than ${max}`}`;
}

/** What is wrong with `value` as a number in the open interval (min, max), or [min, max] when `inclusive`, or undefined. */
export function rangeProblem(value: number, min: number, max: number, inclusive = false, noun = 'a number'): string | undefined {
  const ok = Number.isFinite(value) && (inclusive ? value >= min && value <= max : value > min && value < max);
  return ok ? undefined : rangeRule(min, max, inclusive, noun);
}

/** A number in the open interval (min, max), or [min, max] when `inclusive`. */
export function checkRange(scope: IConstruct, prop: string, value: number, min: number, max: number, inclusive = false, noun = 'a number'): void {
  checkRule(scope, prop, value, (v) => rangeProblem(v, min, max, inclusive, noun));
}

/** An image reference that names its version: a tag or a digest. */
export function checkImage(scope: IConstruct, prop: string, image: string): void {
  if (!hasTagOrDigest(image)) invalidProp(scope, prop, image, PINNED_IMAGE_RULE);
}
