/**
 * Prop checks of the monitoring constructs, on top of constructs/core/validation.ts: errors
 * name the construct path, the prop, the value and the rule.
 */
import type { IConstruct } from 'constructs';
import { invalidProp } from '../core/validation';

/** Units Prometheus accepts in a duration ("30s", "5m", "15d"). */
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

export function checkDuration(scope: IConstruct, prop: string, value: string): void {
  if (!DURATION.test(value)) invalidProp(scope, prop, value, 'must be a Prometheus duration such as "30s" or "5m"');
}

/** A number in the open interval (min, max), or [min, max] when `inclusive`. */
export function checkRange(scope: IConstruct, prop: string, value: number, min: number, max: number, inclusive = false): void {
  const ok = Number.isFinite(value) && (inclusive ? value >= min && value <= max : value > min && value < max);
  if (!ok) invalidProp(scope, prop, value, `must be a number ${inclusive ? `from ${min} to ${max}` : `greater than ${min} and less than ${max}`}`);
}

/** A positive, finite number (seconds, requests per second). */
export function checkPositive(scope: IConstruct, prop: string, value: number, what: string, orZero = false): void {
  const ok = Number.isFinite(value) && (orZero ? value >= 0 : value > 0);
  if (!ok) invalidProp(scope, prop, value, orZero ? `must be a number of ${what} of at least 0` : `must be a number of ${what} greater than 0`);
}
