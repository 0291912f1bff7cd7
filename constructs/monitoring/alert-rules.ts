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

const DEFAULT_NAME = 'web-topology';
const DEFAULT_ERROR_RATIO: ErrorRatioAlert = { ratio: 0.05, minRequestsPerSecond: 1 };
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
    super(scope, id);
    this.name = props.name ?? DEFAULT_NAME;
    checkName(this, 'name', this.name);
    const errorRatio = props.errorRatio ?? DEFAULT_ERROR_RATIO;
    const minRps = errorRatio === false ? 0 : (errorRatio.minRequestsPerSecond ?? DEFAULT_MIN_REQUESTS_PER_SECOND);
    if (errorRatio !== false) {
      checkRange(this, 'errorRatio.ratio', errorRatio.ratio, 0, 1);
      if (!(minRps >= 0 && Number.isFinite(minRps))) invalidProp(this, 'errorRatio.minRequestsPerSecond', minRps, 'must be a number of at least 0');
    }
    const p99 = props.p99LatencySeconds ?? DEFAULT_P99_LATENCY_SECONDS;
    if (p99 !== false && !(p99 > 0 && Number.isFinite(p99))) invalidProp(this, 'p99LatencySeconds', p99, 'must be a number of seconds greater than 0');
    const lag = props.replicationLagSeconds ?? DEFAULT_REPLICATION_LAG_SECONDS;
    if (!(lag > 0 && Number.isFinite(lag))) invalidProp(this, 'replicationLagSeconds', lag, 'must be a number of seconds greater than 0');
    const cacheRatio = props.cacheMemoryRatio ?? DEFAULT_CACHE_MEMORY_RATIO;
    checkRange(this, 'cacheMemoryRatio', cacheRatio, 0, 1);

    const ns = props.namespace;
    const api = new BackendMetrics(ns, props.backendJob);
    const pg = `namespace="${ns}", pod=~"${props.databaseCluster}-[0-9]+"`;
    const app: AlertRule[] = [];
    if (errorRatio !== false) {
      app.push({
        alert: 'BackendHighErrorRatio',
        expr: `(${api.errorRatio('5m')} > ${errorRatio.ratio}) and (${api.requestRate('5m')} > ${minRps})`,
        for: '5m',
        severity: 'critical',
        summary: `More than ${errorRatio.ratio * 100}% of backend requests fail with 5xx (at more than ${minRps} requests/s).`,
      });
    }
    if (p99 !== false) {
      app.push({
        alert: 'BackendHighLatencyP99',
        expr: `${api.latencyQuantile(0.99, '5m')} > ${p99}`,
        for: '10m',
        severity: 'warning',
        summary: `Backend p99 latency is above ${p99}s.`,
      });
    }
    app.push(
      {
        alert: 'HpaAtMaxReplicas',
        expr:
          `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}"} >= ` +
          `kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}"}`,
        for: '15m',
        severity: 'warning',
        summary: 'An HPA has been at its maximum replicas for 15 minutes: raise the maximum or find the load.',
      },
      {
        alert: 'PodsNotReady',
        // kube-state-metrics reports readiness "unknown" for a pod whose node stopped reporting.
        expr: `sum by (pod) (kube_pod_status_ready{namespace="${ns}", condition=~"false|unknown"}) > 0`,
        for: '10m',
        severity: 'warning',
        summary: 'A pod has not been ready for 10 minutes.',
      },
    );
    this.groups = {
      app,
      database: [
        {
          alert: 'PostgresReplicationLag',
          expr: `max by (pod) (cnpg_pg_replication_lag{${pg}}) > ${lag}`,
          for: '5m',
          severity: 'warning',
          summary: `A PostgreSQL replica lags more than ${lag}s behind the primary.`,
        },
        {
          alert: 'PostgresNoPrimary',
          // No instance reports that it is out of recovery (or none reports at all).
          expr: `(count(cnpg_pg_replication_in_recovery{${pg}} == 0) or vector(0)) < 1`,
          for: '1m',
          severity: 'critical',
          summary: 'No PostgreSQL instance is the primary: writes fail.',
        },
      ],
      cache: [
        {
          alert: 'CacheNearMaxmemory',
          expr: `redis_memory_used_bytes{namespace="${ns}"} / (redis_memory_max_bytes{namespace="${ns}"} > 0) > ${cacheRatio}`,
          for: '10m',
          severity: 'info',
          summary: `The cache uses more than ${cacheRatio * 100}% of maxmemory.`,
        },
        {
          alert: 'CacheEvicting',
          expr: `rate(redis_evicted_keys_total{namespace="${ns}"}[5m]) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'The cache has been evicting keys for 15 minutes: it is too small for the working set.',
        },
      ],
    };
    this.rule = new CustomResource(this, 'rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      name: this.name,
      namespace: ns,
      labels: componentLabels(this, 'alert-rules'),
      spec: {
        groups: Object.entries(this.groups).map(([group, rules]) => ({
          name: `${this.name}.${group}`,
          rules: rules.map((r) => ({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity },
            annotations: { summary: r.summary },
          })),
        })),
      },
    });
  }
}
