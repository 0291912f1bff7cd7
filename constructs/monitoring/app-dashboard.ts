import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Construct } from 'constructs';
import type { ValkeyCache } from '../cache/valkey-cache';
import { componentLabels } from '../core/labels';
import { checkName, invalidProp } from '../core/validation';
import type { PostgresCluster } from '../database/postgres-cluster';
import type { BackendMetrics } from './backend-metrics';
import { KubeStateMetrics } from './kube-state-metrics';
import { GRAFANA_DASHBOARD_LABEL } from './prometheus-stack';
import type { ServiceLevelObjectives } from './service-level-objectives';

export interface AppDashboardProps {
  readonly namespace: string;
  /** Name of the ConfigMap. @default "web-topology-dashboard" */
  readonly name?: string;
  /** Dashboard title. */
  readonly title: string;
  /** The backend's HTTP metrics. */
  readonly backend: BackendMetrics;
  /** The PostgreSQL cluster whose instances it draws. */
  readonly database: Pick<PostgresCluster, 'metrics'>;
  /** The cache whose exporter it draws. */
  readonly cache: Pick<ValkeyCache, 'metrics'>;
  /** Adds an error-budget row for each objective. @default no error-budget row */
  readonly objectives?: ServiceLevelObjectives;
}

/** One query of a panel and its legend. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

interface Panel {
  readonly title: string;
  readonly queries: readonly PanelQuery[];
  readonly unit: string;
}

const DEFAULT_NAME = 'web-topology-dashboard';
/** Key of the dashboard JSON in the ConfigMap. */
export const DASHBOARD_KEY = 'web-topology.json';

/**
 * The app's Grafana dashboard as a ConfigMap that Grafana's sidecar loads: traffic, errors and
 * latency of the backend, replicas against HPA bounds, database connections and lag, cache
 * memory and hit ratio, and, with objectives, a row of error budgets and burn rates. Every
 * query comes from the metrics of what it draws, as the alert rules' expressions do.
 */
export class AppDashboard extends Construct {
  readonly configMap: ConfigMapV1;
  /** Every PromQL query of the dashboard, in panel order. */
  readonly queries: readonly string[];

  constructor(scope: Construct, id: string, props: AppDashboardProps) {
    super(scope, id);
    const name = props.name ?? DEFAULT_NAME;
    checkName(this, 'name', name);
    if (props.title.trim() === '') invalidProp(this, 'title', props.title, 'must not be empty');
    const ns = props.namespace;
    const api = props.backend;
    const kube = new KubeStateMetrics(ns);
    const pg = props.database.metrics;
    const cache = props.cache.metrics;
    const one = (expr: string, legend: string) => [{ expr, legend }];
    const rows: [string, Panel[]][] = [
      [
        'Service',
        [
          { title: 'Requests per second', queries: one(api.requestRateByStatus('5m'), '{{status}}'), unit: 'reqps' },
          { title: '5xx ratio', queries: one(api.errorRatio('5m'), '5xx'), unit: 'percentunit' },
          { title: 'Latency p99', queries: one(api.latencyQuantile(0.99, '5m'), 'p99'), unit: 's' },
          {
            title: 'Replicas (current vs max)',
            queries: [
              { expr: kube.hpaCurrentReplicas, legend: '{{horizontalpodautoscaler}} current' },
              { expr: kube.hpaMaxReplicas, legend: '{{horizontalpodautoscaler}} max' },
            ],
            unit: 'short',
          },
        ],
      ],
      [
        'Data',
        [
          { title: 'PostgreSQL backends', queries: one(pg.backends, '{{pod}}'), unit: 'short' },
          { title: 'Replication lag', queries: one(pg.replicationLag, '{{pod}}'), unit: 's' },
          { title: 'Cache memory / maxmemory', queries: one(cache.memoryRatio, '{{pod}}'), unit: 'percentunit' },
          { title: 'Cache hit ratio', queries: one(cache.hitRatio('5m'), 'hit ratio'), unit: 'percentunit' },
        ],
      ],
    ];
    const slos = props.objectives;
    if (slos !== undefined) {
      rows.push([
        `Error budget (${slos.windowDays} days)`,
        slos.objectives.flatMap((o) => [
          {
            title: `${o.slo}: error budget remaining`,
            queries: one(`1 - ${slos.errorRatio(o, 'compliance')} / ${o.errorBudget}`, 'remaining'),
            unit: 'percentunit',
          },
          {
            title: `${o.slo}: burn rate (page at ${o.burnRates['1h']}× over 1h, ticket at ${o.burnRates['3d']}× over 3d)`,
            queries: (['1h', '6h', '1d', '3d'] as const).map((w) => ({ expr: `${slos.errorRatio(o, w)} / ${o.errorBudget}`, legend: w })),
            unit: 'short',
          },
        ]),
      ]);
    }

    let panelId = 0;
    let y = 0;
    const panels: Record<string, unknown>[] = [];
    for (const [rowTitle, rowPanels] of rows) {
      panels.push({ id: ++panelId, type: 'row', title: rowTitle, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ } });
      rowPanels.forEach((p, i) => {
        panels.push({
          id: ++panelId,
          type: 'timeseries',
          title: p.title,
          gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
          fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
          targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), expr: q.expr, legendFormat: q.legend })),
        });
      });
      y += Math.ceil(rowPanels.length / 2) * 8;
    }
    this.queries = rows.flatMap(([, ps]) => ps.flatMap((p) => p.queries.map((q) => q.expr)));

    const dashboard = {
      title: props.title,
      uid: `web-topology-${ns}`.slice(0, 40),
      schemaVersion: 39,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      panels,
    };
    this.configMap = new ConfigMapV1(this, 'dashboard', {
      metadata: {
        name,
        namespace: ns,
        labels: { ...componentLabels(this, 'dashboard'), [GRAFANA_DASHBOARD_LABEL]: '1' },
      },
      data: { [DASHBOARD_KEY]: JSON.stringify(dashboard, null, 2) },
    });
  }
}
