import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { ValkeyCache } from '../cache/valkey-cache';
import { componentLabels } from '../core/labels';
import { checkName, checkRule, rangeProblem } from '../core/validation';
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
/** The defaults of {@link AlertRulesProps}. */
export const ALERT_DEFAULTS = {
  errorRatio: { ratio: 0.05, minRequestsPerSecond: 1 },
  p99LatencySeconds: 1,
  replicationLagSeconds: 1,
  cacheMemoryRatio: 0.9,
} as const;
/** The rules of the thresholds: what is wrong with a value, or undefined. */
export const ALERT_RULES = {
  /** A share of requests or of maxmemory. */
  ratio: (v: number) => rangeProblem(v, 0, 1),
  minRequestsPerSecond: (v: number) => (v >= 0 && Number.isFinite(v) ? undefined : 'must be a number of requests per second, at least 0'),
  seconds: (v: number) => (v > 0 && Number.isFinite(v) ? undefined : 'must be a number of seconds greater than 0'),
} as const;

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
    const errorRatio = props.errorRatio ?? ALERT_DEFAULTS.errorRatio;
    const minRps = errorRatio === false ? 0 : (errorRatio.minRequestsPerSecond ?? ALERT_DEFAULTS.errorRatio.minRequestsPerSecond);
    if (errorRatio !== false) {
      checkRule(this, 'errorRatio.ratio', errorRatio.ratio, ALERT_RULES.ratio);
      checkRule(this, 'errorRatio.minRequestsPerSecond', minRps, ALERT_RULES.minRequestsPerSecond);
    }
    const p99 = props.p99LatencySeconds ?? ALERT_DEFAULTS.p99LatencySeconds;
    if (p99 !== false) checkRule(this, 'p99LatencySeconds', p99, ALERT_RULES.seconds);
    const lag = props.replicationLagSeconds ?? ALERT_DEFAULTS.replicationLagSeconds;
    checkRule(this, 'replicationLagSeconds', lag, ALERT_RULES.seconds);
    const cacheRatio = props.cacheMemoryRatio ?? ALERT_DEFAULTS.cacheMemoryRatio;
    checkRule(this, 'cacheMemoryRatio', cacheRatio, ALERT_RULES.ratio);

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
