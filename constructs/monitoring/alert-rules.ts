import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { ValkeyCache } from '../cache/valkey-cache';
import { componentLabels } from '../core/labels';
import { checkName, checkRange, invalidProp } from '../core/validation';
import type { PostgresCluster } from '../database/postgres-cluster';
import type { BackendMetrics } from './backend-metrics';
import { KubeStateMetrics } from './kube-state-metrics';

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
  /** The backend's HTTP metrics: its 5xx ratio and latency alerts. */
  readonly backend: BackendMetrics;
  /** The PostgreSQL cluster: its replication and primary alerts. */
  readonly database: Pick<PostgresCluster, 'metrics'>;
  /** The cache: its memory and eviction alerts. */
  readonly cache: Pick<ValkeyCache, 'metrics'>;
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
 * lag and a missing primary, and a cache near its maxmemory or evicting. Each alert comes from
 * the metrics of what it watches (`BackendMetrics`, `KubeStateMetrics`, `PostgresCluster.metrics`,
 * `ValkeyCache.metrics`), as the dashboard's panels do; this construct sets the thresholds.
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

    this.groups = {
      app: [
        ...props.backend.alerts({
          errorRatio: errorRatio === false ? undefined : { ratio: errorRatio.ratio, minRequestsPerSecond: minRps },
          p99LatencySeconds: p99 === false ? undefined : p99,
        }),
        ...new KubeStateMetrics(props.namespace).alerts(),
      ],
      database: props.database.metrics.alerts({ replicationLagSeconds: lag }),
      cache: props.cache.metrics.alerts({ memoryRatio: cacheRatio }),
    };
    this.rule = new CustomResource(this, 'rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      name: this.name,
      namespace: props.namespace,
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
