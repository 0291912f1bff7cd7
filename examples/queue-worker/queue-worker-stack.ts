import { join } from 'node:path';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ValkeyCache } from '../../constructs/cache/valkey-cache';
import { addDependency } from '../../constructs/core/construct-dependencies';
import { KubectlProvider } from '../../constructs/core/kubectl-provider';
import { labelComponents } from '../../constructs/core/labels';
import { ConnectionPooler } from '../../constructs/database/connection-pooler';
import { PostgresCluster } from '../../constructs/database/postgres-cluster';
import { migrationsFromDirectory, SchemaMigration } from '../../constructs/database/schema-migration';
import { AppNamespace } from '../../constructs/guardrails/app-namespace';
import { WebService } from '../../constructs/workload/web-service';

export interface QueueWorkerStackProps {
  /** kubeconfig the provider reads. */
  readonly kubeconfigPath: string;
  /** Worker image, pinned. */
  readonly workerImage: string;
  /** The schema migration's runner image (goose and psql), pinned. */
  readonly migrationRunnerImage: string;
}

/**
 * A queue worker with its own PostgreSQL and a Valkey queue: workers take jobs from Valkey and
 * write results through PgBouncer, into the table that the schema migration (./migrations) makes
 * before the workers roll out. Only the worker may reach the pooler and the queue.
 */
export class QueueWorkerStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: QueueWorkerStackProps) {
    super(scope, id);
    labelComponents(this, { partOf: 'queue-worker' });
    new KubernetesProvider(this, 'kubernetes', { configPath: props.kubeconfigPath });
    new KubectlProvider(this, 'kubectl', { configPath: props.kubeconfigPath });

    const ns = new AppNamespace(this, 'jobs-namespace', {
      name: 'jobs',
      quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', requestsStorage: '50Gi' },
    });
    const namespace = ns.namespaceName;

    const db = new PostgresCluster(this, 'results-db', {
      name: 'results',
      namespace,
      image: 'ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie',
      storage: { size: '10Gi' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
    const pooler = new ConnectionPooler(this, 'results-pooler', { cluster: db, type: 'rw', defaultPoolSize: 20, maxClientConnections: 200 });
    const migration = new SchemaMigration(this, 'results-schema', {
      cluster: db,
      image: props.migrationRunnerImage,
      source: { files: migrationsFromDirectory(join(__dirname, 'migrations')) },
    });

    const queue = new ValkeyCache(this, 'job-queue', {
      name: 'queue',
      namespace,
      image: 'docker.io/valkey/valkey:8.1.10-alpine',
      exporterImage: 'docker.io/oliver006/redis_exporter:v1.92.1',
      instances: 1,
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      // Created before deploy: kubectl -n jobs create secret generic queue-auth --from-literal=password=...
      auth: { secretName: 'queue-auth' },
    });

    const worker = new WebService(this, 'worker', {
      name: 'worker',
      namespace,
      image: props.workerImage,
      replicas: { min: 2, max: 10 },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      readinessPath: '/ready',
      disruptionBudget: { minAvailable: 1 },
      env: [
        ...db.credentialsEnv(),
        { name: 'DATABASE_URL', value: pooler.url() },
        // Jobs are taken from the primary only.
        ...queue.connectionEnv({ password: 'QUEUE_PASSWORD', writeUrl: 'QUEUE_URL', readUrl: false }),
      ],
    });
    addDependency(worker.deployment, migration);
    pooler.connections.allowDefaultPortFrom(worker);
    queue.connections.allowDefaultPortFrom(worker);

    new TerraformOutput(this, 'database_endpoint', { value: `${pooler.host}:${pooler.port}` });
  }
}
