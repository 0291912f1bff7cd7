import { Construct } from 'constructs';
import { addDependency } from '../core/construct-dependencies';
import { CustomResource } from '../core/custom-resource';
import { pullPolicyFor } from '../core/image';
import { componentLabels, type Labels } from '../core/labels';
import { declareObjects } from '../core/object-names';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkImage, checkInteger, checkName, checkQuantity, checkRule, invalidProp } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, KUBERNETES_API, KUBERNETES_API_PORTS, namespacePeer, type IConnectable, type Peer } from '../guardrails/connections';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { PostgresMetrics } from './postgres-metrics';
import type { EnvVar } from '../workload/web-service';
import { spreadConstraint, ZONE } from '../workload/topology-spread';

export interface PostgresBackup {
  /** Cron schedule with seconds, as CloudNativePG expects ("0 0 2 * * *"). */
  readonly schedule: string;
  /** Name of the Barman Cloud plugin's ObjectStore in the namespace. */
  readonly objectStoreName: string;
}

/** The defaults of {@link PostgresClusterProps}. */
export const POSTGRES_DEFAULTS = {
  readReplicas: 0,
  databaseName: 'app',
  ephemeralStorage: { request: '256Mi', limit: '1Gi' },
  /** PostgreSQL's own default max_connections. */
  maxConnections: 100,
  operatorNamespace: 'cnpg-system',
} as const;
/** Bounds of {@link PostgresClusterProps.maxConnections}: up to PostgreSQL's own maximum (MAX_BACKENDS, 2^18 − 1). */
export const MAX_CONNECTIONS = { min: 10, max: 262_143 } as const;

export interface PostgresClusterProps {
  /** Name of the CloudNativePG Cluster; its Services are `<name>-rw`, `-ro` and `-r`. */
  readonly name: string;
  readonly namespace: string;
  /** PostgreSQL image, pinned by a tag or a digest. */
  readonly image: string;
  /** Streaming replicas next to the primary (`instances` = 1 + readReplicas). @default 0 */
  readonly readReplicas?: number;
  /** The application database, also its owner's name. @default "app" */
  readonly databaseName?: string;
  /** Volume of each instance; the cluster's default StorageClass when `storageClass` is unset. */
  readonly storage: { readonly size: string; readonly storageClass?: string };
  /** CPU and memory of each instance's containers (PostgreSQL and its bootstrap-controller init). */
  readonly resources: ResourceRequirements;
  /**
   * Scratch space of each instance's containers: their logs, writable layers and the
   * `scratch-data` emptyDir (the instance manager's copy, sockets, TMPDIR); PGDATA is on the volume.
   * @default { request: "256Mi", limit: "1Gi" }
   */
  readonly ephemeralStorage?: EphemeralStorage;
  /** PostgreSQL max_connections. @default 100 */
  readonly maxConnections?: number;
  /** Further PostgreSQL parameters; max_connections comes from `maxConnections`. @default {} */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Scheduled base backups through the Barman Cloud plugin. @default none */
  readonly backup?: PostgresBackup;
  /** Namespace of the CloudNativePG operator, which reaches the instances' status port. @default "cnpg-system" */
  readonly operatorNamespace?: string;
  /** Prometheus' pods: they get a PodMonitor and a flow to the exporter. @default no PodMonitor */
  readonly scrapedBy?: Peer;
}

/** PostgreSQL parameters the construct sets from a prop, by the prop that sets them. */
const MANAGED_PARAMETERS: ReadonlyMap<string, string> = new Map([['max_connections', 'maxConnections']]);

/** What is wrong with setting the PostgreSQL parameter `name` through `parameters`, or undefined. */
export function parameterProblem(name: string): string | undefined {
  const prop = MANAGED_PARAMETERS.get(name);
  return prop === undefined ? undefined : `must not be set: use '${prop}'`;
}

const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** The rule of a backup schedule, which {@link backupScheduleProblem} details. */
export const BACKUP_SCHEDULE_RULE = 'must be a six-field cron schedule (with seconds)';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The fields of a ScheduledBackup's schedule as CloudNativePG parses it (robfig/cron v1 `Parse`, seconds first). */
const CRON_FIELDS = [
  { field: 'second', min: 0, max: 59 },
  { field: 'minute', min: 0, max: 59 },
  { field: 'hour', min: 0, max: 23 },
  { field: 'day of month', min: 1, max: 31 },
  { field: 'month', min: 1, max: 12, names: MONTHS },
  { field: 'day of week', min: 0, max: 6, names: WEEKDAYS },
] as const;

/**
 * What is wrong with a backup schedule, or undefined: six fields, each a list of `*`, `?`, values
 * or ranges with an optional step, every value within its field's bounds, as CloudNativePG's
 * parser requires (robfig/cron's getRange); the same rule for the config and the construct.
 */
export function backupScheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) return BACKUP_SCHEDULE_RULE;
  for (const [i, text] of fields.entries()) {
    const f = CRON_FIELDS[i];
    const names: readonly string[] = 'names' in f ? f.names : [];
    // A name counts from the field's minimum (JAN is 1, SUN is 0).
    const value = (v: string | undefined) => {
      const named = names.indexOf((v ?? '').toLowerCase());
      if (named >= 0) return named + f.min;
      return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : NaN;
    };
    const fits = text.split(',').every((part) => {
      const [range = '', step, ...extra] = part.split('/');
      if (extra.length > 0 || (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) > 0))) return false;
      if (range === '*' || range === '?') return true;
      const [low, high = low, ...more] = range.split('-');
      const [a, b] = [value(low), value(high)];
      return more.length === 0 && a >= f.min && b <= f.max && a <= b;
    });
    if (!fits) {
      const spelled = names.length > 0 ? ` (or ${names[0].toUpperCase()}–${names[names.length - 1].toUpperCase()})` : '';
      return `${BACKUP_SCHEDULE_RULE}: its ${f.field} field "${text}" must hold *, ?, or values from ${f.min} to ${f.max}${spelled}, as lists, ranges and /steps`;
    }
  }
  return undefined;
}
/** The keys of the `<name>-app` Secret CloudNativePG writes (a basic-auth Secret) that a client needs. */
export const APP_SECRET_KEYS = { user: 'username', password: 'password' } as const;

/** Names of the variables that carry the operator's credentials into a client. */
export interface DatabaseCredentialEnvNames {
  /** @default "DB_USER" */
  readonly user?: string;
  /** @default "DB_PASSWORD" */
  readonly password?: string;
}
const CREDENTIAL_ENV = { user: 'DB_USER', password: 'DB_PASSWORD' } as const;

/** Names of the credential variables, their defaults filled in. */
export function credentialEnvNames(names: DatabaseCredentialEnvNames = {}): Required<DatabaseCredentialEnvNames> {
  return { ...CREDENTIAL_ENV, ...names };
}

/** PostgreSQL's port on the instances and their Services. */
export const POSTGRES_PORT = 5432;
/** CloudNativePG's instance manager: status (operator, replicas, poolers) and metrics ports. */
export const CNPG_STATUS_PORT = 8000;
const CNPG_METRICS_PORT = 9187;
/**
 * CloudNativePG keeps a PodDisruptionBudget `<name>` over the replicas (all but one available)
 * only from this many instances on; `<name>-primary` always keeps the primary
 * (pkg/specs/poddisruptionbudget.go).
 */
const CNPG_REPLICAS_PDB_MIN_INSTANCES = 3;
/**
 * The Jobs CloudNativePG runs for an initdb-bootstrapped Cluster (pkg/specs/jobs.go): `initdb`
 * makes the first primary, `join` copies the primary into each new replica. Their pods carry the
 * cluster's label and their role, not the instances' pod role.
 */
export const CNPG_JOB_ROLES = ['initdb', 'join'] as const;

/**
 * PostgreSQL as a CloudNativePG Cluster: one primary and `readReplicas` streaming replicas,
 * one per host (required anti-affinity) and spread over zones, drains held back by the operator's
 * PodDisruptionBudgets (`enablePDB`), with the application database
 * and its owner bootstrapped so the operator writes their credentials to `<name>-app`. It opens
 * replication between its instances, the operator's access, the instances' and the bootstrap
 * Jobs' access to the API server, a joining replica's copy of the primary and, with `scrapedBy`,
 * Prometheus' scrape.
 */
export class PostgresCluster extends Construct implements IConnectable, Workload {
  readonly cluster: CustomResource;
  readonly clusterName: string;
  readonly namespace: string;
  readonly port = POSTGRES_PORT;
  readonly databaseName: string;
  readonly readReplicas: number;
  readonly maxConnections: number;
  /** Secret with `username`, `password`, `host`, `port`, `dbname` and `uri`, written by the operator. */
  readonly appSecretName: string;
  /** Secret whose `ca.crt` signs the instances' server certificates (SANs include {@link primaryHost}). */
  readonly caSecretName: string;
  /** In-cluster DNS name of the primary's Service (`<name>-rw`), bypassing the poolers. */
  readonly primaryHost: string;
  /** Labels of the instance pods (not the poolers, which carry `cnpg.io/cluster` too). */
  readonly instanceSelector: Labels;
  /** The operator's pods, which reach the status port of the instances and the poolers. */
  readonly operator: Peer;
  readonly metricsMonitor?: MetricsMonitor;
  /** The series its instances export and the alerts that belong to them. */
  readonly metrics: PostgresMetrics;
  /** Who scrapes the cluster's poolers too. */
  readonly scrapedBy?: Peer;
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const { name, namespace } = props;
    checkName(this, 'name', name);
    checkImage(this, 'image', props.image);
    this.readReplicas = props.readReplicas ?? POSTGRES_DEFAULTS.readReplicas;
    checkInteger(this, 'readReplicas', this.readReplicas, 0, Number.MAX_SAFE_INTEGER, 'replicas');
    this.databaseName = props.databaseName ?? POSTGRES_DEFAULTS.databaseName;
    checkName(this, 'databaseName', this.databaseName);
    checkQuantity(this, 'storage.size', props.storage.size);
    checkResources(this, 'resources', props.resources);
    const ephemeralStorage = props.ephemeralStorage ?? POSTGRES_DEFAULTS.ephemeralStorage;
    checkEphemeralStorage(this, 'ephemeralStorage', ephemeralStorage);
    this.maxConnections = props.maxConnections ?? POSTGRES_DEFAULTS.maxConnections;
    checkInteger(this, 'maxConnections', this.maxConnections, MAX_CONNECTIONS.min, MAX_CONNECTIONS.max, 'connections');
    const parameters = props.parameters ?? {};
    for (const [parameter, value] of Object.entries(parameters)) checkRule(this, `parameters.${parameter}`, value, () => parameterProblem(parameter));
    const scheduleProblem = props.backup && backupScheduleProblem(props.backup.schedule);
    if (props.backup && scheduleProblem) invalidProp(this, 'backup.schedule', props.backup.schedule, scheduleProblem);

    this.clusterName = name;
    this.namespace = namespace;
    this.appSecretName = `${name}-app`;
    this.caSecretName = `${name}-ca`;
    this.primaryHost = `${name}-rw.${namespace}.svc`;
    this.instanceSelector = { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' };
    this.operator = namespacePeer('operator', props.operatorNamespace ?? POSTGRES_DEFAULTS.operatorNamespace);
    // CloudNativePG names each instance's pod `<cluster>-<serial>` (pkg/specs/pods.go, GetInstanceName).
    this.metrics = new PostgresMetrics(namespace, `${name}-[0-9]+`);
    this.scrapedBy = props.scrapedBy;
    const instances = 1 + this.readReplicas;
    this.footprint = { name, namespace, minReplicas: instances, maxReplicas: instances, containers: [props.resources], volumeClaims: [props.storage.size] };

    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.instanceSelector } }, defaultPorts: [POSTGRES_PORT] });
    // Streaming replication, and the instance managers asking each other's status.
    this.connections.allowInternally([POSTGRES_PORT, CNPG_STATUS_PORT]);
    this.connections.allowFrom(this.operator, [CNPG_STATUS_PORT]);
    // The instance managers watch their Cluster through the API server; so do the Jobs, and a
    // joining replica streams its copy of the primary.
    this.connections.allowTo(KUBERNETES_API, KUBERNETES_API_PORTS);
    for (const role of CNPG_JOB_ROLES) {
      const job = new Connections(this, { namespace, peer: { name: `${name}-${role}`, selector: { pods: { 'cnpg.io/cluster': name, 'cnpg.io/jobRole': role } } } });
      job.allowTo(KUBERNETES_API, KUBERNETES_API_PORTS);
      if (role === 'join') this.connections.allowFrom(job.peer, [POSTGRES_PORT]);
    }

    // What CloudNativePG names after the Cluster (pkg/specs, api/v1/cluster_funcs.go).
    declareObjects(this, 'CloudNativePG', [
      ...['rw', 'ro', 'r'].map((suffix) => ({ kind: 'Service', namespace, name: `${name}-${suffix}` })),
      ...['app', 'ca', 'server', 'replication', 'pooler'].map((suffix) => ({ kind: 'Secret', namespace, name: `${name}-${suffix}` })),
      ...['ServiceAccount', 'Role', 'RoleBinding'].map((kind) => ({ kind, namespace, name })),
      { kind: 'PodDisruptionBudget', namespace, name: `${name}-primary` },
      ...(instances >= CNPG_REPLICAS_PDB_MIN_INSTANCES ? [{ kind: 'PodDisruptionBudget', namespace, name }] : []),
    ]);
    this.cluster = new CustomResource(this, 'cluster', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      // CloudNativePG's defaulting webhook adds its fixed parameters (archive_mode, log_destination, …).
      defaultedFields: ['spec.postgresql.parameters'],
      name,
      namespace,
      labels: componentLabels(this, name),
      spec: {
        instances,
        imageName: props.image,
        // CloudNativePG gives it to every container of the instances and of the initdb and join Jobs
        // (pkg/specs pods.go, containers.go, jobs.go): PostgreSQL's, and the bootstrap-controller
        // init container's with the operator's own image, whose pin the Cluster does not know.
        imagePullPolicy: pullPolicyFor(props.image),
        primaryUpdateStrategy: 'unsupervised',
        enableSuperuserAccess: false,
        bootstrap: { initdb: { database: this.databaseName, owner: this.databaseName } },
        storage: { size: props.storage.size, ...(props.storage.storageClass ? { storageClass: props.storage.storageClass } : {}) },
        // CloudNativePG gives these to the postgres container and its bootstrap-controller init (pkg/specs).
        resources: containerResources(props.resources, ephemeralStorage),
        // CloudNativePG's default, written out so the operator's PodDisruptionBudgets stay ours to keep:
        // a drain never takes the primary, nor (from 3 instances) more than one replica.
        enablePDB: true,
        postgresql: { parameters: { ...parameters, max_connections: String(this.maxConnections) } },
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
        topologySpreadConstraints: [spreadConstraint(ZONE, 'ScheduleAnyway', this.instanceSelector)],
        ...(props.backup
          ? { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: props.backup.objectStoreName } }] }
          : {}),
      },
    });

    if (props.backup) {
      const backup = new CustomResource(this, 'scheduled-backup', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'ScheduledBackup',
        name: `${name}-daily`,
        namespace,
        labels: componentLabels(this, name),
        spec: {
          schedule: props.backup.schedule,
          cluster: { name },
          method: 'plugin',
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          backupOwnerReference: 'self',
          target: 'prefer-standby',
        },
      });
      addDependency(backup, this.cluster);
    }

    if (props.scrapedBy) {
      this.metricsMonitor = new MetricsMonitor(this, 'monitor', { name, namespace, through: 'pod', selector: this.instanceSelector });
      this.connections.allowFrom(props.scrapedBy, [CNPG_METRICS_PORT]);
    }
  }

  /**
   * The operator's credentials as a client's variables, by reference to its Secret, so neither
   * the plan nor the state holds them. A pooler's `url()` refers to them for the kubelet to fill
   * in; keep them ahead of it.
   */
  credentialsEnv(names: DatabaseCredentialEnvNames = {}): EnvVar[] {
    const { user, password } = credentialEnvNames(names);
    return [
      { name: user, secretKeyRef: { secretName: this.appSecretName, key: APP_SECRET_KEYS.user } },
      { name: password, secretKeyRef: { secretName: this.appSecretName, key: APP_SECRET_KEYS.password } },
    ];
  }
}
