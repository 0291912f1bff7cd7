import type { IConstruct } from 'constructs';

/** Units Prometheus accepts in a duration ("30s", "5m", "15d"). */
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * An invalid prop of a monitoring construct: names the construct path, the prop, the value and
 * the rule, as cdk8s-plus does (`'replicas.min' (5) must be ...`).
 */
export class PropError extends Error {
  constructor(scope: IConstruct, prop: string, value: unknown, rule: string) {
    super(`${scope.node.path}: '${prop}' (${JSON.stringify(value)}) ${rule}`);
    this.name = 'PropError';
  }
}

export function checkDuration(scope: IConstruct, prop: string, value: string): void {
  if (!DURATION.test(value)) throw new PropError(scope, prop, value, 'must be a Prometheus duration such as "30s" or "5m"');
}

export function checkName(scope: IConstruct, prop: string, value: string): void {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new PropError(scope, prop, value, 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
  }
}

/** A number in the open interval (min, max), or [min, max] when `inclusive`. */
export function checkRange(scope: IConstruct, prop: string, value: number, min: number, max: number, inclusive = false): void {
  const ok = Number.isFinite(value) && (inclusive ? value >= min && value <= max : value > min && value < max);
  if (!ok) {
    const bounds = inclusive ? `from ${min} to ${max}` : `greater than ${min} and less than ${max}`;
    throw new PropError(scope, prop, value, `must be a number ${bounds}`);
  }
}
