import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Construct } from 'constructs';
import { PostgresCluster } from '../../constructs/database/postgres-cluster';
import { migrationsFromDirectory, SchemaMigration, type SchemaMigrationProps } from '../../constructs/database/schema-migration';
import { at, customResource, DIGEST, fixture, networkPolicies, resources, synthScope, type Json } from '../helpers';

const RUNNER = 'ghcr.io/example/goose-migrate:v3.30.1';
const TABLES = '-- +goose Up\nCREATE TABLE content (id bigint PRIMARY KEY, user_id bigint);\n';
const INDEXES = '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_user_id ON content (user_id);\n';
const FILES = { '00001_tables.sql': TABLES, '00002_indexes.sql': INDEXES };

type Overrides = Partial<Omit<SchemaMigrationProps, 'cluster'>>;

/** A cluster `db` in namespace `web` and its migration, in `scope`. */
function migrationIn(scope: Construct, overrides: Overrides = {}): SchemaMigration {
  const cluster = new PostgresCluster(scope, 'db', {
    name: 'db',
    namespace: 'web',
    image: 'ghcr.io/cloudnative-pg/postgresql:17.6',
    storage: { size: '10Gi' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
  });
  return new SchemaMigration(scope, 'migration', { cluster, image: RUNNER, source: { files: FILES }, ...overrides });
}

/** The synthesized cluster and migration. */
function migration(overrides: Overrides = {}): Json {
  return synthScope((scope: Construct) => {
    migrationIn(scope, overrides);
  });
}

const data = (out: Json, type: string): Json[] => Object.values((at(out, 'data', type) ?? {}) as Record<string, Json>);
const job = (out: Json): Json => at(resources(out, 'kubernetes_manifest')[0], 'manifest') as Json;
const jobName = (out: Json): string => at(job(out), 'metadata', 'name') as string;
const pod = (out: Json): Json => at(job(out), 'spec', 'template', 'spec') as Json;
const container = (out: Json): Json => at(pod(out), 'containers', 0) as Json;
const env = (out: Json): Record<string, Json> => Object.fromEntries((container(out).env as Json[]).map((e) => [e.name as string, e]));

const shared = fixture(() => migration());

describe('SchemaMigration', () => {
  it('runs once, within its deadline, and stays when finished so the next plan sees no change', () => {
    const spec = at(job(shared()), 'spec') as Json;
    expect(jobName(shared())).toMatch(/^db-migrate-[0-9a-f]{8}$/);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(pod(shared()).restartPolicy).toBe('Never');
  });

  it('waits for the Job to have a verdict, past its deadline, and leaves the labels the API server adds to it', () => {
    const resource = resources(shared(), 'kubernetes_manifest')[0];
    expect(resource.wait).toEqual({ fields: { 'status.conditions[0].status': '^True$' } });
    expect(resource.timeouts).toEqual({ create: '720s' });
    expect(resource.computed_fields).toEqual(['metadata.labels', 'metadata.annotations', 'spec.template.metadata.labels']);
  });

  it('runs restricted, without an API token, sized with ephemeral storage', () => {
    expect(pod(shared()).automountServiceAccountToken).toBe(false);
    expect(pod(shared()).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(shared()).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container(shared()).resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
    });
  });

  it("connects to the primary's -rw Service with TLS verified against the cluster's CA, credentials from the operator's Secret", () => {
    const vars = env(shared());
    expect(vars.PGHOST).toEqual({ name: 'PGHOST', value: 'db-rw.web.svc' });
    expect(vars.PGPORT).toEqual({ name: 'PGPORT', value: '5432' });
    expect(vars.PGDATABASE).toEqual({ name: 'PGDATABASE', value: 'app' });
    expect(vars.PGUSER).toEqual({ name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'db-app', key: 'username' } } });
    expect(vars.PGPASSWORD).toEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'db-app', key: 'password' } } });
    expect(vars.PGSSLMODE).toEqual({ name: 'PGSSLMODE', value: 'verify-full' });
    const ca = (container(shared()).volumeMounts as Json[]).find((m) => m.name === 'ca');
    expect(vars.PGSSLROOTCERT).toEqual({ name: 'PGSSLROOTCERT', value: `${String(ca?.mountPath)}/ca.crt` });
    expect((pod(shared()).volumes as Json[]).find((v) => v.name === 'ca')).toEqual({ name: 'ca', secret: { secretName: 'db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  });

  it('has no password in any value, string or connection URL', () => {
    const values = (container(shared()).env as Json[]).filter((e) => 'value' in e).map((e) => e.value as string);
    expect(values.filter((v) => /password|postgres(ql)?:\/\//i.test(v))).toEqual([]);
    expect(JSON.stringify(shared())).not.toMatch(/PGPASSWORD=|password=|:\/\/[^"]*:[^"]*@/);
  });

  it('applies with goose (empty DBSTRING: libpq variables), then fails on any invalid index, with the log tail as termination message', () => {
    const command = container(shared()).command as string[];
    expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(command[2]).toContain('goose -dir /migrations -env none -no-color postgres "" up');
    expect(command[2]).toContain('select indexrelid::regclass from pg_index where not indisvalid');
    expect(command[2].indexOf('pg_index')).toBeGreaterThan(command[2].indexOf('goose -dir'));
    expect(command[2]).toMatch(/drop it .* and re-run/);
    expect(container(shared()).terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('puts the files into an immutable ConfigMap of the Job\'s name, mounted where goose reads them', () => {
    const [configMap] = resources(shared(), 'kubernetes_config_map_v1');
    expect(at(configMap, 'metadata', 'name')).toBe(jobName(shared()));
    expect(configMap.data).toEqual(FILES);
    expect(configMap.immutable).toBe(true);
    // Found, and cleaned up, by the same labels as its Job.
    expect(at(configMap, 'metadata', 'labels')).toEqual(at(job(shared()), 'metadata', 'labels'));
    expect(at(configMap, 'metadata', 'labels')).toMatchObject({ 'app.kubernetes.io/name': 'db-migrate' });
    expect((pod(shared()).volumes as Json[]).find((v) => v.name === 'migrations')).toEqual({ name: 'migrations', configMap: { name: jobName(shared()) } });
    expect((container(shared()).volumeMounts as Json[]).find((m) => m.name === 'migrations')).toEqual({ name: 'migrations', mountPath: '/migrations', readOnly: true });
  });

  it('keeps its Job name for the same migrations and makes a new one when a migration is added or changed', () => {
    expect(jobName(migration())).toBe(jobName(shared()));
    expect(jobName(migration({ source: { files: { ...FILES, '00003_more.sql': TABLES } } }))).not.toBe(jobName(shared()));
    expect(jobName(migration({ source: { files: { ...FILES, '00001_tables.sql': `${TABLES}-- changed\n` } } }))).not.toBe(jobName(shared()));
    // The template is immutable: a change of the pod is a new Job too.
    expect(jobName(migration({ image: 'ghcr.io/example/goose-migrate:v3.31.0' }))).not.toBe(jobName(shared()));
  });

  it('keeps its Job name whatever order the files are listed in (a directory lists them in its own)', () => {
    const reversed = Object.fromEntries(Object.entries(FILES).reverse());
    const out = migration({ source: { files: reversed } });
    expect(jobName(out)).toBe(jobName(shared()));
    expect(Object.keys(resources(out, 'kubernetes_config_map_v1')[0].data as Json)).toEqual(Object.keys(FILES));
  });

  it('names the later file by name when two have one version, whatever order they are listed in', () => {
    expect(() => migration({ source: { files: { '1_b.sql': TABLES, '01_a.sql': TABLES } } })).toThrow(`'source.files["1_b.sql"]' ("1_b.sql") has version 1, as "01_a.sql" has`);
  });

  it('copies migrations baked into an image into an emptyDir, with no ConfigMap', () => {
    const out = migration({ source: { image: 'ghcr.io/example/web-backend:1.0.0', directory: '/app/migrations/' } });
    expect(resources(out, 'kubernetes_config_map_v1')).toEqual([]);
    const init = at(pod(out), 'initContainers', 0) as Json;
    expect(init).toMatchObject({
      image: 'ghcr.io/example/web-backend:1.0.0',
      command: ['cp', '-R', '/app/migrations/.', '/migrations/'],
      volumeMounts: [{ name: 'migrations', mountPath: '/migrations', readOnly: false }],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    expect(init.securityContext).toEqual(container(out).securityContext);
    expect((pod(out).volumes as Json[]).find((v) => v.name === 'migrations')).toEqual({ name: 'migrations', emptyDir: { sizeLimit: '256Mi' } });
  });

  it('pulls the runner and the migrations image pinned by a tag at every start, each pinned by a digest only when the node lacks it', () => {
    const pullPolicies = (o: Json) => [at(pod(o), 'initContainers', 0, 'imagePullPolicy'), container(o).imagePullPolicy];
    expect(container(shared()).imagePullPolicy).toBe('Always');
    expect(pullPolicies(migration({ source: { image: 'ghcr.io/example/web-backend:1.0.0', directory: '/app/migrations' } }))).toEqual(['Always', 'Always']);
    expect(pullPolicies(migration({ image: `${RUNNER}@${DIGEST}`, source: { image: `ghcr.io/example/web-backend@${DIGEST}`, directory: '/app/migrations' } }))).toEqual([
      'IfNotPresent',
      'IfNotPresent',
    ]);
    expect(pullPolicies(migration({ image: `${RUNNER}@${DIGEST}`, source: { image: 'ghcr.io/example/web-backend:1.0.0', directory: '/app/migrations' } }))).toEqual([
      'Always',
      'IfNotPresent',
    ]);
  });

  it('starts the Job after the cluster and the ConfigMap of its files exist', () => {
    const dependsOn = resources(shared(), 'kubernetes_manifest')[0].depends_on;
    const cluster = customResource(shared(), 'Cluster');
    const files = resources(shared(), 'kubernetes_config_map_v1')[0];
    expect(dependsOn).toEqual(expect.arrayContaining([`${cluster?.__type}.${cluster?.__name}`, `kubernetes_config_map_v1.${files.__name}`]));
  });

  it("stops the deploy unless the Job succeeded, with its conditions and its pods' log tail in the error", () => {
    const [pods] = data(shared(), 'kubernetes_resources').filter((d) => d.kind === 'Pod');
    const [verdict] = data(shared(), 'kubernetes_resources').filter((d) => d.kind === 'Job');
    expect(pods).toMatchObject({ api_version: 'v1', namespace: 'web', label_selector: `batch.kubernetes.io/job-name=${jobName(shared())}` });
    expect(verdict).toMatchObject({ api_version: 'batch/v1', namespace: 'web', field_selector: `metadata.name=${jobName(shared())}` });
    const jobAddress = `kubernetes_manifest.${resources(shared(), 'kubernetes_manifest')[0].__name}`;
    expect(pods.depends_on).toContain(jobAddress);
    expect(verdict.depends_on).toContain(jobAddress);
    const [postcondition] = at(verdict, 'lifecycle', 'postcondition') as Json[];
    expect(postcondition.condition).toContain('contains(["Complete", "SuccessCriteriaMet"], c.type) && c.status == "True"');
    const message = postcondition.error_message as string;
    expect(message).toContain(`Schema migration Job web/${jobName(shared())} did not succeed`);
    expect(message).toMatch(/for p in data\.kubernetes_resources\.\S+\.objects/);
    expect(message).toContain('state.terminated.message');
    expect(message).toContain(`-replace=${jobAddress}`);
  });

  it('lets its pods reach the instances on the PostgreSQL port, and nothing else', () => {
    const policies = networkPolicies(shared());
    const migrate = { 'app.kubernetes.io/name': 'db-migrate' };
    expect(at(job(shared()), 'spec', 'template', 'metadata', 'labels')).toMatchObject(migrate);
    expect(at(policies.get('db-migrate-to-db-egress'), 'spec', 'egress')).toEqual([
      { to: [{ pod_selector: { match_labels: { 'cnpg.io/cluster': 'db', 'cnpg.io/podRole': 'instance' } } }], ports: [{ port: '5432', protocol: 'TCP' }] },
    ]);
    expect(at(policies.get('db-migrate-to-db-ingress'), 'spec', 'ingress', 0, 'from')).toEqual([{ pod_selector: { match_labels: migrate } }]);
    expect([...policies.keys()].filter((n) => n.includes('migrate')).sort()).toEqual(['db-migrate-to-db-egress', 'db-migrate-to-db-ingress']);
  });

  it.each<[string, Overrides, string]>([
    ['no migration', { source: { files: {} } }, `'source.files' ([]) must hold at least one migration`],
    ['a name goose does not read', { source: { files: { 'add_indexes.sql': TABLES } } }, `'source.files["add_indexes.sql"]' ("add_indexes.sql") must be named <version>_<name>.sql`],
    ['a file that is not SQL', { source: { files: { '1_notes.md': TABLES } } }, `'source.files["1_notes.md"]' ("1_notes.md") must be named <version>_<name>.sql`],
    ['version 0', { source: { files: { '0_init.sql': TABLES } } }, `'source.files["0_init.sql"]' ("0_init.sql") must have a version from 1 to 9223372036854775807`],
    [
      'a version past int64',
      { source: { files: { '9223372036854775808_x.sql': TABLES } } },
      `'source.files["9223372036854775808_x.sql"]' ("9223372036854775808_x.sql") must have a version from 1 to 9223372036854775807`,
    ],
    [
      'two files of one version',
      { source: { files: { '01_a.sql': TABLES, '1_b.sql': TABLES } } },
      `'source.files["1_b.sql"]' ("1_b.sql") has version 1, as "01_a.sql" has: goose needs one file per version`,
    ],
    ['no Up annotation', { source: { files: { '1_a.sql': 'CREATE TABLE t (id int);\n' } } }, `'source.files["1_a.sql"]' ("1_a.sql") must have a "-- +goose Up" line`],
    [
      'CONCURRENTLY in a transaction',
      { source: { files: { '1_a.sql': '-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);\n' } } },
      `'source.files["1_a.sql"]' ("1_a.sql") uses CONCURRENTLY, which cannot run inside a transaction: add a "-- +goose NO TRANSACTION" line`,
    ],
    [
      'more than a ConfigMap holds',
      { source: { files: { '1_a.sql': `${TABLES}-- ${'x'.repeat(1024 * 1024)}\n` } } },
      `'source.files' ("${'1_a.sql'.length + TABLES.length + 1024 * 1024 + 4} bytes") must add up to at most 1048576 bytes (1 MiB, a ConfigMap's limit)`,
    ],
    ['a relative image directory', { source: { image: 'ghcr.io/example/web-backend:1.0.0', directory: 'migrations' } }, `'source.directory' ("migrations") must be an absolute path`],
    ['an unpinned image of migrations', { source: { image: 'ghcr.io/example/web-backend', directory: '/m' } }, `'source.image' ("ghcr.io/example/web-backend") must be pinned`],
    ['an unpinned runner', { image: 'ghcr.io/example/goose-migrate' }, `'image' ("ghcr.io/example/goose-migrate") must be pinned`],
    [
      'a name too long for its NetworkPolicy at the cluster',
      { name: 'm'.repeat(50) },
      `'name' ("${'m'.repeat(50)}") must be at most 49 characters: its NetworkPolicy "${'m'.repeat(50)}-to-db-ingress" must fit in the 63 of a label`,
    ],
    ['a name that is no label', { name: 'Migrate' }, `'name' ("Migrate") must be a DNS-1123 label`],
    ['a timeout under 30 s', { timeoutSeconds: 10 }, `'timeoutSeconds' (10) must be a whole number of seconds, at least 30`],
    ['a request above its limit', { resources: { requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } }, `'resources.requests.cpu' ("1") must be less than or equal to 'resources.limits.cpu'`],
  ])('refuses %s, naming the field and the file', (_, overrides, message) => {
    expect(() => migration(overrides)).toThrow(`/migration: ${message}`);
  });

  it('writes a batch/v1 Job of its labels, whose containers are named for `kubectl logs -c`, without Service links', () => {
    expect(job(shared())).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { labels: { 'app.kubernetes.io/name': 'db-migrate' } } });
    expect(container(shared()).name).toBe('migrate');
    expect(pod(shared()).enableServiceLinks).toBe(false);
    const copy = at(pod(migration({ source: { image: 'ghcr.io/example/web-backend:1.0.0', directory: '/app/migrations//' } })), 'initContainers', 0) as Json;
    expect(copy).toMatchObject({ name: 'copy-migrations', command: ['cp', '-R', '/app/migrations/.', '/migrations/'] });
  });

  it("mounts the cluster's CA read-only", () => {
    expect(container(shared()).volumeMounts).toContainEqual({ name: 'ca', mountPath: '/etc/postgres-ca', readOnly: true });
  });

  it('makes a new Job when its pod changes (resources), since a Job template cannot', () => {
    const bigger = migration({ resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } });
    expect(jobName(bigger)).not.toBe(jobName(shared()));
  });

  it("names the failed pods' main and init containers' messages in the log tail", () => {
    const [verdict] = data(shared(), 'kubernetes_resources').filter((d) => d.kind === 'Job');
    const [postcondition] = at(verdict, 'lifecycle', 'postcondition') as Json[];
    expect(postcondition.error_message).toContain('containerStatuses');
    expect(postcondition.error_message).toContain('initContainerStatuses');
  });

  it('is counted by the quota check and the capacity report as at most one pod of its resources', () => {
    let footprint: unknown;
    synthScope((scope: Construct) => {
      footprint = migrationIn(scope).footprint;
    });
    expect(footprint).toEqual({
      name: 'db-migrate',
      namespace: 'web',
      minReplicas: 0,
      maxReplicas: 1,
      containers: [{ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }],
    });
  });

  it('takes a name whose NetworkPolicy is exactly 63 characters, and its Job the hash after it', () => {
    const name = 'm'.repeat(49);
    expect(jobName(migration({ name }))).toMatch(new RegExp(`^${name}-[0-9a-f]{8}$`));
  });

  it('takes the bounds themselves: version 2^63 − 1, files of exactly 1 MiB', () => {
    expect(() => migration({ source: { files: { '9223372036854775807_last.sql': TABLES } } })).not.toThrow();
    const name = '00001_big.sql';
    const filler = 'x'.repeat(2 ** 20 - name.length - TABLES.length - 1);
    expect(() => migration({ source: { files: { [name]: `${TABLES}-${filler}` } } })).not.toThrow();
    expect(() => migration({ source: { files: { [name]: `${TABLES}--${filler}` } } })).toThrow("'source.files' (\"1048577 bytes\") must add up to at most 1048576 bytes");
  });

  it('names ephemeralStorage in its error', () => {
    expect(() => migration({ ephemeralStorage: { request: '1Gi', limit: '64Mi' } })).toThrow("/migration: 'ephemeralStorage.request' (\"1Gi\")");
  });

  it('reads the .sql files of a directory, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(dir, '00002_b.sql'), INDEXES);
    writeFileSync(join(dir, '00001_a.sql'), TABLES);
    writeFileSync(join(dir, 'README.md'), '# notes');
    expect(migrationsFromDirectory(dir)).toEqual({ '00001_a.sql': TABLES, '00002_b.sql': INDEXES });
  });
});
