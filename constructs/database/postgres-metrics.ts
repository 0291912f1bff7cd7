import type { AlertRule } from '../monitoring/alert-rules';

/** Thresholds of a PostgreSQL cluster's alerts. */
export interface PostgresAlertThresholds {
  /** Warn when a replica lags more than this many seconds. */
  readonly replicationLagSeconds: number;
}

/**
 * The series CloudNativePG's instance manager exports for one Cluster (its default monitoring
 * queries, config/manager/default-monitoring.yaml, prefixed `cnpg_`), as the alert rules and the
 * dashboard query them, and the alerts that belong to them: one place, so a rule and the panel
 * that shows it cannot drift apart.
 */
export class PostgresMetrics {
  /** PromQL matchers that select the Cluster's instances, not its poolers or Jobs. */
  readonly matchers: string;
  /** Client backends of each instance. */
  readonly backends: string;
  /** Seconds each instance replays behind the primary (0 on the primary). */
  readonly replicationLag: string;
  /** Instances out of recovery (primaries), 0 when none reports. */
  readonly primaries: string;

  /** @param instancePods regular expression of the instances' pod names */
  constructor(namespace: string, instancePods: string) {
    this.matchers = `namespace="${namespace}", pod=~"${instancePods}"`;
    this.backends = `sum by (pod) (cnpg_backends_total{${this.matchers}})`;
    this.replicationLag = `max by (pod) (cnpg_pg_replication_lag{${this.matchers}})`;
    this.primaries = `(count(cnpg_pg_replication_in_recovery{${this.matchers}} == 0) or vector(0))`;
  }

  /** A replica lagging behind, and a cluster without a primary. */
  alerts(t: PostgresAlertThresholds): AlertRule[] {
    return [
      {
        alert: 'PostgresReplicationLag',
        expr: `${this.replicationLag} > ${t.replicationLagSeconds}`,
        for: '5m',
        severity: 'warning',
        summary: `A PostgreSQL replica lags more than ${t.replicationLagSeconds}s behind the primary.`,
      },
      {
        alert: 'PostgresNoPrimary',
        // No instance reports that it is out of recovery (or none reports at all).
        expr: `${this.primaries} < 1`,
        for: '1m',
        severity: 'critical',
        summary: 'No PostgreSQL instance is the primary: writes fail.',
      },
    ];
  }
}
