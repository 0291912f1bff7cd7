/**
 * The backend's HTTP metrics as the alert rules, the objectives and the dashboard query them:
 * a counter `http_requests_total{status}` and a histogram `http_request_duration_seconds`,
 * scraped under the job named after the backend's Service. One place, so a rule and the panel
 * that shows it cannot drift apart.
 */
// @ts-nocheck

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
}
