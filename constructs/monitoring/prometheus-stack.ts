import { Construct } from 'constructs';
import type { ResourceRequirements } from '../core/resources';
import { checkDuration, checkName, checkRule, subdomainProblem } from '../core/validation';
import { PinnedHelmRelease, type HelmChart } from '../platform/pinned-helm-release';
import type { SecretKeyRef } from '../workload/web-service';

export interface PrometheusStackProps {
  /** The kube-prometheus-stack chart at an exact version. */
  readonly chart: HelmChart;
  /** Namespace of the release (created if missing). */
  readonly namespace: string;
  /** How long Prometheus keeps samples, a Prometheus duration. @default "15d" */
  readonly retention?: string;
  /** Prometheus' volume claim. */
  readonly storage: { readonly size: string; /** @default the cluster's default StorageClass */ readonly storageClass?: string };
  /** Requests and limits of the Prometheus container. */
  readonly resources: ResourceRequirements;
  /** Deploy Grafana. @default true */
  readonly grafanaEnabled?: boolean;
  /** Secret with `admin-user` and `admin-password` for Grafana. @default a password the chart generates */
  readonly grafanaAdminSecretName?: string;
  /** Alertmanager's webhook receiver; its URL is read from this key of a Secret in the release's namespace. @default no receiver */
  readonly alertWebhook?: SecretKeyRef;
}

/** Helm release name; Grafana's Service is `<release>-grafana`. */
export const PROMETHEUS_RELEASE = 'kube-prometheus-stack';
/** Label Grafana's sidecar looks for on dashboard ConfigMaps (the chart's default). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
/** The defaults of {@link PrometheusStackProps}. */
export const PROMETHEUS_STACK_DEFAULTS = { retention: '15d', grafanaEnabled: true } as const;

/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics and node-exporter. Prometheus selects every ServiceMonitor, PodMonitor and
 * PrometheusRule in the cluster instead of only the release's own, so the app stack's monitors
 * and rules are picked up without release labels.
 */
export class PrometheusStack extends Construct {
  readonly release: PinnedHelmRelease;
  /** In-cluster URL of Grafana; empty when Grafana is disabled. */
  readonly grafanaUrl: string;

  constructor(scope: Construct, id: string, props: PrometheusStackProps) {
    super(scope, id);
    checkName(this, 'namespace', props.namespace);
    const retention = props.retention ?? PROMETHEUS_STACK_DEFAULTS.retention;
    checkDuration(this, 'retention', retention);
    const webhook = props.alertWebhook;
    // A Secret's name is a DNS-1123 subdomain.
    if (webhook !== undefined) checkRule(this, 'alertWebhook.secretName', webhook.secretName, subdomainProblem);
    const grafanaEnabled = props.grafanaEnabled ?? PROMETHEUS_STACK_DEFAULTS.grafanaEnabled;
    const storage = {
      volumeClaimTemplate: {
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: props.storage.size } },
          ...(props.storage.storageClass ? { storageClassName: props.storage.storageClass } : {}),
        },
      },
    };
    const values = {
      prometheus: {
        prometheusSpec: {
          retention,
          resources: props.resources,
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
        enabled: grafanaEnabled,
        // null removes the chart's well-known default password; Grafana's chart then generates one.
        adminPassword: null,
        ...(props.grafanaAdminSecretName
          ? { admin: { existingSecret: props.grafanaAdminSecretName, userKey: 'admin-user', passwordKey: 'admin-password' } }
          : {}),
        sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, searchNamespace: 'ALL' } },
      },
    };
    this.release = new PinnedHelmRelease(this, 'chart', {
      chart: props.chart,
      releaseName: PROMETHEUS_RELEASE,
      namespace: props.namespace,
      values,
    });
    this.grafanaUrl = grafanaEnabled ? `http://${PROMETHEUS_RELEASE}-grafana.${props.namespace}.svc` : '';
  }
}
