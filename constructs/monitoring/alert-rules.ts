import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { CustomResource } from '../core/custom-resource';
import { componentLabels } from '../core/labels';

export interface AlertRulesProps {
  readonly namespace: string;
  /** Thresholds. */
  readonly alerts: EnvironmentConfig['monitoring']['alerts'];
  /** Job label of the backend's metrics (its Service's name). */
  readonly backendJob: string;
  /** CloudNativePG Cluster name. */
  readonly databaseCluster: string;
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
}

/**
 * The app's PrometheusRule: 5xx ratio and p99 latency of the backend (from the
 * `http_requests_total` and `http_request_duration_seconds` histogram it exports), HPAs pinned
 * at their maximum, pods not ready, PostgreSQL replication lag and a missing primary, and a cache
 * near its maxmemory or evicting.
 */
export class AlertRules extends Construct {
  readonly rules: CustomResource;

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    const { namespace: ns, alerts: a } = props;
    const api = `namespace="${ns}", job="${props.backendJob}"`;
    const pg = `namespace="${ns}", pod=~"${props.databaseCluster}-[0-9]+"`;
    const groups: Record<string, Rule[]> = {
      app: [
        {
          alert: 'BackendHighErrorRatio',
          expr:
            `sum(rate(http_requests_total{${api}, status=~"5.."}[5m])) / ` +
            `sum(rate(http_requests_total{${api}}[5m])) > ${a.errorRatio}`,
          for: '5m',
          severity: 'critical',
          summary: `More than ${a.errorRatio * 100}% of backend requests fail with 5xx.`,
        },
        {
          alert: 'BackendHighLatencyP99',
          expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[5m]))) > ${a.p99LatencySeconds}`,
          for: '10m',
          severity: 'warning',
          summary: `Backend p99 latency is above ${a.p99LatencySeconds}s.`,
        },
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
          expr: `sum by (pod) (kube_pod_status_ready{namespace="${ns}", condition="false"}) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'A pod has not been ready for 10 minutes.',
        },
      ],
      database: [
        {
          alert: 'PostgresReplicationLag',
          expr: `max by (pod) (cnpg_pg_replication_lag{${pg}}) > ${a.replicationLagSeconds}`,
          for: '5m',
          severity: 'warning',
          summary: `A PostgreSQL replica lags more than ${a.replicationLagSeconds}s behind the primary.`,
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
          expr: `redis_memory_used_bytes{namespace="${ns}"} / (redis_memory_max_bytes{namespace="${ns}"} > 0) > ${a.cacheMemoryRatio}`,
          for: '10m',
          severity: 'info',
          summary: `The cache uses more than ${a.cacheMemoryRatio * 100}% of maxmemory.`,
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
    this.rules = new CustomResource(this, 'rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      name: 'web-topology',
      namespace: ns,
      labels: componentLabels('alert-rules'),
      spec: {
        groups: Object.entries(groups).map(([name, rules]) => ({
          name: `web-topology.${name}`,
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
