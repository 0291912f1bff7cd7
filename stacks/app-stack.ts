import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Fn, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { cacheMaxmemoryBytes } from '../config/capacity';
import type { EnvironmentConfig } from '../config/schema';
import versions from '../config/versions.json';
import { ValkeyCache, EXPORTER_PORT, VALKEY_PORT } from '../constructs/cache/valkey-cache';
import { ConnectionPooler, POOLER_PORT } from '../constructs/database/connection-pooler';
import { PostgresCluster } from '../constructs/database/postgres-cluster';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import { AppNamespace } from '../constructs/guardrails/app-namespace';
import { NetworkPolicies, type Flow } from '../constructs/guardrails/network-policies';
import { AlertRules } from '../constructs/monitoring/alert-rules';
import { AppDashboard } from '../constructs/monitoring/app-dashboard';
import { MetricsMonitor } from '../constructs/monitoring/metrics-monitor';
import { WebService } from '../constructs/workload/web-service';
import { PLATFORM_NAMESPACES } from './platform-stack';
import { EnvironmentStack } from './environment-stack';
import { addDependency } from '../constructs/core/construct-dependencies';

/** CloudNativePG's instance-manager status port and PostgreSQL exporter port. */
const CNPG_STATUS_PORT = 8000;
const CNPG_METRICS_PORT = 9187;
const PGBOUNCER_METRICS_PORT = 9127;

/**
 * Everything that runs the app, in its own namespace: the web tiers, the edge, PostgreSQL and
 * its poolers, the cache, monitors, alert rules, the dashboard, and the guard rails. Its custom
 * resources need the platform stack's CRDs at plan time, hence the stack dependency.
 */
export class AppStack extends EnvironmentStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id, env);
    new KubernetesProvider(this, 'kubernetes', {
      configPath: env.cluster.kubeconfigPath,
      ...(env.cluster.context ? { configContext: env.cluster.context } : {}),
    });
    this.pinProvider('kubernetes');

    const ns = new AppNamespace(this, 'app-namespace', { namespace: env.namespace });
    const namespace = env.namespace.name;

    const postgres = new PostgresCluster(this, 'database', {
      name: 'postgres',
      namespace,
      database: env.database,
      image: env.database.image ?? versions.images.postgres,
    });
    const poolers = (['rw', 'ro'] as const).map((type) => {
      const pooler = new ConnectionPooler(this, `pooler-${type}`, {
        name: `postgres-pooler-${type}`,
        namespace,
        clusterName: 'postgres',
        type,
        pooler: env.database.poolers[type],
      });
      addDependency(pooler, postgres);
      return pooler;
    });
    const [rwPooler, roPooler] = poolers;

    const cache = new ValkeyCache(this, 'cache', {
      name: 'cache',
      namespace,
      cache: env.cache,
      image: env.cache.image ?? versions.images.valkey,
      exporterImage: versions.images.valkeyExporter,
      maxmemoryBytes: cacheMaxmemoryBytes(env),
    });

    const credentials = { secretName: postgres.appSecretName };
    const dbName = env.database.databaseName;
    const pool = env.database.clientPool;
    const services = Object.entries(env.services).map(
      ([name, tier]) => new WebService(this, `service-${name}`, { name, namespace, tier }),
    );
    const backend = new WebService(this, 'backend-tier', {
      name: 'backend',
      namespace,
      tier: env.backend,
      // The password stays in the operator's Secret: the kubelet substitutes $(DB_PASSWORD).
      env: [
        { name: 'DB_USER', secretKeyRef: { ...credentials, key: 'username' } },
        { name: 'DB_PASSWORD', secretKeyRef: { ...credentials, key: 'password' } },
        { name: 'DATABASE_URL', value: `postgresql://$(DB_USER):$(DB_PASSWORD)@${rwPooler.host}:${POOLER_PORT}/${dbName}` },
        { name: 'DATABASE_READ_URL', value: `postgresql://$(DB_USER):$(DB_PASSWORD)@${roPooler.host}:${POOLER_PORT}/${dbName}` },
        { name: 'DB_POOL_SIZE', value: String(pool.size) },
        { name: 'DB_MAX_OVERFLOW', value: String(pool.maxOverflow) },
        { name: 'WEB_CONCURRENCY', value: String(pool.processesPerPod) },
        { name: 'REDIS_URL', value: `redis://${cache.writeHost}:${VALKEY_PORT}/0` },
        { name: 'REDIS_READ_URL', value: `redis://${cache.readHost}:${VALKEY_PORT}/0` },
        ...services.map((s) => ({ name: `${s.serviceName.toUpperCase().replace(/-/g, '_')}_URL`, value: `http://${s.host}:${s.servicePort}` })),
      ],
    });
    const frontend = new WebService(this, 'frontend-tier', {
      name: 'frontend',
      namespace,
      tier: env.frontend,
      env: [{ name: 'API_BASE_PATH', value: '/api' }],
    });

    const edge = new EdgeGateway(this, 'edge', {
      ...env.edge,
      namespace,
      backend: { serviceName: backend.serviceName, port: backend.servicePort },
      frontend: { serviceName: frontend.serviceName, port: frontend.servicePort },
    });
    addDependency(edge, backend, frontend);

    new NetworkPolicies(this, 'network-policies', {
      namespace,
      flows: appFlows(env, { backend, frontend, services, postgres, rwPooler, roPooler, cache }),
    });

    // Monitoring: the backend through its Service, CloudNativePG's pods directly.
    if (env.backend.metricsPort !== undefined) {
      new MetricsMonitor(this, 'backend-monitor', {
        name: 'backend',
        namespace,
        through: 'service',
        selector: backend.podSelector,
        path: env.backend.metricsPath,
      });
    }
    new MetricsMonitor(this, 'postgres-monitor', { name: 'postgres', namespace, through: 'pod', selector: postgres.instanceSelector });
    new MetricsMonitor(this, 'pooler-monitor', {
      name: 'postgres-poolers',
      namespace,
      through: 'pod',
      selector: { 'cnpg.io/cluster': 'postgres', 'cnpg.io/podRole': 'pooler' },
    });
    new AlertRules(this, 'alert-rules', { namespace, alerts: env.monitoring.alerts, backendJob: 'backend', databaseCluster: 'postgres' });
    new AppDashboard(this, 'dashboard', {
      namespace,
      title: `Web topology (${env.name})`,
      backendJob: 'backend',
      databaseCluster: 'postgres',
    });

    // Read back after apply: the address is what Envoy Gateway wrote to the Gateway's status.
    const gateway = new DataKubernetesResource(this, 'gateway-status', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: edge.gatewayName, namespace },
      dependsOn: [edge.gateway.manifest],
    });
    const outputs: Record<string, [string, string]> = {
      gateway_address: [
        Fn.try([Fn.lookupNested(gateway.object, ['status', 'addresses', 0, 'value']), 'pending']),
        'Address of the edge Gateway ("pending" until Envoy Gateway assigns one)',
      ],
      database_rw_endpoint: [`${rwPooler.host}:${POOLER_PORT}`, 'Read-write endpoint (PgBouncer in front of the primary)'],
      database_ro_endpoint: [`${roPooler.host}:${POOLER_PORT}`, 'Read-only endpoint (PgBouncer in front of the replicas)'],
      cache_write_endpoint: [`${cache.writeHost}:${VALKEY_PORT}`, 'Valkey primary'],
      cache_read_endpoint: [`${cache.readHost}:${VALKEY_PORT}`, 'Valkey, every instance'],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description });
    }

    // Everything lives in the namespace: create it first, delete it last.
    for (const child of this.node.children) {
      if (child !== ns && child.node.children.length > 0) addDependency(child, ns);
    }
  }
}

interface Tiers {
  readonly backend: WebService;
  readonly frontend: WebService;
  readonly services: readonly WebService[];
  readonly postgres: PostgresCluster;
  readonly rwPooler: ConnectionPooler;
  readonly roPooler: ConnectionPooler;
  readonly cache: ValkeyCache;
}

/** Every connection the app makes or receives; the NetworkPolicies deny the rest. */
function appFlows(env: EnvironmentConfig, t: Tiers): Flow[] {
  const envoy = { namespace: PLATFORM_NAMESPACES.envoyGateway };
  const prometheus = { namespace: env.monitoring.namespace, pods: { 'app.kubernetes.io/name': 'prometheus' } };
  const db = { pods: t.postgres.instanceSelector };
  const poolerPods = { pods: { 'cnpg.io/cluster': 'postgres', 'cnpg.io/podRole': 'pooler' } };
  const everyPod = { pods: {} };
  const flows: Flow[] = [
    { name: 'edge-to-frontend', from: envoy, to: { pods: t.frontend.podSelector }, ports: [t.frontend.containerPort] },
    { name: 'edge-to-backend', from: envoy, to: { pods: t.backend.podSelector }, ports: [t.backend.containerPort] },
    { name: 'backend-to-rw-pooler', from: { pods: t.backend.podSelector }, to: { pods: t.rwPooler.podSelector }, ports: [POOLER_PORT] },
    { name: 'backend-to-ro-pooler', from: { pods: t.backend.podSelector }, to: { pods: t.roPooler.podSelector }, ports: [POOLER_PORT] },
    { name: 'backend-to-cache', from: { pods: t.backend.podSelector }, to: { pods: t.cache.podSelector }, ports: [VALKEY_PORT] },
    { name: 'cache-replication', from: { pods: t.cache.podSelector }, to: { pods: t.cache.podSelector }, ports: [VALKEY_PORT] },
    { name: 'poolers-to-postgres', from: poolerPods, to: db, ports: [5432] },
    { name: 'postgres-replication', from: db, to: db, ports: [5432, CNPG_STATUS_PORT] },
    { name: 'operator-to-postgres', from: { namespace: PLATFORM_NAMESPACES.cloudnativePg }, to: db, ports: [CNPG_STATUS_PORT] },
    { name: 'operator-to-poolers', from: { namespace: PLATFORM_NAMESPACES.cloudnativePg }, to: poolerPods, ports: [CNPG_STATUS_PORT] },
    // CloudNativePG's instance managers watch the API server; its address is not known here.
    { name: 'cnpg-to-apiserver', from: { pods: { 'cnpg.io/cluster': 'postgres' } }, to: { cidrs: ['0.0.0.0/0', '::/0'] }, ports: [443, 6443] },
    { name: 'dns', from: everyPod, to: { namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } }, ports: [53], protocols: ['UDP', 'TCP'] },
    { name: 'prometheus-to-postgres', from: prometheus, to: db, ports: [CNPG_METRICS_PORT] },
    { name: 'prometheus-to-poolers', from: prometheus, to: poolerPods, ports: [PGBOUNCER_METRICS_PORT] },
    { name: 'prometheus-to-cache', from: prometheus, to: { pods: t.cache.podSelector }, ports: [EXPORTER_PORT] },
  ];
  for (const s of t.services) {
    flows.push({ name: `backend-to-${s.serviceName}`, from: { pods: t.backend.podSelector }, to: { pods: s.podSelector }, ports: [s.containerPort] });
  }
  if (env.backend.metricsPort !== undefined) {
    flows.push({ name: 'prometheus-to-backend', from: prometheus, to: { pods: t.backend.podSelector }, ports: [env.backend.metricsPort] });
  }
  return flows;
}
