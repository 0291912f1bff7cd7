import type { AlertRule } from './alert-rules';

/** Thresholds of the backend's alerts; an alert left out is not made (an objective covers it). */
export interface BackendAlertThresholds {
  /** Page above this share of 5xx responses, once traffic exceeds `minRequestsPerSecond`. */
  readonly errorRatio?: { readonly ratio: number; readonly minRequestsPerSecond: number };
  /** Warn above this p99 latency in seconds. */
  readonly p99LatencySeconds?: number;
}

/**
 * The backend's HTTP metrics as the alert rules, the objectives and the dashboard query them:
 * a counter `http_requests_total{status}` and a histogram `http_request_duration_seconds`,
 * scraped under the job named after the backend's Service; and the alerts that belong to them.
 * One place, so a rule and the panel that shows it cannot drift apart.
 */
export class BackendMetrics {
  /** PromQL matchers that select the backend's series. */
  readonly matchers: string;

  constructor(namespace: string, job: string) {
    this.matchers = `namespace="${namespace}", job="${job}"`;
  }

  /** Requests per second over `window`, optionally narrowed by more matchers. */
  requestRate(window: string, matchers = ''): string {
    return `sum(rate(http_requests_total{${this.matchers}${matchers ? `, ${matchers}` : ''}}[${window}]))`;
  }

  /** Requests per second over `window`, by response status. */
  requestRateByStatus(window: string): string {
    return `sum by (status) (rate(http_requests_total{${this.matchers}}[${window}]))`;
  }

  /** Share of requests answered 5xx over `window`. */
  errorRatio(window: string): string {
    return `${this.requestRate(window, 'status=~"5.."')} / ${this.requestRate(window)}`;
  }

  /**
   * Share of requests slower than `seconds` over `window`. The histogram must have a bucket
   * whose upper bound is exactly `seconds`; Prometheus 3 stores `le` in its shortest float
   * form ("1", "0.25"), which is how JavaScript prints the number.
   */
  slowRatio(window: string, seconds: number): string {
    const count = `sum(rate(http_request_duration_seconds_count{${this.matchers}}[${window}]))`;
    const fast = `sum(rate(http_request_duration_seconds_bucket{${this.matchers}, le="${seconds}"}[${window}]))`;
    return `(${count} - ${fast}) / ${count}`;
  }

  /** The `q` quantile of the request duration over `window`, from the histogram's buckets. */
  latencyQuantile(q: number, window: string): string {
    return `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${this.matchers}}[${window}])))`;
  }

  /** The 5xx ratio (above a minimum traffic) and the p99 latency, as far as thresholds are given. */
  alerts(t: BackendAlertThresholds): AlertRule[] {
    const rules: AlertRule[] = [];
    if (t.errorRatio !== undefined) {
      const { ratio, minRequestsPerSecond: minRps } = t.errorRatio;
      rules.push({
        alert: 'BackendHighErrorRatio',
        expr: `(${this.errorRatio('5m')} > ${ratio}) and (${this.requestRate('5m')} > ${minRps})`,
        for: '5m',
        severity: 'critical',
        summary: `More than ${ratio * 100}% of backend requests fail with 5xx (at more than ${minRps} requests/s).`,
      });
    }
    if (t.p99LatencySeconds !== undefined) {
      rules.push({
        alert: 'BackendHighLatencyP99',
        expr: `${this.latencyQuantile(0.99, '5m')} > ${t.p99LatencySeconds}`,
        for: '10m',
        severity: 'warning',
        summary: `Backend p99 latency is above ${t.p99LatencySeconds}s.`,
      });
    }
    return rules;
  }
}
