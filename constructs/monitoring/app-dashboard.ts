import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Construct } from 'constructs';
import { componentLabels } from '../core/labels';
import { GRAFANA_DASHBOARD_LABEL } from './prometheus-stack';

export interface AppDashboardProps {
  readonly namespace: string;
  /** Dashboard title. */
  readonly title: string;
  /** Job label of the backend's metrics. */
  readonly backendJob: string;
  /** CloudNativePG Cluster name. */
  readonly databaseCluster: string;
}

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly legend: string;
  readonly unit: string;
}

/**
 * The app's Grafana dashboard as a ConfigMap that Grafana's sidecar loads: traffic, errors and
 * latency of the backend, replicas against HPA bounds, database connections and lag, cache
 * memory and hit ratio.
 */
export class AppDashboard extends Construct {
  constructor(scope: Construct, id: string, props: AppDashboardProps) {
    super(scope, id);
    const ns = props.namespace;
    const api = `namespace="${ns}", job="${props.backendJob}"`;
    const panels: Panel[] = [
      { title: 'Requests per second', expr: `sum by (status) (rate(http_requests_total{${api}}[5m]))`, legend: '{{status}}', unit: 'reqps' },
      {
        title: '5xx ratio',
        expr: `sum(rate(http_requests_total{${api}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${api}}[5m]))`,
        legend: '5xx',
        unit: 'percentunit',
      },
      {
        title: 'Latency p99',
        expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${api}}[5m])))`,
        legend: 'p99',
        unit: 's',
      },
      {
        title: 'Replicas (current vs max)',
        expr: `kube_horizontalpodautoscaler_status_current_replicas{namespace="${ns}"}`,
        legend: '{{horizontalpodautoscaler}}',
        unit: 'short',
      },
      {
        title: 'PostgreSQL backends',
        expr: `sum by (pod) (cnpg_backends_total{namespace="${ns}", pod=~"${props.databaseCluster}-[0-9]+"})`,
        legend: '{{pod}}',
        unit: 'short',
      },
      {
        title: 'Replication lag',
        expr: `max by (pod) (cnpg_pg_replication_lag{namespace="${ns}"})`,
        legend: '{{pod}}',
        unit: 's',
      },
      {
        title: 'Cache memory / maxmemory',
        expr: `redis_memory_used_bytes{namespace="${ns}"} / redis_memory_max_bytes{namespace="${ns}"}`,
        legend: '{{pod}}',
        unit: 'percentunit',
      },
      {
        title: 'Cache hit ratio',
        expr:
          `sum(rate(redis_keyspace_hits_total{namespace="${ns}"}[5m])) / ` +
          `(sum(rate(redis_keyspace_hits_total{namespace="${ns}"}[5m])) + sum(rate(redis_keyspace_misses_total{namespace="${ns}"}[5m])))`,
        legend: 'hit ratio',
        unit: 'percentunit',
      },
    ];
    const dashboard = {
      title: props.title,
      uid: `web-topology-${ns}`.slice(0, 40),
      schemaVersion: 39,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      panels: panels.map((p, i) => ({
        id: i + 1,
        type: 'timeseries',
        title: p.title,
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        targets: [{ refId: 'A', expr: p.expr, legendFormat: p.legend }],
      })),
    };
    new ConfigMapV1(this, 'dashboard', {
      metadata: {
        name: 'web-topology-dashboard',
        namespace: ns,
        labels: { ...componentLabels('dashboard'), [GRAFANA_DASHBOARD_LABEL]: '1' },
      },
      data: { 'web-topology.json': JSON.stringify(dashboard, null, 2) },
    });
  }
}
