import { resolve } from 'node:path';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, WebTierConfig } from '../config/schema';
import versions from '../config/versions.json';
import { ValkeyCache } from '../constructs/cache/valkey-cache';
import { imageTag } from '../constructs/core/image';
import { addDependency } from '../constructs/core/construct-dependencies';
import { KubectlProvider } from '../constructs/core/kubectl-provider';
import { ConnectionPooler } from '../constructs/database/connection-pooler';
import { PostgresCluster } from '../constructs/database/postgres-cluster';
import { migrationsFromDirectory, SchemaMigration } from '../constructs/database/schema-migration';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import { AppNamespace } from '../constructs/guardrails/app-namespace';
import type { Peer } from '../constructs/guardrails/connections';
import { NetworkPolicies } from '../constructs/guardrails/network-policies';
import { AlertRules } from '../constructs/monitoring/alert-rules';
import { AppDashboard } from '../constructs/monitoring/app-dashboard';
import { BackendMetrics } from '../constructs/monitoring/backend-metrics';
import { ServiceLevelObjectives } from '../constructs/monitoring/service-level-objectives';
import { TracingEndpoint } from '../constructs/monitoring/tracing-endpoint';
import { WebService, type EnvVar, type WebServiceProps } from '../constructs/workload/web-service';
import { EnvironmentStack } from './environment-stack';
import { PLATFORM_NAMESPACES, platformPeers } from './platform-stack';

/**
 * Everything that runs the app, in its own namespace: the web tiers, the edge, PostgreSQL, its
 * schema migration and its poolers, the cache, monitors, alert rules, the dashboard, and the guard rails. This is the
 * one place that maps an environment's config onto the constructs' props and wires them to
 * each other; each construct declares its own network flows and monitors. Its custom resources
 * need the platform stack's CRDs and operators, hence the stack dependency.
 */
export class AppStack extends EnvironmentStack {
  constructor(scope: Construct, id: string, env: EnvironmentConfig) {
    super(scope, id, env);
    this.addKubernetesProvider();
    // Custom resources (CustomResource) go through it.
    this.pinProvider('kubectl', new KubectlProvider(this, 'kubectl', this.cluster));

    const ns = new AppNamespace(this, 'app-namespace', {
      name: env.namespace.name,
      quota: env.namespace.quota,
      defaultRequest: env.namespace.limitRange.defaultRequest,
      defaultLimit: env.namespace.limitRange.default,
    });
    const namespace = ns.namespaceName;
    new NetworkPolicies(this, 'network-policies', { namespace });
    const peers = platformPeers(env);

    const db = env.database;
    const postgres = new PostgresCluster(this, 'database', {
      name: 'postgres',
      namespace,
      image: db.image ?? versions.images.postgres,
      readReplicas: db.readReplicas,
      databaseName: db.databaseName,
      storage: db.storage,
      resources: db.resources,
      ephemeralStorage: db.ephemeralStorage,
      maxConnections: db.maxConnections,
      parameters: db.parameters,
      backup: db.backup,
      operatorNamespace: PLATFORM_NAMESPACES.cloudnativePg,
      scrapedBy: peers.prometheus,
    });
    const pooler = (type: 'rw' | 'ro') => new ConnectionPooler(this, `pooler-${type}`, { cluster: postgres, type, ...db.poolers[type] });
    const rwPooler = pooler('rw');
    // Without replicas there is nothing to pool reads to: they go to the primary's pooler.
    const readPooler = postgres.readReplicas > 0 ? pooler('ro') : rwPooler;
    const migration = new SchemaMigration(this, 'migration', {
      cluster: postgres,
      image: db.migrations.image ?? versions.images.migrationRunner,
      // The directory is relative to the repository root, wherever synth runs.
      source: { files: migrationsFromDirectory(resolve(__dirname, '..', db.migrations.directory)) },
    });

    const cache = new ValkeyCache(this, 'cache', {
      name: 'cache',
      namespace,
      image: env.cache.image ?? versions.images.valkey,
      exporterImage: versions.images.valkeyExporter,
      instances: env.cache.instances,
      resources: env.cache.resources,
      exporterResources: env.cache.exporterResources,
      maxmemory: env.cache.maxmemory,
      maxmemoryPercent: env.cache.maxmemoryPercent,
      ephemeralStorage: env.cache.ephemeralStorage,
      disruptionBudget: env.cache.disruptionBudget,
      auth: env.cache.auth,
      tls: env.cache.tls,
      scrapedBy: peers.prometheus,
    });

    const tracing = tracingEndpoint(this, env);
    const tier = (name: string, config: WebTierConfig, wired: readonly EnvVar[] = []) =>
      webServiceProps(name, namespace, config, wired, peers.prometheus);
    const services = Object.entries(env.services).map(([name, config]) => new WebService(this, `service-${name}`, tier(name, config)));
    const pool = db.clientPool;
    const backend = new WebService(
      this,
      'backend-tier',
      tier('backend', env.backend, [
        // The password stays in the operator's Secret: the kubelet substitutes it into the URLs.
        ...postgres.credentialsEnv(),
        { name: 'DATABASE_URL', value: rwPooler.url() },
        { name: 'DATABASE_READ_URL', value: readPooler.url() },
        { name: 'DB_POOL_SIZE', value: String(pool.size) },
        { name: 'DB_MAX_OVERFLOW', value: String(pool.maxOverflow) },
        { name: 'WEB_CONCURRENCY', value: String(pool.processesPerPod) },
        ...cache.connectionEnv(),
        ...services.map((s) => ({ name: `${s.serviceName.toUpperCase().replace(/-/g, '_')}_URL`, value: s.url })),
        ...tracedAs(tracing, 'backend', env.backend.image),
      ]),
    );
    // The backend rolls out only after the migration succeeded: a failed one leaves the old pods serving.
    addDependency(backend.deployment, migration);

    const edge = new EdgeGateway(this, 'edge', { ...env.edge, namespace, envoyGatewayNamespace: PLATFORM_NAMESPACES.envoyGateway });
    const api = edge.addRoute({ path: '/api', target: backend });
    const frontend = new WebService(this, 'frontend-tier', tier('frontend', env.frontend, [{ name: 'API_BASE_PATH', value: api.path }, ...tracedAs(tracing, 'frontend', env.frontend.image)]));
    edge.addRoute({ path: '/', target: frontend });

    for (const target of [...new Set([rwPooler, readPooler]), cache, ...services]) target.connections.allowDefaultPortFrom(backend);
    if (tracing) for (const web of [backend, frontend]) web.connections.allowTo(tracing.peer, [tracing.port]);

    const { alerts, slos } = env.monitoring;
    // An objective's burn-rate alerts replace the threshold alert it covers.
    const backendMetrics = new BackendMetrics(namespace, backend.serviceName);
    const objectives = slos ? new ServiceLevelObjectives(this, 'slo-rules', { namespace, backend: backendMetrics, ...slos }) : undefined;
    new AlertRules(this, 'alert-rules', {
      namespace,
      backend: backendMetrics,
      database: postgres,
      cache,
      errorRatio: slos?.availability ? false : { ratio: alerts.errorRatio, minRequestsPerSecond: alerts.minRequestsPerSecond },
      p99LatencySeconds: slos?.latency ? false : alerts.p99LatencySeconds,
      replicationLagSeconds: alerts.replicationLagSeconds,
      cacheMemoryRatio: alerts.cacheMemoryRatio,
    });
    new AppDashboard(this, 'dashboard', {
      namespace,
      title: `Web topology (${env.name})`,
      backend: backendMetrics,
      database: postgres,
      cache,
      objectives,
    });

    const outputs: Record<string, [string, string]> = {
      gateway: [`${namespace}/${edge.gatewayName}`, 'The edge Gateway (namespace/name); its status holds the address Envoy Gateway assigned'],
      ...(edge.address === undefined ? {} : { gateway_address: [edge.address, 'Address of the edge Gateway, as Envoy Gateway assigned it'] }),
      database_rw_endpoint: [`${rwPooler.host}:${rwPooler.port}`, 'Read-write endpoint (PgBouncer in front of the primary)'],
      database_ro_endpoint: [
        `${readPooler.host}:${readPooler.port}`,
        readPooler === rwPooler ? 'Read endpoint: the read-write one, as there are no replicas' : 'Read-only endpoint (PgBouncer in front of the replicas)',
      ],
      cache_write_endpoint: [`${cache.writeHost}:${cache.port}`, 'Valkey primary'],
      cache_read_endpoint: [`${cache.readHost}:${cache.port}`, 'Valkey, every instance'],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description });
    }

  }
}

/**
 * A web tier's config as WebService props. Its variables come in the order the kubelet needs:
 * Secret references, then what the stack wires (which may refer to them), then plain values.
 */
function webServiceProps(name: string, namespace: string, t: WebTierConfig, wired: readonly EnvVar[], prometheus: Peer): WebServiceProps {
  return {
    name,
    namespace,
    image: t.image,
    replicas: t.replicas,
    resources: t.resources,
    ephemeralStorage: t.ephemeralStorage,
    port: t.port,
    readinessPath: t.healthPath,
    livenessPath: t.livenessPath,
    metrics: t.metricsPort === undefined ? undefined : { port: t.metricsPort, path: t.metricsPath, scrapedBy: prometheus },
    autoscaling: t.autoscaling,
    zoneSpread: t.zoneSpread,
    disruptionBudget: t.disruptionBudget,
    env: [
      ...Object.entries(t.secretEnv).map(([n, secretKeyRef]) => ({ name: n, secretKeyRef })),
      ...wired,
      ...Object.entries(t.env).map(([n, value]) => ({ name: n, value })),
    ],
  };
}

/** Where traces go, when `monitoring.tracing` is set. */
function tracingEndpoint(scope: Construct, env: EnvironmentConfig): TracingEndpoint | undefined {
  const t = env.monitoring.tracing;
  if (t === undefined) return undefined;
  const backend =
    t.backend === 'opentelemetry'
      ? { kind: t.backend, endpoint: t.endpoint, protocol: t.protocol, headers: t.headers }
      : { kind: t.backend, serverUrl: t.serverUrl, secretToken: t.secretToken };
  return new TracingEndpoint(scope, 'tracing', { backend, environment: env.name, peer: t.peer, samplingRatio: t.samplingRatio });
}

/** A tier's tracing variables; its version is its image's tag (or digest). */
function tracedAs(tracing: TracingEndpoint | undefined, name: string, image: string): readonly EnvVar[] {
  return tracing?.envFor({ name, version: imageTag(image) ?? image.slice(image.indexOf('@') + 1) }) ?? [];
}
