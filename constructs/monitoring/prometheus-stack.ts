import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import versions from '../../config/versions.json';
import { PinnedHelmRelease } from '../platform/pinned-helm-release';

export interface PrometheusStackProps {
  /** Namespace, retention, storage, resources, Grafana and the Alertmanager webhook. */
  readonly monitoring: EnvironmentConfig['monitoring'];
}

/** Helm release name; Grafana's Service is `<release>-grafana`. */
export const PROMETHEUS_RELEASE = 'kube-prometheus-stack';
/** Label Grafana's sidecar looks for on dashboard ConfigMaps (the chart's default). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics and node-exporter. Prometheus selects every ServiceMonitor, PodMonitor and
 * PrometheusRule in the cluster instead of only the release's own, so the app stack's monitors
 * and rules are picked up without release labels.
 */
export class PrometheusStack extends Construct {
  readonly grafanaUrl: string;

  constructor(scope: Construct, id: string, props: PrometheusStackProps) {
    super(scope, id);
    const m = props.monitoring;
    const webhook = m.alertWebhook;
    const storage = {
      volumeClaimTemplate: {
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: m.storage.size } },
          ...(m.storage.storageClass ? { storageClassName: m.storage.storageClass } : {}),
        },
      },
    };
    const values = {
      prometheus: {
        prometheusSpec: {
          retention: m.retention,
          resources: m.resources,
          storageSpec: storage,
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: webhook
        ? {
            alertmanagerSpec: { secrets: [webhook.secretName] },
            config: {
              route: { receiver: 'webhook', group_by: ['alertname', 'namespace'], routes: [] },
              // The URL is read from the mounted Secret, so it never enters values or state.
              receivers: [
                {
                  name: 'webhook',
                  webhook_configs: [{ url_file: `/etc/alertmanager/secrets/${webhook.secretName}/${webhook.key}`, send_resolved: true }],
                },
              ],
            },
          }
        : {},
      grafana: {
        enabled: m.grafana.enabled,
        // null removes the chart's well-known default password; Grafana's chart then generates one.
        adminPassword: null,
        ...(m.grafana.adminSecretName
          ? { admin: { existingSecret: m.grafana.adminSecretName, userKey: 'admin-user', passwordKey: 'admin-password' } }
          : {}),
        sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, searchNamespace: 'ALL' } },
      },
    };
    new PinnedHelmRelease(this, 'chart', {
      chart: versions.charts.kubePrometheusStack,
      releaseName: PROMETHEUS_RELEASE,
      namespace: m.namespace,
      values,
    });
    this.grafanaUrl = m.grafana.enabled ? `http://${PROMETHEUS_RELEASE}-grafana.${m.namespace}.svc` : '';
  }
}
