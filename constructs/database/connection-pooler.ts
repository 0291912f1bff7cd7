import { Construct } from 'constructs';
import { addDependency } from '../core/construct-dependencies';
import { CustomResource } from '../core/custom-resource';
import { TAG_PULL_POLICY } from '../core/image';
import { componentLabels, type Labels } from '../core/labels';
import { declareObjects } from '../core/object-names';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkDrainable, checkInteger, checkName, INT32_MAX, invalidProp } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, KUBERNETES_API, KUBERNETES_API_PORTS, type IConnectable } from '../guardrails/connections';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { DisruptionBudget } from '../workload/disruption-budget';
import { spreadConstraint, ZONE } from '../workload/topology-spread';
import { CNPG_STATUS_PORT, credentialEnvNames, POSTGRES_PORT, type DatabaseCredentialEnvNames, type PostgresCluster } from './postgres-cluster';

/** The defaults of {@link ConnectionPoolerProps}. */
export const POOLER_DEFAULTS = {
  instances: 2,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  ephemeralStorage: { request: '128Mi', limit: '512Mi' },
} as const;

export interface ConnectionPoolerProps {
  /** The Cluster it pools for; the pooler lives in its namespace. */
  readonly cluster: PostgresCluster;
  /** "rw" pools to the primary, "ro" to the replicas (which the cluster must have). */
  readonly type: 'rw' | 'ro';
  /** Name of the Pooler and of the Service the operator creates for it. @default "<cluster>-pooler-<type>" */
  readonly name?: string;
  /** PgBouncer pods. @default 2 */
  readonly instances?: number;
  /** Server connections per user/database pair (PgBouncer default_pool_size). */
  readonly defaultPoolSize: number;
  /** Client connections PgBouncer accepts (max_client_conn). */
  readonly maxClientConnections: number;
  /** Of the pgbouncer container. @default requests 100m / 128Mi, limits 500m / 256Mi */
  readonly resources?: ResourceRequirements;
  /**
   * Scratch space of the pgbouncer container: its logs, writable layer and the `scratch-data`
   * emptyDir holding the operator's manager binary that runs PgBouncer.
   * @default { request: "128Mi", limit: "512Mi" }
   */
  readonly ephemeralStorage?: EphemeralStorage;
  /**
   * Of the `bootstrap-controller` init container, which copies that binary into `scratch-data`.
   * @default requests 50m / 64Mi and 128Mi of scratch space, limits 500m / 128Mi and 256Mi
   */
  readonly bootstrapResources?: ResourceRequirements;
  /** @default { request: "128Mi", limit: "256Mi" } */
  readonly bootstrapEphemeralStorage?: EphemeralStorage;
  /**
   * PgBouncer pods kept during voluntary disruptions (drains, upgrades); below `instances`.
   * @default { minAvailable: 1 } from 2 instances on; none with 1, which a budget would make undrainable
   */
  readonly disruptionBudget?: { readonly minAvailable: number };
}

/** PgBouncer's port in CloudNativePG's Poolers and their Services. */
export const POOLER_PORT = POSTGRES_PORT;
const PGBOUNCER_METRICS_PORT = 9127;
const BOOTSTRAP_RESOURCES: ResourceRequirements = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } };
const BOOTSTRAP_EPHEMERAL_STORAGE: EphemeralStorage = { request: '128Mi', limit: '256Mi' };
/** The init container CloudNativePG adds to the Pooler's pods (pkg/specs.BootstrapControllerContainerName). */
const BOOTSTRAP_CONTAINER = 'bootstrap-controller';

/**
 * A CloudNativePG Pooler: PgBouncer in transaction mode in front of the primary (rw) or the
 * replicas (ro), spread over zones, with a PodDisruptionBudget from 2 instances on. It opens its own way to the cluster, the operator's access,
 * its access to the API server and, when the cluster is scraped, Prometheus' scrape.
 */
export class ConnectionPooler extends Construct implements IConnectable, Workload {
  readonly pooler: CustomResource;
  readonly poolerName: string;
  readonly type: 'rw' | 'ro';
  readonly cluster: PostgresCluster;
  readonly instances: number;
  readonly defaultPoolSize: number;
  readonly maxClientConnections: number;
  /** Labels of the PgBouncer pods. */
  readonly podSelector: Labels;
  /** In-cluster DNS name of the pooler's Service. */
  readonly host: string;
  readonly port = POOLER_PORT;
  readonly metricsMonitor?: MetricsMonitor;
  readonly disruptionBudget?: DisruptionBudget;
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: ConnectionPoolerProps) {
    super(scope, id);
    const { cluster, type } = props;
    const namespace = cluster.namespace;
    const name = props.name ?? `${cluster.clusterName}-pooler-${type}`;
    checkName(this, 'name', name);
    if (type === 'ro' && cluster.readReplicas === 0) {
      invalidProp(this, 'type', type, `needs read replicas, but cluster '${cluster.clusterName}' has 'readReplicas' (0): pool reads through the rw pooler`);
    }
    this.instances = props.instances ?? POOLER_DEFAULTS.instances;
    checkInteger(this, 'instances', this.instances, 1, INT32_MAX, 'pods');
    checkInteger(this, 'defaultPoolSize', props.defaultPoolSize, 1, INT32_MAX, 'connections');
    checkInteger(this, 'maxClientConnections', props.maxClientConnections, 1, INT32_MAX, 'connections');
    const resources = props.resources ?? POOLER_DEFAULTS.resources;
    checkResources(this, 'resources', resources);
    const ephemeralStorage = props.ephemeralStorage ?? POOLER_DEFAULTS.ephemeralStorage;
    checkEphemeralStorage(this, 'ephemeralStorage', ephemeralStorage);
    const bootstrapResources = props.bootstrapResources ?? BOOTSTRAP_RESOURCES;
    checkResources(this, 'bootstrapResources', bootstrapResources);
    const bootstrapStorage = props.bootstrapEphemeralStorage ?? BOOTSTRAP_EPHEMERAL_STORAGE;
    checkEphemeralStorage(this, 'bootstrapEphemeralStorage', bootstrapStorage);
    const disruptionBudget = props.disruptionBudget ?? (this.instances >= 2 ? { minAvailable: 1 } : undefined);
    if (disruptionBudget) checkDrainable(this, disruptionBudget.minAvailable, 'instances', this.instances);

    this.poolerName = name;
    this.type = type;
    this.cluster = cluster;
    this.defaultPoolSize = props.defaultPoolSize;
    this.maxClientConnections = props.maxClientConnections;
    this.podSelector = { 'cnpg.io/poolerName': name };
    this.host = `${name}.${namespace}.svc`;
    this.footprint = { name, namespace, minReplicas: this.instances, maxReplicas: this.instances, containers: [resources] };

    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } }, defaultPorts: [POOLER_PORT] });
    cluster.connections.allowFrom(this, [POSTGRES_PORT]);
    this.connections.allowFrom(cluster.operator, [CNPG_STATUS_PORT]);
    this.connections.allowTo(KUBERNETES_API, KUBERNETES_API_PORTS);

    // What CloudNativePG names after the Pooler (pkg/specs/pgbouncer).
    declareObjects(this, 'CloudNativePG', ['Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding'].map((kind) => ({ kind, namespace, name })));
    const labels = componentLabels(this, name);
    this.pooler = new CustomResource(this, 'pooler', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Pooler',
      name,
      namespace,
      labels,
      spec: {
        cluster: { name: cluster.clusterName },
        instances: this.instances,
        type,
        pgbouncer: {
          poolMode: 'transaction',
          parameters: {
            max_client_conn: String(props.maxClientConnections),
            default_pool_size: String(props.defaultPoolSize),
          },
        },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            // CloudNativePG fills in both images, its PgBouncer image and its own, each pinned by a
            // tag (pkg/versions), and keeps the pull policy and resources it finds; it fills in the
            // init container's command and security context too (pkg/specs/pgbouncer/deployments.go).
            containers: [{ name: 'pgbouncer', imagePullPolicy: TAG_PULL_POLICY, resources: containerResources(resources, ephemeralStorage) }],
            initContainers: [{ name: BOOTSTRAP_CONTAINER, imagePullPolicy: TAG_PULL_POLICY, resources: containerResources(bootstrapResources, bootstrapStorage) }],
            topologySpreadConstraints: [spreadConstraint(ZONE, 'ScheduleAnyway', this.podSelector)],
          },
        },
      },
    });
    addDependency(this, cluster);

    if (disruptionBudget) {
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', { name, namespace, labels, selector: this.podSelector, minAvailable: disruptionBudget.minAvailable });
    }

    if (cluster.scrapedBy) {
      this.metricsMonitor = new MetricsMonitor(this, 'monitor', { name, namespace, through: 'pod', selector: this.podSelector });
      this.connections.allowFrom(cluster.scrapedBy, [PGBOUNCER_METRICS_PORT]);
    }
  }

  /**
   * The URL of the cluster's database through this pooler, `postgresql://$(DB_USER):$(DB_PASSWORD)@host:port/db`:
   * the kubelet fills in the credentials from the variables of `cluster.credentialsEnv()` (with
   * the same `names`), which must come first.
   */
  url(names: DatabaseCredentialEnvNames = {}): string {
    const { user, password } = credentialEnvNames(names);
    return `postgresql://$(${user}):$(${password})@${this.host}:${this.port}/${this.cluster.databaseName}`;
  }
}
