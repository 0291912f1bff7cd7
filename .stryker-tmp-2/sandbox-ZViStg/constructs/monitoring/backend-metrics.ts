/**
 * The backend's HTTP metrics as the alert rules, the objectives and the dashboard query them:
 * a counter `http_requests_total{status}` and a histogram `http_request_duration_seconds`,
 * scraped under the job named after the backend's Service. One place, so a rule and the panel
 * that shows it cannot drift apart.
 */
// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
export class BackendMetrics {
  /** PromQL matchers that select the backend's series. */
  readonly matchers: string;
  constructor(namespace: string, job: string) {
    if (stryMutAct_9fa48("291")) {
      {}
    } else {
      stryCov_9fa48("291");
      this.matchers = stryMutAct_9fa48("292") ? `` : (stryCov_9fa48("292"), `namespace="${namespace}", job="${job}"`);
    }
  }

  /** Requests per second over `window`, optionally narrowed by more matchers. */
  requestRate(window: string, matchers = stryMutAct_9fa48("293") ? "Stryker was here!" : (stryCov_9fa48("293"), '')): string {
    if (stryMutAct_9fa48("294")) {
      {}
    } else {
      stryCov_9fa48("294");
      return stryMutAct_9fa48("295") ? `` : (stryCov_9fa48("295"), `sum(rate(http_requests_total{${this.matchers}${matchers ? stryMutAct_9fa48("296") ? `` : (stryCov_9fa48("296"), `, ${matchers}`) : stryMutAct_9fa48("297") ? "Stryker was here!" : (stryCov_9fa48("297"), '')}}[${window}]))`);
    }
  }

  /** Share of requests answered 5xx over `window`. */
  errorRatio(window: string): string {
    if (stryMutAct_9fa48("298")) {
      {}
    } else {
      stryCov_9fa48("298");
      return stryMutAct_9fa48("299") ? `` : (stryCov_9fa48("299"), `${this.requestRate(window, stryMutAct_9fa48("300") ? "" : (stryCov_9fa48("300"), 'status=~"5.."'))} / ${this.requestRate(window)}`);
    }
  }

  /**
   * Share of requests slower than `seconds` over `window`. The histogram must have a bucket
   * whose upper bound is exactly `seconds`; Prometheus 3 stores `le` in its shortest float
   * form ("1", "0.25"), which is how JavaScript prints the number.
   */
  slowRatio(window: string, seconds: number): string {
    if (stryMutAct_9fa48("301")) {
      {}
    } else {
      stryCov_9fa48("301");
      const count = stryMutAct_9fa48("302") ? `` : (stryCov_9fa48("302"), `sum(rate(http_request_duration_seconds_count{${this.matchers}}[${window}]))`);
      const fast = stryMutAct_9fa48("303") ? `` : (stryCov_9fa48("303"), `sum(rate(http_request_duration_seconds_bucket{${this.matchers}, le="${seconds}"}[${window}]))`);
      return stryMutAct_9fa48("304") ? `` : (stryCov_9fa48("304"), `(${count} - ${fast}) / ${count}`);
    }
  }

  /** The `q` quantile of the request duration over `window`, from the histogram's buckets. */
  latencyQuantile(q: number, window: string): string {
    if (stryMutAct_9fa48("305")) {
      {}
    } else {
      stryCov_9fa48("305");
      return stryMutAct_9fa48("306") ? `` : (stryCov_9fa48("306"), `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${this.matchers}}[${window}])))`);
    }
  }
}