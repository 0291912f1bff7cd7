import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import versions from '../config/versions.json';
import { namespacePeer, type Peer } from '../constructs/guardrails/connections';
import { addDependency } from '../constructs/core/construct-dependencies';
import { POSTGRES_DEFAULTS } from '../constructs/database/postgres-cluster';
import { RateLimitStore } from '../constructs/edge/rate-limit-store';
import { PROMETHEUS_RELEASE, PrometheusStack } from '../constructs/monitoring/prometheus-stack';
import { PinnedHelmRelease } from '../constructs/platform/pinned-helm-release';
import { EnvironmentStack } from './environment-stack';

/** Namespaces the platform's operators run in; the app's NetworkPolicies admit them by name. */
export const PLATFORM_NAMESPACES = {
  envoyGateway: 'envoy-gateway-system',
  // Where PostgresCluster expects the operator unless told otherwise.
  cloudnativePg: POSTGRES_DEFAULTS.operatorNamespace,
} as const;

/** A Helm release of the platform stack: Helm knows a release by its namespace and name. */
export interface PlatformRelease {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The Helm releases an environment's platform stack installs. Two environments pointed at one
 * cluster context must not both install one of them (config/load.ts).
 */
export function platformReleases(env: EnvironmentConfig): Record<'envoyGateway' | 'cloudnativePg' | 'prometheus', PlatformRelease> {
  return {
    envoyGateway: { name: 'envoy-gateway', namespace: PLATFORM_NAMESPACES.envoyGateway },
    cloudnativePg: { name: 'cloudnative-pg', namespace: PLATFORM_NAMESPACES.cloudnativePg },
    prometheus: { name: PROMETHEUS_RELEASE, namespace: env.monitoring.namespace },
  };
}

/** The platform's pods, as the app's network flows see them. */
export interface PlatformPeers {
  /** Prometheus' pods (labelled so by the prometheus-operator), which scrape the app. */
  readonly prometheus: Peer;
}

export function platformPeers(env: EnvironmentConfig): PlatformPeers {
  return {
    prometheus: namespacePeer('prometheus', env.monitoring.namespace, { 'app.kubernetes.io/name': 'prometheus' }),
  };
}

/**
 * The operators and their CRDs, as pinned Helm releases: Envoy Gateway (with the Gateway API
 * CRDs, and with global rate limits the Valkey its rate limit service counts in), the
 * CloudNativePG operator and kube-prometheus-stack. Deployed before the app stack,
 * whose custom resources need these CRDs and operators.
 */
export class PlatformStack extends EnvironmentStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id, env);
    this.pinProvider('helm', new HelmProvider(this, 'helm', { kubernetes: this.cluster }));

    const releases = platformReleases(env);
    // Global rate limits: Envoy Gateway runs its rate limit service against a Valkey of its own.
    const rateLimitStore = env.edge.rateLimitScope === 'global' ? this.rateLimitStore() : undefined;
    const envoyGateway = new PinnedHelmRelease(this, 'envoy-gateway', {
      chart: versions.charts.envoyGateway,
      releaseName: releases.envoyGateway.name,
      namespace: releases.envoyGateway.namespace,
      ...(rateLimitStore
        ? { values: { config: { envoyGateway: { rateLimit: { backend: { type: 'Redis', redis: { url: rateLimitStore.url } } } } } } }
        : {}),
    });
    // The release creates the namespace the store and its NetworkPolicies go into.
    if (rateLimitStore) addDependency(rateLimitStore, envoyGateway);
    if (rateLimitStore) addDependency(rateLimitStore.connections.policies, envoyGateway);
    new PinnedHelmRelease(this, 'cloudnative-pg', {
      chart: versions.charts.cloudnativePg,
      releaseName: releases.cloudnativePg.name,
      namespace: releases.cloudnativePg.namespace,
    });
    const m = env.monitoring;
    const prometheus = new PrometheusStack(this, 'prometheus-stack', {
      chart: versions.charts.kubePrometheusStack,
      namespace: releases.prometheus.namespace,
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

  private rateLimitStore(): RateLimitStore {
    this.addKubernetesProvider();
    return new RateLimitStore(this, 'rate-limit-store', { namespace: PLATFORM_NAMESPACES.envoyGateway, image: versions.images.valkey });
  }
}
