import type { AlertRule } from './alert-rules';

/**
 * The series kube-state-metrics (installed by the Prometheus stack) exports for the workloads of
 * one namespace, as the alert rules and the dashboard query them, and the alerts that belong to
 * them: one place, so a rule and the panel that shows it cannot drift apart.
 */
export class KubeStateMetrics {
  /** PromQL matchers that select the namespace's series. */
  readonly matchers: string;
  /** Replicas each HPA runs. */
  readonly hpaCurrentReplicas: string;
  /** Replicas each HPA may run at most. */
  readonly hpaMaxReplicas: string;

  constructor(namespace: string) {
    this.matchers = `namespace="${namespace}"`;
    this.hpaCurrentReplicas = `kube_horizontalpodautoscaler_status_current_replicas{${this.matchers}}`;
    this.hpaMaxReplicas = `kube_horizontalpodautoscaler_spec_max_replicas{${this.matchers}}`;
  }

  /** An HPA pinned at its maximum, and pods not ready. */
  alerts(): AlertRule[] {
    return [
      {
        alert: 'HpaAtMaxReplicas',
        expr: `${this.hpaCurrentReplicas} >= ${this.hpaMaxReplicas}`,
        for: '15m',
        severity: 'warning',
        summary: 'An HPA has been at its maximum replicas for 15 minutes: raise the maximum or find the load.',
      },
      {
        alert: 'PodsNotReady',
        // kube-state-metrics reports readiness "unknown" for a pod whose node stopped reporting.
        expr: `sum by (pod) (kube_pod_status_ready{${this.matchers}, condition=~"false|unknown"}) > 0`,
        for: '10m',
        severity: 'warning',
        summary: 'A pod has not been ready for 10 minutes.',
      },
    ];
  }
}
