import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Construct } from 'constructs';
import { ValkeyCache, type ValkeyCacheProps } from '../../constructs/cache/valkey-cache';
import { ConnectionPooler, type ConnectionPoolerProps } from '../../constructs/database/connection-pooler';
import { PostgresCluster, type PostgresClusterProps } from '../../constructs/database/postgres-cluster';
import { namespacePeer } from '../../constructs/guardrails/connections';
import { at, customResource, DIGEST, fixture, manifests, metadataName, networkPolicies, resources, synthScope, type Json, type Resource } from '../helpers';

const prometheus = namespacePeer('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' });
const small = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };

const clusterProps: PostgresClusterProps = {
  name: 'db',
  namespace: 'web',
  image: 'ghcr.io/cloudnative-pg/postgresql:17.6',
  readReplicas: 2,
  storage: { size: '10Gi' },
  resources: small,
  maxConnections: 200,
  parameters: { shared_buffers: '256MB' },
  scrapedBy: prometheus,
};
const poolerProps = { defaultPoolSize: 20, maxClientConnections: 100 };

/** A cluster with both poolers, as the app stack builds it. */
function database(overrides: Partial<PostgresClusterProps> = {}, pooler: Partial<ConnectionPoolerProps> = {}) {
  return synthScope((scope: Construct) => {
    const cluster = new PostgresCluster(scope, 'db', { ...clusterProps, ...overrides });
    new ConnectionPooler(scope, 'rw', { cluster, type: 'rw', ...poolerProps, ...pooler });
    if (cluster.readReplicas > 0) new ConnectionPooler(scope, 'ro', { cluster, type: 'ro', ...poolerProps, ...pooler });
  });
}

const ingress = (from: Json[], ports: Json[], podSelector: Json) => ({ pod_selector: { match_labels: podSelector }, policy_types: ['Ingress'], ingress: [{ from, ports }] });
const tcp = (...ports: number[]) => ports.map((port) => ({ port: String(port), protocol: 'TCP' }));
const instances = { 'cnpg.io/cluster': 'db', 'cnpg.io/podRole': 'instance' };
const poolerPods = (type: string) => ({ 'cnpg.io/poolerName': `db-pooler-${type}` });
const operatorNamespace = [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'cnpg-system' } } }];
const prometheusPods = [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'prometheus' } } }];
const apiServer = { pod_selector: {}, policy_types: ['Egress'], egress: [{ to: [{ ip_block: { cidr: '0.0.0.0/0' } }, { ip_block: { cidr: '::/0' } }], ports: tcp(443, 6443) }] };

const sharedDatabase = fixture(() => database());

describe('PostgresCluster', () => {
  let out: Json;
  let policies: Map<string, Resource>;
  beforeEach(() => {
    out = sharedDatabase();
    policies = networkPolicies(out);
  });

  it('runs one primary and the read replicas, one per host', () => {
    const spec = at(manifests(out, 'Cluster')[0], 'spec') as Json;
    expect(spec.instances).toBe(3);
    expect(spec.affinity).toEqual({ enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
    expect(spec.storage).toEqual({ size: '10Gi' });
    expect(spec.resources).toEqual({
      requests: { ...small.requests, 'ephemeral-storage': '256Mi' },
      limits: { ...small.limits, 'ephemeral-storage': '1Gi' },
    });
    expect(at(spec, 'postgresql', 'parameters')).toEqual({ max_connections: '200', shared_buffers: '256MB' });
    expect(at(spec, 'bootstrap', 'initdb')).toEqual({ database: 'app', owner: 'app' });
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instances } },
    ]);
    const withClass = database({ storage: { size: '50Gi', storageClass: 'ebs.gp3' } });
    expect(at(manifests(withClass, 'Cluster')[0], 'spec', 'storage')).toEqual({ size: '50Gi', storageClass: 'ebs.gp3' });
  });

  it('has CloudNativePG pull an image pinned by a tag at every start, one pinned by a digest only when the node lacks it', () => {
    const pullPolicy = (o: Json) => at(manifests(o, 'Cluster')[0], 'spec', 'imagePullPolicy');
    expect(pullPolicy(out)).toBe('Always');
    expect(pullPolicy(database({ image: `ghcr.io/cloudnative-pg/postgresql:17.6@${DIGEST}` }))).toBe('IfNotPresent');
  });

  it('gives the instances the scratch space asked for, ephemeral storage included', () => {
    const roomy = database({ ephemeralStorage: { request: '1Gi', limit: '4Gi' } });
    const resources = at(manifests(roomy, 'Cluster')[0], 'spec', 'resources');
    expect(at(resources, 'requests', 'ephemeral-storage')).toBe('1Gi');
    expect(at(resources, 'limits', 'ephemeral-storage')).toBe('4Gi');
  });

  it("keeps CloudNativePG's PodDisruptionBudgets on, and renders none of its own", () => {
    expect(at(manifests(out, 'Cluster')[0], 'spec', 'enablePDB')).toBe(true);
    expect(resources(out, 'kubernetes_pod_disruption_budget_v1').filter((r) => at(r, 'metadata', 'name') === 'db' || at(r, 'metadata', 'name') === 'db-primary')).toEqual([]);
  });

  it("accepts the parameters CloudNativePG's defaulting webhook adds, so apply does not fail on them", () => {
    expect(at(customResource(out, 'Cluster'), 'ignore_fields')).toEqual(['spec.postgresql.parameters']);
  });

  it('schedules backups through the Barman Cloud plugin only when asked', () => {
    expect(manifests(out, 'ScheduledBackup')).toEqual([]);
    const withBackup = database({ backup: { schedule: '0 0 2 * * *', objectStoreName: 'backups' } });
    expect(at(manifests(withBackup, 'Cluster')[0], 'spec', 'plugins')).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'backups' } },
    ]);
    expect(at(manifests(withBackup, 'ScheduledBackup')[0], 'spec')).toEqual({
      schedule: '0 0 2 * * *',
      cluster: { name: 'db' },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      backupOwnerReference: 'self',
      target: 'prefer-standby',
    });
  });

  it('lets its instances replicate and ask each other\'s status', () => {
    expect(at(policies.get('db-replication-ingress'), 'spec')).toEqual(ingress([{ pod_selector: { match_labels: instances } }], tcp(5432, 8000), instances));
    expect(at(policies.get('db-replication-egress'), 'spec', 'egress', 0, 'ports')).toEqual(tcp(5432, 8000));
  });

  it('lets the operator reach the instances\' status port', () => {
    expect(at(policies.get('operator-to-db-ingress'), 'spec')).toEqual(ingress(operatorNamespace, tcp(8000), instances));
    const elsewhere = networkPolicies(database({ operatorNamespace: 'postgres-operator' }));
    expect(at(elsewhere.get('operator-to-db-ingress'), 'spec', 'ingress', 0, 'from', 0, 'namespace_selector', 'match_labels')).toEqual({ 'kubernetes.io/metadata.name': 'postgres-operator' });
  });

  it('lets the instances reach the API server on 443 and 6443', () => {
    expect(at(policies.get('db-to-apiserver-egress'), 'spec')).toEqual({ ...apiServer, pod_selector: { match_labels: instances } });
  });

  it('lets the initdb and join Jobs reach the API server, and a joining replica copy the primary on 5432', () => {
    for (const role of ['initdb', 'join']) {
      const jobPods = { 'cnpg.io/cluster': 'db', 'cnpg.io/jobRole': role };
      expect(at(policies.get(`db-${role}-to-apiserver-egress`), 'spec')).toEqual({ ...apiServer, pod_selector: { match_labels: jobPods } });
    }
    const join = { 'cnpg.io/cluster': 'db', 'cnpg.io/jobRole': 'join' };
    expect(at(policies.get('db-join-to-db-ingress'), 'spec')).toEqual(ingress([{ pod_selector: { match_labels: join } }], tcp(5432), instances));
    expect(at(policies.get('db-join-to-db-egress'), 'spec', 'egress', 0, 'ports')).toEqual(tcp(5432));
    // initdb makes the first instance's data itself: it connects to no instance.
    expect([...policies.keys()].filter((n) => n.startsWith('db-initdb-to-db'))).toEqual([]);
  });

  it('makes a PodMonitor for the instances and lets Prometheus scrape port 9187', () => {
    const monitor = manifests(out, 'PodMonitor').find((m) => at(m, 'metadata', 'name') === 'db');
    expect(at(monitor, 'spec', 'selector', 'matchLabels')).toEqual(instances);
    expect(at(policies.get('prometheus-to-db-ingress'), 'spec')).toEqual(ingress(prometheusPods, tcp(9187), instances));
  });

  it('counts its instances, their resources and their volumes in its footprint, and the poolers theirs', () => {
    synthScope((scope: Construct) => {
      const cluster = new PostgresCluster(scope, 'db', clusterProps);
      const rw = new ConnectionPooler(scope, 'rw', { cluster, type: 'rw', ...poolerProps, resources: small });
      expect(cluster.footprint).toEqual({ name: 'db', namespace: 'web', minReplicas: 3, maxReplicas: 3, containers: [small], volumeClaims: ['10Gi'] });
      expect(rw.footprint).toEqual({ name: 'db-pooler-rw', namespace: 'web', minReplicas: 2, maxReplicas: 2, containers: [small] });
    });
  });

  it('lets a client in on 5432 by default, and its poolers likewise', () => {
    const peer = namespacePeer('client', 'web', { app: 'client' });
    const flows = networkPolicies(
      synthScope((scope: Construct) => {
        const cluster = new PostgresCluster(scope, 'db', clusterProps);
        const rw = new ConnectionPooler(scope, 'rw', { cluster, type: 'rw', ...poolerProps });
        cluster.connections.allowDefaultPortFrom(peer);
        rw.connections.allowDefaultPortFrom(peer);
      }),
    );
    expect(at(flows.get('client-to-db-ingress'), 'spec', 'ingress', 0, 'ports')).toEqual(tcp(5432));
    expect(at(flows.get('client-to-db-pooler-rw-ingress'), 'spec', 'ingress', 0, 'ports')).toEqual(tcp(5432));
  });

  // robfig/cron splits the fields at any run of spaces, as strings.Fields does.
  it.each(['0 0 2 * * *', '*/15 0-59/5 1,13 ? JAN-MAR,dec sun-sat', '59 59 23 31 12 6', '0 30 2 1-7 * MON', ' 0 0  2 * * * '])('accepts the schedule "%s", which CloudNativePG parses', (schedule) => {
    expect(manifests(database({ backup: { schedule, objectStoreName: 'backups' } }), 'ScheduledBackup')).toHaveLength(1);
  });

  it('accepts a six-field schedule with wider fields, and names the backup after the cluster', () => {
    const withBackup = database({ backup: { schedule: '30 15 2 * * 1-5', objectStoreName: 'backups' } });
    expect(at(manifests(withBackup, 'ScheduledBackup')[0], 'metadata', 'name')).toBe('db-daily');
    expect(at(manifests(withBackup, 'ScheduledBackup')[0], 'spec', 'schedule')).toBe('30 15 2 * * 1-5');
  });

  it('is not scraped without a scraper', () => {
    const unscraped = database({ scrapedBy: undefined });
    expect(manifests(unscraped, 'PodMonitor')).toEqual([]);
    expect([...networkPolicies(unscraped).keys()].filter((n) => n.startsWith('prometheus'))).toEqual([]);
  });

  it.each([
    ['max_connections among the parameters', { parameters: { max_connections: '50' } }, `'parameters.max_connections' ("50") must not be set: use 'maxConnections'`],
    ['a storage size that is not a quantity', { storage: { size: 'big' } }, `'storage.size' ("big") must be a positive Kubernetes quantity`],
    ['negative replicas', { readReplicas: -1 }, `'readReplicas' (-1) must be a whole number of replicas, at least 0`],
    ['a five-field schedule', { backup: { schedule: '0 2 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("0 2 * * *") must be a six-field cron schedule`],
    ['a seven-field schedule', { backup: { schedule: '0 0 2 * * * 2027', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 2 * * * 2027") must be a six-field cron schedule`],
    [
      'a second out of range',
      { backup: { schedule: '99 0 2 * * *', objectStoreName: 'b' } },
      `'backup.schedule' ("99 0 2 * * *") must be a six-field cron schedule (with seconds): its second field "99" must hold *, ?, or values from 0 to 59, as lists, ranges and /steps`,
    ],
    ['an hour range beyond 23', { backup: { schedule: '0 0 20-24 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 20-24 * * *") must be a six-field cron schedule (with seconds): its hour field "20-24" must hold *, ?, or values from 0 to 23`],
    ['a day of month 0', { backup: { schedule: '0 0 2 0 * *', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 2 0 * *") must be a six-field cron schedule (with seconds): its day of month field "0" must hold *, ?, or values from 1 to 31`],
    ['an unknown month name', { backup: { schedule: '0 0 2 1 JAN,FOO *', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 2 1 JAN,FOO *") must be a six-field cron schedule (with seconds): its month field "JAN,FOO" must hold *, ?, or values from 1 to 12 (or JAN–DEC)`],
    ['a reversed range of weekdays', { backup: { schedule: '0 0 2 * * FRI-MON', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 2 * * FRI-MON") must be a six-field cron schedule (with seconds): its day of week field "FRI-MON" must hold *, ?, or values from 0 to 6 (or SUN–SAT)`],
    ['a step of 0', { backup: { schedule: '*/0 0 2 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("*/0 0 2 * * *") must be a six-field cron schedule (with seconds): its second field "*/0" must hold *, ?, or values from 0 to 59`],
    // robfig/cron reads a value with strconv.Atoi: digits only, where JavaScript's Number() would read 16 and 10.
    ['an hour in hexadecimal', { backup: { schedule: '0 0 0x10 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 0x10 * * *") must be a six-field cron schedule (with seconds): its hour field "0x10" must hold *, ?, or values from 0 to 23`],
    ['a step in hexadecimal', { backup: { schedule: '*/0x2 0 2 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("*/0x2 0 2 * * *") must be a six-field cron schedule (with seconds): its second field "*/0x2" must hold *, ?, or values from 0 to 59`],
    ['a step in exponent notation', { backup: { schedule: '*/2e0 0 2 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("*/2e0 0 2 * * *") must be a six-field cron schedule (with seconds): its second field "*/2e0" must hold *, ?, or values from 0 to 59`],
    ['an hour in exponent notation', { backup: { schedule: '0 0 1e1 * * *', objectStoreName: 'b' } }, `'backup.schedule' ("0 0 1e1 * * *") must be a six-field cron schedule (with seconds): its hour field "1e1" must hold *, ?, or values from 0 to 23`],
    ['a name that is not a DNS label', { name: 'Main_DB' }, `'name' ("Main_DB") must be a DNS-1123 label`],
    ['an unpinned image', { image: 'postgres' }, `'image' ("postgres") must be pinned with a tag or a digest`],
    ['a database name that is not a DNS label', { databaseName: 'App' }, `'databaseName' ("App") must be a DNS-1123 label`],
    ['a CPU that is not a quantity', { resources: { requests: { cpu: 'x', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }, `'resources.requests.cpu' ("x") must be a positive Kubernetes quantity`],
    ['fewer than 10 connections', { maxConnections: 9 }, `'maxConnections' (9) must be a whole number of connections from 10 to 262143`],
    ['scratch space asked above its limit', { ephemeralStorage: { request: '2Gi', limit: '1Gi' } }, `'ephemeralStorage.request' ("2Gi") must be less than or equal to 'ephemeralStorage.limit' ("1Gi")`],
  ] as [string, Partial<PostgresClusterProps>, string][])('refuses %s', (_, overrides, message) => {
    expect(() => database(overrides)).toThrow(`/db: ${message}`);
  });
});

describe('database connection details for a client', () => {
  /** The cluster's credential variables and the rw pooler's URL, with the given variable names. */
  const details = (names?: { user?: string; password?: string }) => {
    let out: { env: unknown[]; url: string } = { env: [], url: '' };
    synthScope((scope: Construct) => {
      const cluster = new PostgresCluster(scope, 'db', clusterProps);
      const pooler = new ConnectionPooler(scope, 'rw', { cluster, type: 'rw', ...poolerProps });
      out = { env: cluster.credentialsEnv(names), url: pooler.url(names) };
    });
    return out;
  };

  it("reads the user and password from the operator's <name>-app Secret, by reference, and the URL refers to them", () => {
    const { env, url } = details();
    expect(env).toEqual([
      { name: 'DB_USER', secretKeyRef: { secretName: 'db-app', key: 'username' } },
      { name: 'DB_PASSWORD', secretKeyRef: { secretName: 'db-app', key: 'password' } },
    ]);
    expect(url).toBe('postgresql://$(DB_USER):$(DB_PASSWORD)@db-pooler-rw.web.svc:5432/app');
  });

  it('names the variables as asked, in the Secret references and the URL alike', () => {
    const { env, url } = details({ user: 'PGUSER', password: 'PGPASS' });
    expect(env.map((e) => (e as { name: string }).name)).toEqual(['PGUSER', 'PGPASS']);
    expect(url).toBe('postgresql://$(PGUSER):$(PGPASS)@db-pooler-rw.web.svc:5432/app');
  });
});

describe('ConnectionPooler', () => {
  let out: Json;
  let policies: Map<string, Resource>;
  beforeEach(() => {
    out = sharedDatabase();
    policies = networkPolicies(out);
  });
  const pooler = (type: string) => manifests(out, 'Pooler').find((p) => at(p, 'metadata', 'name') === `db-pooler-${type}`);

  it('pools in transaction mode for its cluster, named after it', () => {
    const spec = at(pooler('ro'), 'spec') as Json;
    expect(spec).toMatchObject({ cluster: { name: 'db' }, instances: 2, type: 'ro' });
    expect(spec.pgbouncer).toEqual({ poolMode: 'transaction', parameters: { max_client_conn: '100', default_pool_size: '20' } });
    expect(at(spec, 'template', 'spec', 'containers', 0)).toEqual({
      name: 'pgbouncer',
      imagePullPolicy: 'Always',
      resources: { requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '128Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '512Mi' } },
    });
  });

  it("sets the resources of CloudNativePG's bootstrap-controller init container, by its name", () => {
    expect(at(pooler('rw'), 'spec', 'template', 'spec', 'initContainers')).toEqual([
      {
        name: 'bootstrap-controller',
        imagePullPolicy: 'Always',
        resources: { requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '128Mi' }, limits: { cpu: '500m', memory: '128Mi', 'ephemeral-storage': '256Mi' } },
      },
    ]);
    const own = database({}, { bootstrapResources: small, bootstrapEphemeralStorage: { request: '1Gi', limit: '2Gi' }, ephemeralStorage: { request: '1Gi', limit: '3Gi' } });
    const spec = at(manifests(own, 'Pooler')[0], 'spec', 'template', 'spec');
    expect(at(spec, 'initContainers', 0, 'resources')).toEqual({
      requests: { ...small.requests, 'ephemeral-storage': '1Gi' },
      limits: { ...small.limits, 'ephemeral-storage': '2Gi' },
    });
    expect(at(spec, 'containers', 0, 'resources', 'limits', 'ephemeral-storage')).toBe('3Gi');
  });

  const budgets = (stack: Json) => new Map(resources(stack, 'kubernetes_pod_disruption_budget_v1').map((r) => [metadataName(r), at(r, 'spec')]));

  it.each(['rw', 'ro'])('%s: keeps one of its 2 PgBouncer pods through a drain', (type) => {
    expect(budgets(out).get(`db-pooler-${type}`)).toEqual({ min_available: '1', selector: { match_labels: poolerPods(type) } });
  });

  it('keeps as many pods as asked, and has no budget at 1 instance, which one would make undrainable', () => {
    expect(budgets(database({}, { instances: 3, disruptionBudget: { minAvailable: 2 } })).get('db-pooler-rw')).toMatchObject({ min_available: '2' });
    expect(budgets(database({}, { instances: 1 }))).toEqual(new Map());
  });

  it("has CloudNativePG's images, pinned by a tag, pulled at every start, whatever the cluster's image", () => {
    const pullPolicies = (p: Json) => ['containers', 'initContainers'].map((list) => at(p, 'spec', 'template', 'spec', list, 0, 'imagePullPolicy'));
    expect(pullPolicies(pooler('rw') as Json)).toEqual(['Always', 'Always']);
    const digestCluster = database({ image: `ghcr.io/cloudnative-pg/postgresql:17.6@${DIGEST}` });
    expect(manifests(digestCluster, 'Pooler').map(pullPolicies)).toEqual([
      ['Always', 'Always'],
      ['Always', 'Always'],
    ]);
  });

  it('labels its pods as it labels the Pooler', () => {
    const labels = at(pooler('rw'), 'metadata', 'labels') as Json;
    expect(Object.keys(labels)).not.toHaveLength(0);
    expect(at(pooler('rw'), 'spec', 'template', 'metadata', 'labels')).toEqual(labels);
  });

  it.each(['rw', 'ro'])('%s: reaches the instances on 5432', (type) => {
    expect(at(policies.get(`db-pooler-${type}-to-db-ingress`), 'spec')).toEqual(ingress([{ pod_selector: { match_labels: poolerPods(type) } }], tcp(5432), instances));
    expect(at(policies.get(`db-pooler-${type}-to-db-egress`), 'spec', 'egress', 0, 'ports')).toEqual(tcp(5432));
  });

  it.each(['rw', 'ro'])('%s: lets the operator reach its status port', (type) => {
    expect(at(policies.get(`operator-to-db-pooler-${type}-ingress`), 'spec')).toEqual(ingress(operatorNamespace, tcp(8000), poolerPods(type)));
  });

  it.each(['rw', 'ro'])('%s: reaches the API server on 443 and 6443', (type) => {
    expect(at(policies.get(`db-pooler-${type}-to-apiserver-egress`), 'spec')).toEqual({ ...apiServer, pod_selector: { match_labels: poolerPods(type) } });
  });

  it.each(['rw', 'ro'])('%s: has a PodMonitor and lets Prometheus scrape PgBouncer on 9127', (type) => {
    const monitor = manifests(out, 'PodMonitor').find((m) => at(m, 'metadata', 'name') === `db-pooler-${type}`);
    expect(at(monitor, 'spec', 'selector', 'matchLabels')).toEqual(poolerPods(type));
    expect(at(policies.get(`prometheus-to-db-pooler-${type}-ingress`), 'spec')).toEqual(ingress(prometheusPods, tcp(9127), poolerPods(type)));
  });

  it('tells where it is reached and which Secret holds the credentials', () => {
    synthScope((scope: Construct) => {
      const cluster = new PostgresCluster(scope, 'db', clusterProps);
      const pooler = new ConnectionPooler(scope, 'rw', { cluster, type: 'rw', ...poolerProps });
      expect([pooler.poolerName, pooler.host, pooler.port, cluster.appSecretName]).toEqual(['db-pooler-rw', 'db-pooler-rw.web.svc', 5432, 'db-app']);
    });
  });

  it('is created after its cluster', () => {
    const cluster = customResource(out, 'Cluster');
    expect(customResource(out, 'Pooler')?.depends_on).toContain(`${cluster?.__type}.${cluster?.__name}`);
  });

  it('refuses to pool reads of a cluster without replicas', () => {
    expect(() =>
      synthScope((scope) => {
        const cluster = new PostgresCluster(scope, 'db', { ...clusterProps, readReplicas: 0 });
        new ConnectionPooler(scope, 'ro', { cluster, type: 'ro', ...poolerProps });
      }),
    ).toThrow(`/ro: 'type' ("ro") needs read replicas, but cluster 'db' has 'readReplicas' (0)`);
  });

  it('pools writes of a cluster without replicas', () => {
    expect(manifests(database({ readReplicas: 0 }), 'Pooler').map((p) => at(p, 'spec', 'type'))).toEqual(['rw']);
  });

  it.each([
    ['a name that is not a DNS label', { name: 'Pool_RW' }, `'name' ("Pool_RW") must be a DNS-1123 label`],
    ['no instances', { instances: 0 }, `'instances' (0) must be a whole number of pods from 1 to 2147483647`],
    ['no client connections', { maxClientConnections: 0 }, `'maxClientConnections' (0) must be a whole number of connections from 1 to 2147483647`],
    ['a memory that is not a quantity', { resources: { requests: { cpu: '100m', memory: 'x' }, limits: { cpu: '1', memory: '1Gi' } } }, `'resources.requests.memory' ("x") must be a positive Kubernetes quantity`],
    ['a budget at 1 instance', { instances: 1, disruptionBudget: { minAvailable: 1 } }, `'disruptionBudget.minAvailable' (1) must be less than 'instances' (1), or no node can be drained`],
    ['a budget that keeps every pod', { disruptionBudget: { minAvailable: 2 } }, `'disruptionBudget.minAvailable' (2) must be less than 'instances' (2)`],
    ['scratch space asked above its limit', { ephemeralStorage: { request: '1Gi', limit: '512Mi' } }, `'ephemeralStorage.request' ("1Gi") must be less than or equal to 'ephemeralStorage.limit' ("512Mi")`],
    ['an init container CPU that is not a quantity', { bootstrapResources: { requests: { cpu: 'lots', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } } }, `'bootstrapResources.requests.cpu' ("lots") must be a positive Kubernetes quantity`],
    ['init scratch space that is not a quantity', { bootstrapEphemeralStorage: { request: '0', limit: '1Gi' } }, `'bootstrapEphemeralStorage.request' ("0") must be a positive Kubernetes quantity`],
  ] as [string, Partial<ConnectionPoolerProps>, string][])('refuses %s, naming the prop', (_, pooler, message) => {
    expect(() => database({}, pooler)).toThrow(`/rw: ${message}`);
  });

  it('refuses a pool of no connections', () => {
    expect(() => database({}, { defaultPoolSize: 0 })).toThrow(`/rw: 'defaultPoolSize' (0) must be a whole number of connections from 1 to 2147483647`);
  });
});

describe('ValkeyCache', () => {
  const props: ValkeyCacheProps = {
    name: 'cache',
    namespace: 'web',
    image: 'docker.io/valkey/valkey:8.1.4-alpine',
    exporterImage: 'docker.io/oliver006/redis_exporter:v1.80.0',
    instances: 2,
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } },
    disruptionBudget: { minAvailable: 1 },
    scrapedBy: prometheus,
    auth: { secretName: 'cache-auth' },
  };
  const withTls: Partial<ValkeyCacheProps> = { tls: { certificateSecretName: 'cache-tls' } };
  const cache = (overrides: Partial<ValkeyCacheProps> = {}) => synthScope((scope) => new ValkeyCache(scope, 'cache', { ...props, ...overrides }));
  const sharedCache = fixture(() => cache());
  let out: Json;
  let statefulSet: Resource;
  let containers: Json[];
  let policies: Map<string, Resource>;
  let podLabels: Json;
  beforeEach(() => {
    out = sharedCache();
    statefulSet = resources(out, 'kubernetes_stateful_set_v1')[0];
    containers = at(statefulSet, 'spec', 'template', 'spec', 'container') as Json[];
    policies = networkPolicies(out);
    podLabels = at(statefulSet, 'spec', 'selector', 'match_labels') as Json;
  });
  const conf = (o: Json) => (at(resources(o, 'kubernetes_config_map_v1')[0], 'data', 'valkey.conf') as string).split('\n');

  it('is a pure LRU cache with maxmemory at 75% of the memory limit, read-only on replicas', () => {
    expect(conf(out)).toEqual([
      'port 6379',
      'bind * -::*',
      'protected-mode yes',
      'dir /data',
      'save ""',
      'appendonly no',
      `maxmemory ${768 * 2 ** 20}`,
      'maxmemory-policy allkeys-lru',
      'replica-read-only yes',
      'include /run/valkey/auth.conf',
      '',
    ]);
    expect(conf(cache({ maxmemoryPercent: 50 }))).toContain(`maxmemory ${512 * 2 ** 20}`);
    expect(conf(cache({ maxmemory: '900Mi' }))).toContain(`maxmemory ${900 * 2 ** 20}`);
  });

  it('makes pod 0 the primary and the others its replicas', () => {
    expect(at(statefulSet, 'spec', 'replicas')).toBe('2');
    const command = containers[0].command as string[];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command[2]).toContain('*-0) exec valkey-server /etc/valkey/valkey.conf ;;');
    expect(command[2]).toContain('> /run/valkey/auth.conf;');
    expect(command[2]).toContain('--replicaof cache-0.cache-headless 6379');
    // Terraform would read "${" as an interpolation.
    expect(command[2]).not.toContain('${');
  });

  it('writes through the primary and reads from every instance', () => {
    const services = new Map(resources(out, 'kubernetes_service_v1').map((s) => [metadataName(s), s]));
    expect([...services.keys()].sort()).toEqual(['cache-headless', 'cache-read', 'cache-write']);
    expect(at(services.get('cache-write'), 'spec', 'selector', 'statefulset.kubernetes.io/pod-name')).toBe('cache-0');
    expect(at(services.get('cache-read'), 'spec', 'selector')).toEqual(podLabels);
    expect(at(services.get('cache-headless'), 'spec', 'cluster_ip')).toBe('None');
    expect(at(services.get('cache-headless'), 'spec', 'publish_not_ready_addresses')).toBe(true);
  });

  it('lets replicas reach the primary on 6379', () => {
    expect(at(policies.get('cache-replication-ingress'), 'spec')).toEqual(ingress([{ pod_selector: { match_labels: podLabels } }], tcp(6379), podLabels));
  });

  it('exports metrics from a sidecar, scraped once per instance through the read Service, on 9121', () => {
    expect(containers[1].name).toBe('exporter');
    expect(containers[1].port).toEqual([{ name: 'metrics', container_port: 9121 }]);
    const monitor = manifests(out, 'ServiceMonitor')[0];
    expect(at(monitor, 'spec', 'selector', 'matchLabels', 'app.kubernetes.io/component')).toBe('read');
    expect(at(monitor, 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(at(policies.get('prometheus-to-cache-ingress'), 'spec')).toEqual(ingress(prometheusPods, tcp(9121), podLabels));
  });

  it('keeps liveness independent of Valkey: TCP checks, readiness on the exporter\'s /health', () => {
    const [valkey, exporter] = containers;
    expect(at(valkey, 'liveness_probe', 'tcp_socket')).toEqual([{ port: 'valkey' }]);
    expect(at(exporter, 'liveness_probe', 'tcp_socket')).toEqual([{ port: 'metrics' }]);
    expect(at(exporter, 'startup_probe', 'tcp_socket')).toEqual([{ port: 'metrics' }]);
    expect(at(exporter, 'readiness_probe', 'http_get')).toEqual({ path: '/health', port: 'metrics' });
  });

  it('starts every instance at once and replaces them one by one', () => {
    expect([at(statefulSet, 'spec', 'pod_management_policy'), at(statefulSet, 'spec', 'update_strategy')]).toEqual(['Parallel', [{ type: 'RollingUpdate' }]]);
  });

  it('runs without an API token or Service variables', () => {
    const pod = at(statefulSet, 'spec', 'template', 'spec') as Json;
    expect([pod.automount_service_account_token, pod.enable_service_links]).toEqual([false, false]);
  });

  it('pulls each image pinned by a tag at every start, one pinned by a digest only when the node lacks it', () => {
    const pullPolicies = (o: Json) => (at(resources(o, 'kubernetes_stateful_set_v1')[0], 'spec', 'template', 'spec', 'container') as Json[]).map((c) => [c.name, c.image_pull_policy]);
    expect(pullPolicies(out)).toEqual([
      ['valkey', 'Always'],
      ['exporter', 'Always'],
    ]);
    expect(pullPolicies(cache({ exporterImage: `docker.io/oliver006/redis_exporter:v1.80.0@${DIGEST}` }))).toEqual([
      ['valkey', 'Always'],
      ['exporter', 'IfNotPresent'],
    ]);
    expect(pullPolicies(cache({ image: `docker.io/valkey/valkey@${DIGEST}` }))[0]).toEqual(['valkey', 'IfNotPresent']);
  });

  it('spreads its instances over hosts and zones where it can', () => {
    const constraint = (topologyKey: string) => ({ max_skew: 1, topology_key: topologyKey, when_unsatisfiable: 'ScheduleAnyway', label_selector: [{ match_labels: podLabels }] });
    expect(at(statefulSet, 'spec', 'template', 'spec', 'topology_spread_constraint')).toEqual([constraint('kubernetes.io/hostname'), constraint('topology.kubernetes.io/zone')]);
  });

  it('takes traffic once Valkey has started and answers PING', () => {
    const [valkey] = containers;
    expect(valkey.port).toEqual([{ name: 'valkey', container_port: 6379 }]);
    expect(at(valkey, 'startup_probe', 'tcp_socket')).toEqual([{ port: 'valkey' }]);
    // -e: an error reply (NOAUTH) fails the probe.
    expect(at(valkey, 'readiness_probe', 'exec', 'command')).toEqual(['valkey-cli', '-e', '-p', '6379', 'ping']);
  });

  it('reads its configuration read-only and keeps its data in scratch space', () => {
    const config = resources(out, 'kubernetes_config_map_v1')[0];
    expect(metadataName(config)).toBe('cache-config');
    expect(at(containers[0], 'volume_mount')).toEqual([
      { name: 'config', mount_path: '/etc/valkey', read_only: true },
      { name: 'data', mount_path: '/data' },
      { name: 'tmp', mount_path: '/tmp' },
      { name: 'auth', mount_path: '/run/valkey' },
    ]);
    expect(at(statefulSet, 'spec', 'template', 'spec', 'volume', 0)).toEqual({ name: 'config', config_map: { name: `\${kubernetes_config_map_v1.${config.__name}.metadata[0].name}` } });
  });

  it('serves Valkey and metrics on named ports of each Service, and points the exporter at the local Valkey', () => {
    const ports = [
      { name: 'valkey', port: 6379, target_port: 'valkey', protocol: 'TCP' },
      { name: 'metrics', port: 9121, target_port: 'metrics', protocol: 'TCP' },
    ];
    for (const service of resources(out, 'kubernetes_service_v1')) expect([metadataName(service), at(service, 'spec', 'type'), at(service, 'spec', 'port')]).toEqual([metadataName(service), 'ClusterIP', ports]);
    expect((containers[1].env as Json[])[0]).toEqual({ name: 'REDIS_ADDR', value: 'redis://localhost:6379' });
  });

  it('keeps the file with the password in memory, not on the node\'s disk', () => {
    expect((at(statefulSet, 'spec', 'template', 'spec', 'volume') as Json[]).find((v) => v.name === 'auth')).toEqual({ name: 'auth', empty_dir: { medium: 'Memory', size_limit: '1Mi' } });
  });

  it('keeps the data directory in scratch space of at most 64Mi', () => {
    expect((at(statefulSet, 'spec', 'template', 'spec', 'volume') as Json[]).find((v) => v.name === 'data')).toEqual({ name: 'data', empty_dir: { size_limit: '64Mi' } });
  });

  it('sets ephemeral storage on both containers', () => {
    expect(containers.map((c) => [at(c, 'resources', 'requests', 'ephemeral-storage'), at(c, 'resources', 'limits', 'ephemeral-storage')])).toEqual([
      ['128Mi', '2Gi'],
      ['16Mi', '64Mi'],
    ]);
  });

  it('tells where it is reached, lets clients in on 6379 by default and counts both containers in its footprint', () => {
    const peer = namespacePeer('client', 'web', { app: 'client' });
    const flows = networkPolicies(
      synthScope((scope: Construct) => {
        const c = new ValkeyCache(scope, 'cache', props);
        c.connections.allowDefaultPortFrom(peer);
        expect([c.writeHost, c.readHost]).toEqual(['cache-write.web.svc', 'cache-read.web.svc']);
        expect(c.footprint.containers).toEqual([props.resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } }]);
      }),
    );
    expect(at(flows.get('client-to-cache-ingress'), 'spec', 'ingress', 0, 'ports')).toEqual(tcp(6379));
  });

  it("queries its own pods' series, not those of another Valkey in its namespace", () => {
    synthScope((scope: Construct) => {
      const caches = [new ValkeyCache(scope, 'cache', props), new ValkeyCache(scope, 'queue', { ...props, name: 'queue' })];
      // PromQL anchors =~ at both ends; a StatefulSet's pods are <name>-<ordinal>.
      const [cache, queue] = caches.map((c) => new RegExp(`^${/pod=~"([^"]+)"/.exec(c.metrics.memoryRatio)?.[1]}$`));
      expect(caches.map((c) => c.metrics.matchers.split(', ')[0])).toEqual(['namespace="web"', 'namespace="web"']);
      expect(['cache-0', 'cache-1', 'queue-0'].map((pod) => [cache?.test(pod), queue?.test(pod)])).toEqual([
        [true, false],
        [true, false],
        [false, true],
      ]);
    });
  });

  it('labels every object it makes as its component, each Service by its role', () => {
    const labels = at(statefulSet, 'metadata', 'labels') as Json;
    expect(Object.keys(labels)).not.toHaveLength(0);
    for (const type of ['kubernetes_config_map_v1', 'kubernetes_pod_disruption_budget_v1']) {
      for (const r of resources(out, type)) expect([type, at(r, 'metadata', 'labels')]).toEqual([type, labels]);
    }
    expect(at(statefulSet, 'spec', 'template', 'metadata', 'labels')).toEqual(labels);
    expect(resources(out, 'kubernetes_service_v1').map((r) => [metadataName(r), at(r, 'metadata', 'labels')])).toEqual(
      ['headless', 'read', 'write'].map((role) => [`cache-${role}`, { ...labels, 'app.kubernetes.io/component': role }]),
    );
  });

  describe('AUTH', () => {
    const password = { secret_key_ref: { name: 'cache-auth', key: 'password' } };
    const start = (o: Json) => (at(resources(o, 'kubernetes_stateful_set_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'command') as string[])[2];

    it('gives Valkey the password from the Secret in REDISCLI_AUTH, which its readiness probe (valkey-cli) sends too', () => {
      expect(containers[0].env).toEqual([{ name: 'REDISCLI_AUTH', value_from: password }]);
      const other = resources(cache({ auth: { secretName: 'other', key: 'pw' } }), 'kubernetes_stateful_set_v1')[0];
      expect(at(other, 'spec', 'template', 'spec', 'container', 0, 'env')).toEqual([{ name: 'REDISCLI_AUTH', value_from: { secret_key_ref: { name: 'other', key: 'pw' } } }]);
    });

    it('authenticates the exporter with the same Secret', () => {
      expect(containers[1].env).toEqual([
        { name: 'REDIS_ADDR', value: 'redis://localhost:6379' },
        { name: 'REDIS_PASSWORD', value_from: password },
      ]);
    });

    it('writes no password into the synthesized configuration, whatever the environment of synth holds', () => {
      const sentinel = 'sentinel-Pa55word-never-in-json';
      const saved = { ...process.env };
      Object.assign(process.env, { REDISCLI_AUTH: sentinel, REDIS_PASSWORD: sentinel, CACHE_PASSWORD: sentinel });
      try {
        const json = JSON.stringify(synthScope((scope) => {
          const c = new ValkeyCache(scope, 'cache', { ...props, ...withTls });
          expect(JSON.stringify(c.connectionEnv())).not.toContain(sentinel);
        }));
        expect(json).not.toContain(sentinel);
        // Only the start script names requirepass, with the variable, never a value.
        expect(json.match(/requirepass/g)).toHaveLength(1);
        expect(start(out)).toContain(`printf 'requirepass "%s"\\nmasterauth "%s"\\n' "$REDISCLI_AUTH" "$REDISCLI_AUTH" > /run/valkey/auth.conf`);
      } finally {
        process.env = saved;
      }
    });

    describe('start script', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'valkey-start-'));
        // A stand-in for valkey-server that reports how it was started.
        writeFileSync(join(dir, 'valkey-server'), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));
      const run = (hostname: string, secret: string) =>
        spawnSync('sh', ['-c', start(out).replaceAll('/run/valkey/auth.conf', join(dir, 'auth.conf'))], {
          env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOSTNAME: hostname, REDISCLI_AUTH: secret },
          encoding: 'utf8',
        });

      it('writes requirepass and masterauth to a file only its user may read, then starts pod 0 as the primary', () => {
        const r = run('cache-0', 'Tok3n.with_safe~chars-1');
        expect([r.status, r.stdout.trim()]).toEqual([0, '/etc/valkey/valkey.conf']);
        expect(readFileSync(join(dir, 'auth.conf'), 'utf8')).toBe('requirepass "Tok3n.with_safe~chars-1"\nmasterauth "Tok3n.with_safe~chars-1"\n');
        expect(statSync(join(dir, 'auth.conf')).mode & 0o777).toBe(0o600);
      });

      it('starts the other pods as replicas of pod 0, which they authenticate to with masterauth', () => {
        const r = run('cache-1', 'token');
        expect([r.status, r.stdout.trim()]).toEqual([0, '/etc/valkey/valkey.conf --replicaof cache-0.cache-headless 6379']);
        expect(readFileSync(join(dir, 'auth.conf'), 'utf8')).toContain('masterauth "token"');
      });

      it.each([
        ['empty', ''],
        ['with a quote', 'pass"word'],
        ['with URL delimiters', 'p@ss/w:rd'],
        ['with a space', 'pass word'],
      ])('refuses a password %s, naming the Secret and key but not the password', (_, secret) => {
        const r = run('cache-0', secret);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain("the password in Secret 'cache-auth', key 'password', must be non-empty and only letters, digits");
        if (secret !== '') expect(r.stderr).not.toContain(secret);
      });
    });

    it('gives clients the password first, then the URLs that refer to it', () => {
      synthScope((scope) => {
        const c = new ValkeyCache(scope, 'cache', props);
        expect(c.connectionEnv()).toEqual([
          { name: 'CACHE_PASSWORD', secretKeyRef: { secretName: 'cache-auth', key: 'password' } },
          { name: 'REDIS_URL', value: 'redis://:$(CACHE_PASSWORD)@cache-write.web.svc:6379/0' },
          { name: 'REDIS_READ_URL', value: 'redis://:$(CACHE_PASSWORD)@cache-read.web.svc:6379/0' },
        ]);
        expect(c.connectionEnv({ password: 'Q_PW', writeUrl: 'QUEUE_URL', readUrl: false })).toEqual([
          { name: 'Q_PW', secretKeyRef: { secretName: 'cache-auth', key: 'password' } },
          { name: 'QUEUE_URL', value: 'redis://:$(Q_PW)@cache-write.web.svc:6379/0' },
        ]);
      });
    });
  });

  describe('TLS', () => {
    const tlsOut = fixture(() => cache(withTls));
    const pod = () => at(resources(tlsOut(), 'kubernetes_stateful_set_v1')[0], 'spec', 'template', 'spec') as Json;
    const container = (i: number) => (pod().container as Json[])[i];

    it('listens with TLS only, replicates over TLS and authenticates clients by password, not certificate', () => {
      const lines = conf(tlsOut());
      expect(lines.slice(0, 7)).toEqual([
        'port 0',
        'tls-port 6379',
        'tls-cert-file /tls/tls.crt',
        'tls-key-file /tls/tls.key',
        'tls-ca-cert-file /tls/ca.crt',
        'tls-replication yes',
        'tls-auth-clients no',
      ]);
      expect(lines).toContain('include /run/valkey/auth.conf');
    });

    it('mounts the certificate Secret for Valkey, readable by the pod group only, and only its CA for the exporter', () => {
      expect(pod().volume).toEqual(
        expect.arrayContaining([
          { name: 'tls', secret: { secret_name: 'cache-tls', default_mode: '0440' } },
          { name: 'tls-ca', secret: { secret_name: 'cache-tls', default_mode: '0440', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ]),
      );
      expect(at(container(0), 'volume_mount')).toContainEqual({ name: 'tls', mount_path: '/tls', read_only: true });
      expect(at(container(1), 'volume_mount')).toEqual([{ name: 'tls-ca', mount_path: '/tls', read_only: true }]);
    });

    it('probes and scrapes over TLS with the CA, authenticated', () => {
      expect(at(container(0), 'readiness_probe', 'exec', 'command')).toEqual(['valkey-cli', '-e', '--tls', '--cacert', '/tls/ca.crt', '-p', '6379', 'ping']);
      expect(container(1).env).toEqual([
        { name: 'REDIS_ADDR', value: 'rediss://localhost:6379' },
        { name: 'REDIS_PASSWORD', value_from: { secret_key_ref: { name: 'cache-auth', key: 'password' } } },
        { name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: '/tls/ca.crt' },
      ]);
    });

    it('gives clients rediss:// URLs and names the hosts the certificate must cover', () => {
      synthScope((scope) => {
        const c = new ValkeyCache(scope, 'cache', { ...props, ...withTls });
        expect(c.connectionEnv().map((e) => ('value' in e ? e.value : e.secretKeyRef.secretName))).toEqual([
          'cache-auth',
          'rediss://:$(CACHE_PASSWORD)@cache-write.web.svc:6379/0',
          'rediss://:$(CACHE_PASSWORD)@cache-read.web.svc:6379/0',
        ]);
        expect(c.tlsDnsNames).toEqual(['cache-write.web.svc', 'cache-read.web.svc', '*.cache-headless.web.svc', 'localhost']);
      });
    });

    it('mounts nothing of TLS without the option', () => {
      expect(JSON.stringify(out)).not.toMatch(/tls/);
    });
  });

  it('runs as UID/GID 10001 with that fsGroup, so the emptyDirs and the certificate are its own', () => {
    expect(at(statefulSet, 'spec', 'template', 'spec', 'security_context')).toMatchObject({ run_as_user: '10001', run_as_group: '10001', fs_group: '10001', run_as_non_root: true });
  });

  it('has a PDB', () => {
    expect(at(resources(out, 'kubernetes_pod_disruption_budget_v1')[0], 'spec', 'min_available')).toBe('1');
  });

  it.each([
    ['maxmemory at the memory limit', { maxmemory: '1Gi' }, `'maxmemory' ("1Gi") must be less than 'resources.limits.memory' ("1Gi")`],
    ['a PDB that blocks drains', { disruptionBudget: { minAvailable: 2 } }, `'disruptionBudget.minAvailable' (2) must be less than 'instances' (2)`],
    ['a maxmemory share of 100 %', { maxmemoryPercent: 100 }, `'maxmemoryPercent' (100) must be a whole number of percent from 10 to 95`],
    ['a name that is not a DNS label', { name: 'Cache_1' }, `'name' ("Cache_1") must be a DNS-1123 label`],
    ['an unpinned image', { image: 'valkey/valkey' }, `'image' ("valkey/valkey") must be pinned with a tag or a digest`],
    ['an unpinned exporter image', { exporterImage: 'oliver006/redis_exporter' }, `'exporterImage' ("oliver006/redis_exporter") must be pinned with a tag or a digest`],
    ['no instances', { instances: 0 }, `'instances' (0) must be a whole number of pods from 1 to 2147483647`],
    ['a CPU that is not a quantity', { resources: { requests: { cpu: 'x', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }, `'resources.requests.cpu' ("x") must be a positive Kubernetes quantity`],
    ['an exporter memory that is not a quantity', { exporterResources: { requests: { cpu: '10m', memory: 'y' }, limits: { cpu: '50m', memory: '64Mi' } } }, `'exporterResources.requests.memory' ("y") must be a positive Kubernetes quantity`],
    ['scratch space that is not a quantity', { ephemeralStorage: { request: 'z', limit: '1Gi' } }, `'ephemeralStorage.request' ("z") must be a positive Kubernetes quantity`],
    ["the exporter's scratch space that is not a quantity", { exporterEphemeralStorage: { request: 'z', limit: '1Gi' } }, `'exporterEphemeralStorage.request' ("z") must be a positive Kubernetes quantity`],
    ['a maxmemory that is not a quantity', { maxmemory: 'lots' }, `'maxmemory' ("lots") must be a positive Kubernetes quantity`],
    ['no auth', { auth: undefined }, `'auth' (undefined) must name the Secret holding the password ({ secretName, key }): a cache without AUTH is refused`],
    ['an auth without a Secret name', { auth: {} }, `'auth.secretName' (undefined) must name the pre-created Secret holding the password: a cache without AUTH is refused`],
    ['an empty auth Secret name', { auth: { secretName: '' } }, `'auth.secretName' ("") must name the pre-created Secret holding the password: a cache without AUTH is refused`],
    ['an auth Secret name that is not a DNS label', { auth: { secretName: 'Cache_Auth' } }, `'auth.secretName' ("Cache_Auth") must be a DNS-1123 label`],
    ['an auth key with a slash', { auth: { secretName: 'cache-auth', key: 'a/b' } }, `'auth.key' ("a/b") must be a key of a Secret: 1 to 253 letters, digits, "-", "_" and "."`],
    ['an empty auth key', { auth: { secretName: 'cache-auth', key: '' } }, `'auth.key' ("") must be a key of a Secret`],
    ['TLS without a certificate Secret', { tls: {} }, `'tls.certificateSecretName' (undefined) must name a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt: TLS needs a certificate`],
    ['TLS with an empty certificate Secret name', { tls: { certificateSecretName: '' } }, `'tls.certificateSecretName' ("") must name a kubernetes.io/tls Secret`],
    ['TLS with a certificate Secret name that is not a DNS label', { tls: { certificateSecretName: 'TLS' } }, `'tls.certificateSecretName' ("TLS") must be a DNS-1123 label`],
  ] as [string, Partial<ValkeyCacheProps>, string][])('refuses %s', (_, overrides, message) => {
    expect(() => cache(overrides)).toThrow(`/cache: ${message}`);
  });
});
