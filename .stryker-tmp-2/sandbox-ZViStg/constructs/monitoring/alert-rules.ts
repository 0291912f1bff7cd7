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
import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import { componentLabels } from '../core/labels';
import { BackendMetrics } from './backend-metrics';
import { checkName, checkRange, invalidProp } from '../core/validation';

/** The backend's 5xx alert: a share of failed requests, once there is enough traffic to judge. */
export interface ErrorRatioAlert {
  /** Share of requests answered 5xx, between 0 and 1 (0.05 = 5 %). */
  readonly ratio: number;
  /**
   * Requests per second below which the ratio is not judged, so that one failed request at
   * night (a 100 % ratio) does not page.
   * @default 1
   */
  readonly minRequestsPerSecond?: number;
}
export interface AlertRulesProps {
  readonly namespace: string;
  /** Name of the PrometheusRule. @default "web-topology" */
  readonly name?: string;
  /** Job label of the backend's metrics (its Service's name). */
  readonly backendJob: string;
  /** CloudNativePG Cluster name; its instances are the pods `<name>-<n>`. */
  readonly databaseCluster: string;
  /**
   * Page on the backend's 5xx ratio; `false` where an availability objective covers errors.
   * @default { ratio: 0.05, minRequestsPerSecond: 1 }
   */
  readonly errorRatio?: ErrorRatioAlert | false;
  /** Warn above this p99 latency in seconds; `false` where a latency objective covers it. @default 1 */
  readonly p99LatencySeconds?: number | false;
  /** Warn when a PostgreSQL replica lags more than this many seconds. @default 1 */
  readonly replicationLagSeconds?: number;
  /** Inform when the cache uses more than this share of maxmemory (0–1). @default 0.9 */
  readonly cacheMemoryRatio?: number;
}

/** One alerting rule as the PrometheusRule carries it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration the condition must hold before the alert fires. */
  readonly for: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
}
const DEFAULT_NAME = stryMutAct_9fa48("0") ? "" : (stryCov_9fa48("0"), 'web-topology');
const DEFAULT_ERROR_RATIO: ErrorRatioAlert = stryMutAct_9fa48("1") ? {} : (stryCov_9fa48("1"), {
  ratio: 0.05,
  minRequestsPerSecond: 1
});
const DEFAULT_MIN_REQUESTS_PER_SECOND = 1;
const DEFAULT_P99_LATENCY_SECONDS = 1;
const DEFAULT_REPLICATION_LAG_SECONDS = 1;
const DEFAULT_CACHE_MEMORY_RATIO = 0.9;

/**
 * The app's threshold alerts as one PrometheusRule: the backend's 5xx ratio (above a minimum
 * traffic) and p99 latency unless objectives cover them, HPAs pinned at their maximum, pods
 * not ready (readiness false or unknown, as for a pod on a lost node), PostgreSQL replication
 * lag and a missing primary, and a cache near its maxmemory or evicting.
 */
export class AlertRules extends Construct {
  readonly rule: CustomResource;
  /** Name of the PrometheusRule. */
  readonly name: string;
  /** The rules by group, as synthesized. */
  readonly groups: Readonly<Record<string, readonly AlertRule[]>>;
  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    if (stryMutAct_9fa48("2")) {
      {}
    } else {
      stryCov_9fa48("2");
      super(scope, id);
      this.name = stryMutAct_9fa48("3") ? props.name && DEFAULT_NAME : (stryCov_9fa48("3"), props.name ?? DEFAULT_NAME);
      checkName(this, stryMutAct_9fa48("5") ? "" : (stryCov_9fa48("5"), 'name'), this.name);
      const errorRatio = stryMutAct_9fa48("6") ? props.errorRatio && DEFAULT_ERROR_RATIO : (stryCov_9fa48("6"), props.errorRatio ?? DEFAULT_ERROR_RATIO);
      const minRps = (stryMutAct_9fa48("9") ? errorRatio !== false : stryMutAct_9fa48("8") ? false : stryMutAct_9fa48("7") ? true : (stryCov_9fa48("7", "8", "9"), errorRatio === (stryMutAct_9fa48("10") ? true : (stryCov_9fa48("10"), false)))) ? 0 : stryMutAct_9fa48("11") ? errorRatio.minRequestsPerSecond && DEFAULT_MIN_REQUESTS_PER_SECOND : (stryCov_9fa48("11"), errorRatio.minRequestsPerSecond ?? DEFAULT_MIN_REQUESTS_PER_SECOND);
      if (stryMutAct_9fa48("14") ? errorRatio === false : stryMutAct_9fa48("13") ? false : stryMutAct_9fa48("12") ? true : (stryCov_9fa48("12", "13", "14"), errorRatio !== (stryMutAct_9fa48("15") ? true : (stryCov_9fa48("15"), false)))) {
        if (stryMutAct_9fa48("16")) {
          {}
        } else {
          stryCov_9fa48("16");
          checkRange(this, stryMutAct_9fa48("18") ? "" : (stryCov_9fa48("18"), 'errorRatio.ratio'), errorRatio.ratio, 0, 1);
          if (stryMutAct_9fa48("21") ? false : stryMutAct_9fa48("20") ? true : stryMutAct_9fa48("19") ? minRps >= 0 && Number.isFinite(minRps) : (stryCov_9fa48("19", "20", "21"), !(stryMutAct_9fa48("24") ? minRps >= 0 || Number.isFinite(minRps) : stryMutAct_9fa48("23") ? false : stryMutAct_9fa48("22") ? true : (stryCov_9fa48("22", "23", "24"), (stryMutAct_9fa48("27") ? minRps < 0 : stryMutAct_9fa48("26") ? minRps > 0 : stryMutAct_9fa48("25") ? true : (stryCov_9fa48("25", "26", "27"), minRps >= 0)) && Number.isFinite(minRps))))) invalidProp(this, stryMutAct_9fa48("29") ? "" : (stryCov_9fa48("29"), 'errorRatio.minRequestsPerSecond'), minRps, stryMutAct_9fa48("30") ? "" : (stryCov_9fa48("30"), 'must be a number of at least 0'));
        }
      }
      const p99 = stryMutAct_9fa48("31") ? props.p99LatencySeconds && DEFAULT_P99_LATENCY_SECONDS : (stryCov_9fa48("31"), props.p99LatencySeconds ?? DEFAULT_P99_LATENCY_SECONDS);
      if (stryMutAct_9fa48("34") ? p99 !== false || !(p99 > 0 && Number.isFinite(p99)) : stryMutAct_9fa48("33") ? false : stryMutAct_9fa48("32") ? true : (stryCov_9fa48("32", "33", "34"), (stryMutAct_9fa48("36") ? p99 === false : stryMutAct_9fa48("35") ? true : (stryCov_9fa48("35", "36"), p99 !== (stryMutAct_9fa48("37") ? true : (stryCov_9fa48("37"), false)))) && (stryMutAct_9fa48("38") ? p99 > 0 && Number.isFinite(p99) : (stryCov_9fa48("38"), !(stryMutAct_9fa48("41") ? p99 > 0 || Number.isFinite(p99) : stryMutAct_9fa48("40") ? false : stryMutAct_9fa48("39") ? true : (stryCov_9fa48("39", "40", "41"), (stryMutAct_9fa48("44") ? p99 <= 0 : stryMutAct_9fa48("43") ? p99 >= 0 : stryMutAct_9fa48("42") ? true : (stryCov_9fa48("42", "43", "44"), p99 > 0)) && Number.isFinite(p99))))))) invalidProp(this, stryMutAct_9fa48("46") ? "" : (stryCov_9fa48("46"), 'p99LatencySeconds'), p99, stryMutAct_9fa48("47") ? "" : (stryCov_9fa48("47"), 'must be a number of seconds greater than 0'));
      const lag = stryMutAct_9fa48("48") ? props.replicationLagSeconds && DEFAULT_REPLICATION_LAG_SECONDS : (stryCov_9fa48("48"), props.replicationLagSeconds ?? DEFAULT_REPLICATION_LAG_SECONDS);
      if (stryMutAct_9fa48("51") ? false : stryMutAct_9fa48("50") ? true : stryMutAct_9fa48("49") ? lag > 0 && Number.isFinite(lag) : (stryCov_9fa48("49", "50", "51"), !(stryMutAct_9fa48("54") ? lag > 0 || Number.isFinite(lag) : stryMutAct_9fa48("53") ? false : stryMutAct_9fa48("52") ? true : (stryCov_9fa48("52", "53", "54"), (stryMutAct_9fa48("57") ? lag <= 0 : stryMutAct_9fa48("56") ? lag >= 0 : stryMutAct_9fa48("55") ? true : (stryCov_9fa48("55", "56", "57"), lag > 0)) && Number.isFinite(lag))))) invalidProp(this, stryMutAct_9fa48("59") ? "" : (stryCov_9fa48("59"), 'replicationLagSeconds'), lag, stryMutAct_9fa48("60") ? "" : (stryCov_9fa48("60"), 'must be a number of seconds greater than 0'));
      const cacheRatio = stryMutAct_9fa48("61") ? props.cacheMemoryRatio && DEFAULT_CACHE_MEMORY_RATIO : (stryCov_9fa48("61"), props.cacheMemoryRatio ?? DEFAULT_CACHE_MEMORY_RATIO);
      checkRange(this, stryMutAct_9fa48("63") ? "" : (stryCov_9fa48("63"), 'cacheMemoryRatio'), cacheRatio, 0, 1);
      const ns = props.namespace;
      const api = new BackendMetrics(ns, props.backendJob);
      const pg = stryMutAct_9fa48("64") ? `` : (stryCov_9fa48("64"), `namespace="${ns}", pod=~"${props.databaseCluster}-[0-9]+"`);
      const app: AlertRule[] = stryMutAct_9fa48("65") ? ["Stryker was here"] : (stryCov_9fa48("65"), []);
      if (stryMutAct_9fa48("68") ? errorRatio === false : stryMutAct_9fa48("67") ? false : stryMutAct_9fa48("66") ? true : (stryCov_9fa48("66", "67", "68"), errorRatio !== (stryMutAct_9fa48("69") ? true : (stryCov_9fa48("69"), false)))) {
        if (stryMutAct_9fa48("70")) {
          {}
        } else {
          stryCov_9fa48("70");
          app.push(stryMutAct_9fa48("72") ? {} : (stryCov_9fa48("72"), {
            alert: stryMutAct_9fa48("73") ? "" : (stryCov_9fa48("73"), 'BackendHighErrorRatio'),
            expr: stryMutAct_9fa48("74") ? `` : (stryCov_9fa48("74"), `(${api.errorRatio(stryMutAct_9fa48("75") ? "" : (stryCov_9fa48("75"), '5m'))} > ${errorRatio.ratio}) and (${api.requestRate(stryMutAct_9fa48("76") ? "" : (stryCov_9fa48("76"), '5m'))} > ${minRps})`),
            for: stryMutAct_9fa48("77") ? "" : (stryCov_9fa48("77"), '5m'),
            severity: stryMutAct_9fa48("78") ? "" : (stryCov_9fa48("78"), 'critical'),
            summary: stryMutAct_9fa48("79") ? `` : (stryCov_9fa48("79"), `More than ${stryMutAct_9fa48("80") ? errorRatio.ratio / 100 : (stryCov_9fa48("80"), errorRatio.ratio * 100)}% of backend requests fail with 5xx (at more than ${minRps} requests/s).`)
          }));
        }
      }
      if (stryMutAct_9fa48("83") ? p99 === false : stryMutAct_9fa48("82") ? false : stryMutAct_9fa48("81") ? true : (stryCov_9fa48("81", "82", "83"), p99 !== (stryMutAct_9fa48("84") ? true : (stryCov_9fa48("84"), false)))) {
        if (stryMutAct_9fa48("85")) {
          {}
        } else {
          stryCov_9fa48("85");
          app.push(stryMutAct_9fa48("87") ? {} : (stryCov_9fa48("87"), {
            alert: stryMutAct_9fa48("88") ? "" : (stryCov_9fa48("88"), 'BackendHighLatencyP99'),
            expr: stryMutAct_9fa48("89") ? `` : (stryCov_9fa48("89"), `${api.latencyQuantile(0.99, stryMutAct_9fa48("90") ? "" : (stryCov_9fa48("90"), '5m'))} > ${p99}`),
            for: stryMutAct_9fa48("91") ? "" : (stryCov_9fa48("91"), '10m'),
            severity: stryMutAct_9fa48("92") ? "" : (stryCov_9fa48("92"), 'warning'),
            summary: stryMutAct_9fa48("93") ? `` : (stryCov_9fa48("93"), `Backend p99 latency is above ${p99}s.`)
          }));
        }
      }
      app.push(stryMutAct_9fa48("95") ? {} : (stryCov_9fa48("95"), {
        alert: stryMutAct_9fa48("96") ? "" : (stryCov_9fa48("96"), 'HpaAtMaxReplicas'),
        expr: (stryMutAct_9fa48("97") ? `` : (stryCov_9fa48("97"), `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}"} >= `)) + (stryMutAct_9fa48("98") ? `` : (stryCov_9fa48("98"), `kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}"}`)),
        for: stryMutAct_9fa48("99") ? "" : (stryCov_9fa48("99"), '15m'),
        severity: stryMutAct_9fa48("100") ? "" : (stryCov_9fa48("100"), 'warning'),
        summary: stryMutAct_9fa48("101") ? "" : (stryCov_9fa48("101"), 'An HPA has been at its maximum replicas for 15 minutes: raise the maximum or find the load.')
      }), stryMutAct_9fa48("102") ? {} : (stryCov_9fa48("102"), {
        alert: stryMutAct_9fa48("103") ? "" : (stryCov_9fa48("103"), 'PodsNotReady'),
        // kube-state-metrics reports readiness "unknown" for a pod whose node stopped reporting.
        expr: stryMutAct_9fa48("104") ? `` : (stryCov_9fa48("104"), `sum by (pod) (kube_pod_status_ready{namespace="${ns}", condition=~"false|unknown"}) > 0`),
        for: stryMutAct_9fa48("105") ? "" : (stryCov_9fa48("105"), '10m'),
        severity: stryMutAct_9fa48("106") ? "" : (stryCov_9fa48("106"), 'warning'),
        summary: stryMutAct_9fa48("107") ? "" : (stryCov_9fa48("107"), 'A pod has not been ready for 10 minutes.')
      }));
      this.groups = stryMutAct_9fa48("108") ? {} : (stryCov_9fa48("108"), {
        app,
        database: stryMutAct_9fa48("109") ? [] : (stryCov_9fa48("109"), [stryMutAct_9fa48("110") ? {} : (stryCov_9fa48("110"), {
          alert: stryMutAct_9fa48("111") ? "" : (stryCov_9fa48("111"), 'PostgresReplicationLag'),
          expr: stryMutAct_9fa48("112") ? `` : (stryCov_9fa48("112"), `max by (pod) (cnpg_pg_replication_lag{${pg}}) > ${lag}`),
          for: stryMutAct_9fa48("113") ? "" : (stryCov_9fa48("113"), '5m'),
          severity: stryMutAct_9fa48("114") ? "" : (stryCov_9fa48("114"), 'warning'),
          summary: stryMutAct_9fa48("115") ? `` : (stryCov_9fa48("115"), `A PostgreSQL replica lags more than ${lag}s behind the primary.`)
        }), stryMutAct_9fa48("116") ? {} : (stryCov_9fa48("116"), {
          alert: stryMutAct_9fa48("117") ? "" : (stryCov_9fa48("117"), 'PostgresNoPrimary'),
          // No instance reports that it is out of recovery (or none reports at all).
          expr: stryMutAct_9fa48("118") ? `` : (stryCov_9fa48("118"), `(count(cnpg_pg_replication_in_recovery{${pg}} == 0) or vector(0)) < 1`),
          for: stryMutAct_9fa48("119") ? "" : (stryCov_9fa48("119"), '1m'),
          severity: stryMutAct_9fa48("120") ? "" : (stryCov_9fa48("120"), 'critical'),
          summary: stryMutAct_9fa48("121") ? "" : (stryCov_9fa48("121"), 'No PostgreSQL instance is the primary: writes fail.')
        })]),
        cache: stryMutAct_9fa48("122") ? [] : (stryCov_9fa48("122"), [stryMutAct_9fa48("123") ? {} : (stryCov_9fa48("123"), {
          alert: stryMutAct_9fa48("124") ? "" : (stryCov_9fa48("124"), 'CacheNearMaxmemory'),
          expr: stryMutAct_9fa48("125") ? `` : (stryCov_9fa48("125"), `redis_memory_used_bytes{namespace="${ns}"} / (redis_memory_max_bytes{namespace="${ns}"} > 0) > ${cacheRatio}`),
          for: stryMutAct_9fa48("126") ? "" : (stryCov_9fa48("126"), '10m'),
          severity: stryMutAct_9fa48("127") ? "" : (stryCov_9fa48("127"), 'info'),
          summary: stryMutAct_9fa48("128") ? `` : (stryCov_9fa48("128"), `The cache uses more than ${stryMutAct_9fa48("129") ? cacheRatio / 100 : (stryCov_9fa48("129"), cacheRatio * 100)}% of maxmemory.`)
        }), stryMutAct_9fa48("130") ? {} : (stryCov_9fa48("130"), {
          alert: stryMutAct_9fa48("131") ? "" : (stryCov_9fa48("131"), 'CacheEvicting'),
          expr: stryMutAct_9fa48("132") ? `` : (stryCov_9fa48("132"), `rate(redis_evicted_keys_total{namespace="${ns}"}[5m]) > 0`),
          for: stryMutAct_9fa48("133") ? "" : (stryCov_9fa48("133"), '15m'),
          severity: stryMutAct_9fa48("134") ? "" : (stryCov_9fa48("134"), 'warning'),
          summary: stryMutAct_9fa48("135") ? "" : (stryCov_9fa48("135"), 'The cache has been evicting keys for 15 minutes: it is too small for the working set.')
        })])
      });
      this.rule = new CustomResource(this, stryMutAct_9fa48("136") ? "" : (stryCov_9fa48("136"), 'rule'), stryMutAct_9fa48("137") ? {} : (stryCov_9fa48("137"), {
        apiVersion: stryMutAct_9fa48("138") ? "" : (stryCov_9fa48("138"), 'monitoring.coreos.com/v1'),
        kind: stryMutAct_9fa48("139") ? "" : (stryCov_9fa48("139"), 'PrometheusRule'),
        name: this.name,
        namespace: ns,
        labels: componentLabels(stryMutAct_9fa48("140") ? "" : (stryCov_9fa48("140"), 'alert-rules')),
        spec: stryMutAct_9fa48("141") ? {} : (stryCov_9fa48("141"), {
          groups: Object.entries(this.groups).map(stryMutAct_9fa48("142") ? () => undefined : (stryCov_9fa48("142"), ([group, rules]) => stryMutAct_9fa48("143") ? {} : (stryCov_9fa48("143"), {
            name: stryMutAct_9fa48("144") ? `` : (stryCov_9fa48("144"), `${this.name}.${group}`),
            rules: rules.map(stryMutAct_9fa48("145") ? () => undefined : (stryCov_9fa48("145"), r => stryMutAct_9fa48("146") ? {} : (stryCov_9fa48("146"), {
              alert: r.alert,
              expr: r.expr,
              for: r.for,
              labels: stryMutAct_9fa48("147") ? {} : (stryCov_9fa48("147"), {
                severity: r.severity
              }),
              annotations: stryMutAct_9fa48("148") ? {} : (stryCov_9fa48("148"), {
                summary: r.summary
              })
            })))
          })))
        })
      }));
    }
  }
}