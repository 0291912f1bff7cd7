import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Construct } from 'constructs';
import { addDependency } from '../core/construct-dependencies';
import { pullPolicyFor } from '../core/image';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkImage, checkInteger, checkName, checkPath, invalidProp, LABEL_MAX, requireProp } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, type IConnectable } from '../guardrails/connections';
import { flowName, ingressPolicyName } from '../guardrails/network-policies';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, UNPRIVILEGED } from '../workload/pod-security';
import { APP_SECRET_KEYS, POSTGRES_PORT, type PostgresCluster } from './postgres-cluster';

/** Where the runner finds the migrations (a ConfigMap or the copy from the image). */
const MIGRATIONS_DIR = '/migrations';
/** Where CloudNativePG's server CA certificate is mounted. */
const CA_DIR = '/etc/postgres-ca';
/** The key of the CA certificate in CloudNativePG's `<cluster>-ca` Secret (pkg/certs CACertKey). */
const CA_KEY = 'ca.crt';
const RESOURCES: ResourceRequirements = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const EPHEMERAL_STORAGE: EphemeralStorage = { request: '64Mi', limit: '256Mi' };
const TIMEOUT_SECONDS = 600;
/** The apply waits this much past the Job's deadline, so it sees the deadline's Failed condition. */
const WAIT_MARGIN_SECONDS = 120;
/** The largest object etcd stores, so the largest ConfigMap. */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** goose reads `<version>_<name>.sql` (migration.go NumericComponent); a ConfigMap key allows only these characters. */
const FILE_NAME = /^([0-9]+)_[-._a-zA-Z0-9]+\.sql$/;
const GOOSE_UP = /^--\s*\+goose\s*up\s*$/im;
const GOOSE_NO_TRANSACTION = /^--\s*\+goose\s*no transaction\s*$/im;
const CONCURRENTLY = /\bconcurrently\b/i;
const INT64_MAX = 2n ** 63n - 1n;
/** Hex digits of the hash in the Job's name. */
const HASH_DIGITS = 8;

/** Migration files by name (`<version>_<name>.sql`), put into a ConfigMap. */
export interface MigrationFiles {
  readonly files: Readonly<Record<string, string>>;
}

/** Migrations baked into an image (the backend's, say); it needs `cp`, and UID 10001 must read them. */
export interface MigrationImage {
  /** Image that holds the migrations, pinned by a tag or a digest. */
  readonly image: string;
  /** Absolute path of the directory of `.sql` files in that image. */
  readonly directory: string;
}

export type MigrationSource = MigrationFiles | MigrationImage;

export interface SchemaMigrationProps {
  /** The Cluster whose application database the migrations change; the Job runs in its namespace. */
  readonly cluster: PostgresCluster;
  /** Prefix of the Job's name (`<name>-<hash>`) and name of its pods' labels. @default "<cluster>-migrate" */
  readonly name?: string;
  /** The runner image: goose and psql (tools/images.sh builds one), pinned by a tag or a digest. */
  readonly image: string;
  /** The migrations: files in the user's repository, or a directory of an image. */
  readonly source: MigrationSource;
  /** @default requests 100m / 128Mi, limits 500m / 256Mi */
  readonly resources?: ResourceRequirements;
  /** @default { request: "64Mi", limit: "256Mi" } */
  readonly ephemeralStorage?: EphemeralStorage;
  /** How long the Job may run, waiting for the database included (activeDeadlineSeconds). @default 600 */
  readonly timeoutSeconds?: number;
}

/**
 * The `.sql` files of a directory (other files are left out, as goose leaves them), by name,
 * for {@link MigrationFiles}.
 */
export function migrationsFromDirectory(directory: string): Record<string, string> {
  const names = readdirSync(directory, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name);
  return Object.fromEntries(names.map((n) => [n, readFileSync(join(directory, n), 'utf8')]));
}

const isImage = (s: MigrationSource): s is MigrationImage => 'image' in s;

/**
 * The runner's script: wait for the primary, apply with goose, then always look for indexes a
 * failed `CREATE INDEX CONCURRENTLY` left invalid. Any of them fails the Job, whatever goose said;
 * otherwise goose's exit code is the Job's. The connection comes from libpq's variables, which
 * both psql and goose's pgx driver read (its DBSTRING stays empty: no password in a string).
 */
const SCRIPT = `
until pg_isready -q; do echo "waiting for $PGHOST:$PGPORT"; sleep 2; done
goose -dir ${MIGRATIONS_DIR} -env none -no-color postgres "" up
status=$?
invalid=$(psql -X -A -t -v ON_ERROR_STOP=1 -c "select indexrelid::regclass from pg_index where not indisvalid")
if [ $? -ne 0 ]; then
  echo "could not check for invalid indexes"
  exit 1
fi
for index in $invalid; do
  echo "invalid index $index (a failed CREATE INDEX CONCURRENTLY): drop it (DROP INDEX CONCURRENTLY $index) and re-run"
  status=1
done
exit $status
`.trim();

/**
 * A schema migration as a Kubernetes Job that goose runs against the primary (`<cluster>-rw`,
 * not a pooler), with the operator's credentials from their Secret and TLS verified against the
 * cluster's CA. The Job is named by a hash of everything in it, so an unchanged set plans no change
 * and a new migration makes a new Job; the apply waits for its verdict, and a failed Job stops the
 * deploy with its pods' log tail in the error. Whatever depends on the construct (the backend's
 * Deployment) changes only after the migration succeeded.
 */
export class SchemaMigration extends Construct implements IConnectable, Workload {
  /** `<name>-<hash>`: the Job's name and the ConfigMap's. */
  readonly jobName: string;
  readonly namespace: string;
  readonly job: Manifest;
  /** The Job as the apply left it; its postcondition fails the deploy unless the Job succeeded. */
  readonly verdict: DataKubernetesResources;
  readonly configMap?: ConfigMapV1;
  readonly podSelector: Labels;
  readonly timeoutSeconds: number;
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: SchemaMigrationProps) {
    super(scope, id);
    const { cluster, source } = props;
    this.namespace = cluster.namespace;
    const { namespace } = this;
    const name = props.name ?? `${cluster.clusterName}-migrate`;
    // The migration's NetworkPolicy at the cluster is named `<name>-to-<cluster>-ingress`, which must
    // be a label. That bounds the Job's name (a label value too, the pods' job-name) as well: its
    // "-" and hash are shorter than the policy's suffix.
    checkName(this, 'name', name);
    const policy = ingressPolicyName(flowName(name, cluster.connections.peer.name));
    const limit = name.length + LABEL_MAX - policy.length;
    requireProp(this, 'name', name, name.length <= limit, `must be at most ${limit} characters: its NetworkPolicy "${policy}" must fit in the ${LABEL_MAX} of a label`);
    checkImage(this, 'image', props.image);
    const resources = props.resources ?? RESOURCES;
    checkResources(this, 'resources', resources);
    const storage = props.ephemeralStorage ?? EPHEMERAL_STORAGE;
    checkEphemeralStorage(this, 'ephemeralStorage', storage);
    this.timeoutSeconds = props.timeoutSeconds ?? TIMEOUT_SECONDS;
    checkInteger(this, 'timeoutSeconds', this.timeoutSeconds, 30, Number.MAX_SAFE_INTEGER, 'seconds');
    let files: Record<string, string> | undefined;
    if (isImage(source)) {
      checkImage(this, 'source.image', source.image);
      checkPath(this, 'source.directory', source.directory);
    } else {
      // By name, once: the Job's hash and the rules' order then do not depend on how they were listed.
      files = Object.fromEntries(Object.keys(source.files).sort().map((file) => [file, source.files[file]]));
      this.checkFiles(files);
    }

    this.podSelector = selectorLabels(this, name);
    const labels = componentLabels(this, name);
    this.footprint = { name, namespace, minReplicas: 0, maxReplicas: 1, containers: [resources] };
    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } } });
    cluster.connections.allowFrom(this, [POSTGRES_PORT]);

    const podSpec = (jobName: string) => {
      const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: cluster.appSecretName, key } } });
      const container = {
        securityContext: restrictedContainerSecurityContext(),
        resources: containerResources(resources, storage),
        // The log tail becomes the termination message, which the deploy's error shows.
        terminationMessagePolicy: 'FallbackToLogsOnError',
      };
      const migrations = { name: 'migrations', mountPath: MIGRATIONS_DIR, readOnly: !isImage(source) };
      return {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // A manifest takes the numbers the typed resources' security context writes as strings.
        securityContext: { ...restrictedPodSecurityContext(UNPRIVILEGED), runAsUser: UNPRIVILEGED.user, runAsGroup: UNPRIVILEGED.group, fsGroup: UNPRIVILEGED.group },
        ...(isImage(source)
          ? {
              initContainers: [
                {
                  name: 'copy-migrations',
                  image: source.image,
                  imagePullPolicy: pullPolicyFor(source.image),
                  command: ['cp', '-R', `${source.directory.replace(/\/+$/, '')}/.`, `${MIGRATIONS_DIR}/`],
                  volumeMounts: [migrations],
                  ...container,
                },
              ],
            }
          : {}),
        containers: [
          {
            name: 'migrate',
            image: props.image,
            imagePullPolicy: pullPolicyFor(props.image),
            command: ['/bin/sh', '-c', SCRIPT],
            env: [
              { name: 'PGHOST', value: cluster.primaryHost },
              { name: 'PGPORT', value: String(POSTGRES_PORT) },
              { name: 'PGDATABASE', value: cluster.databaseName },
              { name: 'PGUSER', ...secret(APP_SECRET_KEYS.user) },
              { name: 'PGPASSWORD', ...secret(APP_SECRET_KEYS.password) },
              { name: 'PGSSLMODE', value: 'verify-full' },
              { name: 'PGSSLROOTCERT', value: `${CA_DIR}/${CA_KEY}` },
            ],
            volumeMounts: [{ ...migrations, readOnly: true }, { name: 'ca', mountPath: CA_DIR, readOnly: true }],
            ...container,
          },
        ],
        volumes: [
          files ? { name: 'migrations', configMap: { name: jobName } } : { name: 'migrations', emptyDir: { sizeLimit: storage.limit } },
          { name: 'ca', secret: { secretName: cluster.caSecretName, items: [{ key: CA_KEY, path: CA_KEY }] } },
        ],
      };
    };
    // Everything the Job is made of: a Job's template cannot change, so any change is a new Job.
    const hash = createHash('sha256')
      .update(JSON.stringify({ files, pod: podSpec(''), timeout: this.timeoutSeconds }))
      .digest('hex')
      .slice(0, HASH_DIGITS);
    this.jobName = `${name}-${hash}`;

    if (files) {
      this.configMap = new ConfigMapV1(this, 'files', {
        metadata: { name: this.jobName, namespace, labels: { ...labels } },
        data: files,
        immutable: true,
      });
    }
    this.job = new Manifest(this, 'job', {
      manifest: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: this.jobName, namespace, labels: { ...labels } },
        spec: {
          // One try: a rerun is a new deploy, after a look at the error.
          backoffLimit: 0,
          activeDeadlineSeconds: this.timeoutSeconds,
          // No ttlSecondsAfterFinished: the finished Job and its pod stay, so the next plan sees no change.
          template: { metadata: { labels: { ...labels } }, spec: podSpec(this.jobName) },
        },
      },
      // The API server adds the job-name and controller-uid labels to the template.
      computedFields: ['metadata.labels', 'metadata.annotations', 'spec.template.metadata.labels'],
      // Jobs carry no condition until they have a verdict: SuccessCriteriaMet or FailureTarget
      // first (Kubernetes ≥ 1.31), else Complete or Failed.
      wait: { fields: { 'status.conditions[0].status': '^True$' } },
      timeouts: { create: `${this.timeoutSeconds + WAIT_MARGIN_SECONDS}s` },
    });
    addDependency(this.job, cluster);
    if (this.configMap) addDependency(this.job, this.configMap);

    const pods = new DataKubernetesResources(this, 'pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${this.jobName}`,
      dependsOn: [this.job],
    });
    const podsRef = `data.${DataKubernetesResources.tfResourceType}.${pods.friendlyUniqueId}.objects`;
    const jobAddress = `${Manifest.tfResourceType}.${this.job.friendlyUniqueId}`;
    const message = (field: string) => `try(p.status.${field}[0].state.terminated.message, "")`;
    this.verdict = new DataKubernetesResources(this, 'verdict', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace,
      fieldSelector: `metadata.name=${this.jobName}`,
      dependsOn: [this.job, pods],
      lifecycle: {
        postcondition: [
          {
            condition: `\${anytrue([for c in try(self.objects[0].status.conditions, []) : contains(["Complete", "SuccessCriteriaMet"], c.type) && c.status == "True"])}`,
            errorMessage:
              `Schema migration Job ${namespace}/${this.jobName} did not succeed: ` +
              `\${join("; ", [for c in try(self.objects[0].status.conditions, []) : format("%s: %s", c.type, coalesce(try(c.message, ""), try(c.reason, ""), "-")) if c.status == "True"])}. ` +
              `Log tail: \${join(" | ", [for p in ${podsRef} : format("%s: %s", p.metadata.name, coalesce(${message('containerStatuses')}, ${message('initContainerStatuses')}, try(p.status.phase, ""), "no message"))])}. ` +
              `Nothing after it was applied. Fix the migration (a changed set makes a new Job), or for a transient failure run the same Job again: apply with -replace=${jobAddress}`,
          },
        ],
      },
    });
  }

  /** goose's file rules, CONCURRENTLY outside a transaction, and the ConfigMap's size; `files` by name. */
  private checkFiles(files: Readonly<Record<string, string>>): void {
    const names = Object.keys(files);
    requireProp(this, 'source.files', names, names.length > 0, 'must hold at least one migration');
    const versions = new Map<bigint, string>();
    let bytes = 0;
    for (const file of names) {
      const prop = `source.files["${file}"]`;
      const match = FILE_NAME.exec(file);
      if (!match) {
        invalidProp(this, prop, file, 'must be named <version>_<name>.sql: a version of digits, then letters, digits, ".", "_" or "-" (goose\'s rule and a ConfigMap key\'s)');
      }
      const version = BigInt(match[1]);
      if (version < 1n || version > INT64_MAX) invalidProp(this, prop, file, `must have a version from 1 to ${INT64_MAX}`);
      const same = versions.get(version);
      if (same !== undefined) invalidProp(this, prop, file, `has version ${version}, as "${same}" has: goose needs one file per version`);
      versions.set(version, file);
      const sql = files[file];
      if (!GOOSE_UP.test(sql)) invalidProp(this, prop, file, 'must have a "-- +goose Up" line before its statements');
      if (CONCURRENTLY.test(sql) && !GOOSE_NO_TRANSACTION.test(sql)) {
        invalidProp(this, prop, file, 'uses CONCURRENTLY, which cannot run inside a transaction: add a "-- +goose NO TRANSACTION" line');
      }
      bytes += Buffer.byteLength(file) + Buffer.byteLength(sql);
    }
    requireProp(this, 'source.files', `${bytes} bytes`, bytes <= CONFIGMAP_MAX_BYTES, `must add up to at most ${CONFIGMAP_MAX_BYTES} bytes (1 MiB, a ConfigMap's limit): bake larger sets into an image`);
  }
}
