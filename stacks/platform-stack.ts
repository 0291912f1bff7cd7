import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { PrometheusStack } from '../constructs/monitoring/prometheus-stack';
import { PinnedHelmRelease } from '../constructs/platform/pinned-helm-release';
import { EnvironmentStack } from './environment-stack';

/** Namespaces the platform's operators run in; the app's NetworkPolicies admit them by name. */
export const PLATFORM_NAMESPACES = {
  envoyGateway: 'envoy-gateway-system',
  cloudnativePg: 'cnpg-system',
} as const;

/**
 * The operators and their CRDs, as pinned Helm releases: Envoy Gateway (with the Gateway API
 * CRDs), the CloudNativePG operator and kube-prometheus-stack. Deployed before the app stack,
 * whose custom resources need these CRDs at plan time.
 */
export class PlatformStack extends EnvironmentStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id, env);
    new HelmProvider(this, 'helm', {
      kubernetes: { configPath: env.cluster.kubeconfigPath, ...(env.cluster.context ? { configContext: env.cluster.context } : {}) },
    });
    this.pinProvider('helm');

    new PinnedHelmRelease(this, 'envoy-gateway', {
      chart: 'envoyGateway',
      releaseName: 'envoy-gateway',
      namespace: PLATFORM_NAMESPACES.envoyGateway,
    });
    new PinnedHelmRelease(this, 'cloudnative-pg', {
      chart: 'cloudnativePg',
      releaseName: 'cloudnative-pg',
      namespace: PLATFORM_NAMESPACES.cloudnativePg,
    });
    const m = env.monitoring;
    const prometheus = new PrometheusStack(this, 'prometheus-stack', {
      namespace: m.namespace,
      retention: m.retention,
      storage: m.storage,
      resources: m.resources,
      grafanaEnabled: m.grafana.enabled,
      grafanaAdminSecretName: m.grafana.adminSecretName,
      alertWebhook: m.alertWebhook,
    });

    new TerraformOutput(this, 'grafana_url', {
      value: prometheus.grafanaUrl,
      description: 'In-cluster URL of Grafana (kubectl port-forward to reach it); empty when Grafana is disabled',
    });
  }
}
