import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { CustomResource } from '../core/custom-resource';
import { componentLabels, type Labels } from '../core/labels';
import { addDependency } from '../core/construct-dependencies';

export interface PostgresClusterProps {
  /** Name of the CloudNativePG Cluster; its Services are `<name>-rw`, `-ro` and `-r`. */
  readonly name: string;
  readonly namespace: string;
  /** Replicas, storage, resources, connections, parameters and optional backups. */
  readonly database: EnvironmentConfig['database'];
  /** PostgreSQL image (pinned). */
  readonly image: string;
}

const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * PostgreSQL as a CloudNativePG Cluster: one primary and `readReplicas` streaming replicas,
 * one per host (required anti-affinity) and spread over zones, with the application database
 * and its owner bootstrapped so the operator writes their credentials to `<name>-app`.
 */
export class PostgresCluster extends Construct {
  readonly cluster: CustomResource;
  /** Secret with `username`, `password`, `host`, `port`, `dbname` and `uri`, written by the operator. */
  readonly appSecretName: string;
  /** Labels of the instance pods (not the poolers, which carry `cnpg.io/cluster` too). */
  readonly instanceSelector: Labels;

  /** The props it was built from, for review tooling. */
  readonly props: PostgresClusterProps;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    this.props = props;
    const { name, namespace, database: db } = props;
    this.appSecretName = `${name}-app`;
    this.instanceSelector = { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' };

    this.cluster = new CustomResource(this, 'cluster', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      name,
      namespace,
      labels: componentLabels(name),
      spec: {
        instances: 1 + db.readReplicas,
        imageName: props.image,
        primaryUpdateStrategy: 'unsupervised',
        enableSuperuserAccess: false,
        bootstrap: { initdb: { database: db.databaseName, owner: db.databaseName } },
        storage: { size: db.storage.size, ...(db.storage.storageClass ? { storageClass: db.storage.storageClass } : {}) },
        resources: { requests: { ...db.resources.requests }, limits: { ...db.resources.limits } },
        postgresql: { parameters: { ...db.parameters, max_connections: String(db.maxConnections) } },
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...this.instanceSelector } },
          },
        ],
        ...(db.backup
          ? { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: db.backup.objectStoreName } }] }
          : {}),
      },
    });

    if (db.backup) {
      const backup = new CustomResource(this, 'scheduled-backup', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'ScheduledBackup',
        name: `${name}-daily`,
        namespace,
        labels: componentLabels(name),
        spec: {
          schedule: db.backup.schedule,
          cluster: { name },
          method: 'plugin',
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          backupOwnerReference: 'self',
          target: 'prefer-standby',
        },
      });
      addDependency(backup, this.cluster);
    }
  }
}
