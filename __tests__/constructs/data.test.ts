import { ValkeyCache } from '../../constructs/cache/valkey-cache';
import { ConnectionPooler } from '../../constructs/database/connection-pooler';
import { PostgresCluster } from '../../constructs/database/postgres-cluster';
import { cacheMaxmemoryBytes } from '../../config/capacity';
import { at, config, manifests, metadataName, resources, synthScope, type Json } from '../helpers';

const prod = config('prod');

describe('PostgresCluster', () => {
  const cluster = (database = prod.database) =>
    synthScope((scope) => new PostgresCluster(scope, 'db', { name: 'postgres', namespace: 'web', database, image: 'ghcr.io/cloudnative-pg/postgresql:17.6' }));

  it('runs one primary and the configured read replicas, one per host', () => {
    const spec = at(manifests(cluster(), 'Cluster')[0], 'spec') as Json;
    expect(spec.instances).toBe(3);
    expect(spec.affinity).toEqual({ enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
    expect(spec.storage).toEqual({ size: '100Gi' });
    expect(spec.resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } });
    expect(at(spec, 'postgresql', 'parameters')).toEqual({ max_connections: '400', shared_buffers: '2GB', effective_cache_size: '6GB' });
    expect(at(spec, 'bootstrap', 'initdb')).toEqual({ database: 'app', owner: 'app' });
    expect(spec.enableSuperuserAccess).toBe(false);
    const withClass = cluster({ ...prod.database, storage: { size: '50Gi', storageClass: 'fast-ssd' } });
    expect(at(manifests(withClass, 'Cluster')[0], 'spec', 'storage')).toEqual({ size: '50Gi', storageClass: 'fast-ssd' });
  });

  it('schedules backups through the Barman Cloud plugin only when asked', () => {
    expect(manifests(cluster(), 'ScheduledBackup')).toEqual([]);
    const withBackup = cluster({ ...prod.database, backup: { schedule: '0 0 2 * * *', objectStoreName: 'backups' } });
    expect(at(manifests(withBackup, 'Cluster')[0], 'spec', 'plugins')).toEqual([
      { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'backups' } },
    ]);
    expect(at(manifests(withBackup, 'ScheduledBackup')[0], 'spec')).toEqual({
      schedule: '0 0 2 * * *',
      cluster: { name: 'postgres' },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      backupOwnerReference: 'self',
      target: 'prefer-standby',
    });
  });
});

describe('ConnectionPooler', () => {
  it('pools in transaction mode, sized from config', () => {
    const out = synthScope(
      (scope) => new ConnectionPooler(scope, 'p', { name: 'postgres-pooler-ro', namespace: 'web', clusterName: 'postgres', type: 'ro', pooler: prod.database.poolers.ro }),
    );
    const spec = at(manifests(out, 'Pooler')[0], 'spec') as Json;
    expect(spec).toMatchObject({ cluster: { name: 'postgres' }, instances: 2, type: 'ro' });
    expect(spec.pgbouncer).toEqual({ poolMode: 'transaction', parameters: { max_client_conn: '1000', default_pool_size: '90' } });
    expect(at(spec, 'template', 'spec', 'containers', 0)).toEqual({
      name: 'pgbouncer',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    });
  });
});

describe('ValkeyCache', () => {
  const out = synthScope(
    (scope) =>
      new ValkeyCache(scope, 'cache', {
        name: 'cache',
        namespace: 'web',
        cache: prod.cache,
        image: 'docker.io/valkey/valkey:8.1.4-alpine',
        exporterImage: 'docker.io/oliver006/redis_exporter:v1.80.0',
        maxmemoryBytes: cacheMaxmemoryBytes(prod),
      }),
  );
  const statefulSet = resources(out, 'kubernetes_stateful_set_v1')[0];

  it('is a pure LRU cache with maxmemory at 75% of the memory limit, read-only on replicas', () => {
    const conf = at(resources(out, 'kubernetes_config_map_v1')[0], 'data', 'valkey.conf') as string;
    expect(conf.split('\n')).toEqual([
      'port 6379',
      'bind * -::*',
      'protected-mode no',
      'dir /data',
      'save ""',
      'appendonly no',
      `maxmemory ${1536 * 2 ** 20}`,
      'maxmemory-policy allkeys-lru',
      'replica-read-only yes',
      '',
    ]);
  });

  it('makes pod 0 the primary and the others its replicas', () => {
    expect(at(statefulSet, 'spec', 'replicas')).toBe('2');
    const command = at(statefulSet, 'spec', 'template', 'spec', 'container', 0, 'command') as string[];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(command[2]).toContain('*-0) exec valkey-server /etc/valkey/valkey.conf ;;');
    expect(command[2]).toContain('--replicaof cache-0.cache-headless 6379');
    // Terraform would read "${" as an interpolation.
    expect(command[2]).not.toContain('${');
  });

  it('writes through the primary and reads from every instance', () => {
    const services = new Map(resources(out, 'kubernetes_service_v1').map((s) => [metadataName(s), s]));
    expect([...services.keys()].sort()).toEqual(['cache-headless', 'cache-read', 'cache-write']);
    expect(at(services.get('cache-write'), 'spec', 'selector', 'statefulset.kubernetes.io/pod-name')).toBe('cache-0');
    expect(at(services.get('cache-read'), 'spec', 'selector')).toEqual(at(statefulSet, 'spec', 'selector', 'match_labels'));
    expect(at(services.get('cache-headless'), 'spec', 'cluster_ip')).toBe('None');
    // Replicas resolve cache-0.cache-headless before the primary is ready.
    expect(at(services.get('cache-headless'), 'spec', 'publish_not_ready_addresses')).toBe(true);
  });

  it('exports metrics from a sidecar, scraped once per instance through the read Service', () => {
    const exporter = at(statefulSet, 'spec', 'template', 'spec', 'container', 1) as Json;
    expect(exporter.name).toBe('exporter');
    expect(exporter.port).toEqual([{ name: 'metrics', container_port: 9121 }]);
    const monitor = manifests(out, 'ServiceMonitor')[0];
    expect(at(monitor, 'spec', 'selector', 'matchLabels', 'app.kubernetes.io/component')).toBe('read');
    expect(at(monitor, 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  });

  it('has a PDB', () => {
    expect(at(resources(out, 'kubernetes_pod_disruption_budget_v1')[0], 'spec', 'min_available')).toBe('1');
  });
});
