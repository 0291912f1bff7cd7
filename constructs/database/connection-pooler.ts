import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { CustomResource } from '../core/custom-resource';
import { componentLabels, type Labels } from '../core/labels';

export interface ConnectionPoolerProps {
  /** Name of the Pooler and of the Service the operator creates for it. */
  readonly name: string;
  readonly namespace: string;
  /** The CloudNativePG Cluster it pools for. */
  readonly clusterName: string;
  /** "rw" pools to the primary, "ro" to the replicas. */
  readonly type: 'rw' | 'ro';
  /** Instances, pool sizes and resources. */
  readonly pooler: EnvironmentConfig['database']['poolers']['rw'];
}

/** PgBouncer's port in CloudNativePG's Poolers and their Services. */
export const POOLER_PORT = 5432;

/**
 * A CloudNativePG Pooler: PgBouncer in transaction mode in front of the primary (rw) or the
 * replicas (ro), sized so that the connection budget invariants hold.
 */
export class ConnectionPooler extends Construct {
  readonly pooler: CustomResource;
  /** Labels of the PgBouncer pods. */
  readonly podSelector: Labels;
  /** In-cluster DNS name of the pooler's Service. */
  readonly host: string;

  /** The props it was built from, for review tooling. */
  readonly props: ConnectionPoolerProps;

  constructor(scope: Construct, id: string, props: ConnectionPoolerProps) {
    super(scope, id);
    this.props = props;
    const { name, namespace, pooler } = props;
    const labels = componentLabels(name);
    this.podSelector = { 'cnpg.io/poolerName': name };
    this.host = `${name}.${namespace}.svc`;
    this.pooler = new CustomResource(this, 'pooler', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Pooler',
      name,
      namespace,
      labels,
      spec: {
        cluster: { name: props.clusterName },
        instances: pooler.instances,
        type: props.type,
        pgbouncer: {
          poolMode: 'transaction',
          parameters: {
            max_client_conn: String(pooler.maxClientConnections),
            default_pool_size: String(pooler.defaultPoolSize),
          },
        },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            containers: [
              { name: 'pgbouncer', resources: { requests: { ...pooler.resources.requests }, limits: { ...pooler.resources.limits } } },
            ],
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: { ...this.podSelector } },
              },
            ],
          },
        },
      },
    });
  }
}
