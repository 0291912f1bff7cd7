import { dev, environments, prod, staging } from '../config/environments';
import { ConfigError, loadEnvironment, loadEnvironments } from '../config/load';
import { EnvironmentSchema, postgresMajor, type EnvironmentInput } from '../config/schema';
import versions from '../config/versions.json';
import { APP_NAMESPACE_DEFAULTS } from '../constructs/guardrails/app-namespace';
import { VALKEY_DEFAULTS } from '../constructs/cache/valkey-cache';
import { DURATION_RULE, hostnameProblem, nameProblem, PropError } from '../constructs/core/validation';
import { POOLER_DEFAULTS } from '../constructs/database/connection-pooler';
import { POSTGRES_DEFAULTS } from '../constructs/database/postgres-cluster';
import { EDGE_GATEWAY_DEFAULTS } from '../constructs/edge/edge-gateway';
import { TRAFFIC_DEFAULTS } from '../constructs/edge/traffic-policy';
import { ALERT_DEFAULTS } from '../constructs/monitoring/alert-rules';
import { PROMETHEUS_STACK_DEFAULTS } from '../constructs/monitoring/prometheus-stack';
import { objectivePercentProblem, SLO_DEFAULTS } from '../constructs/monitoring/service-level-objectives';
import { TRACING_DEFAULTS } from '../constructs/monitoring/tracing-endpoint';
import { AUTOSCALING_DEFAULTS } from '../constructs/workload/autoscaler';
import { WEB_SERVICE_DEFAULTS } from '../constructs/workload/web-service';
import { at, manifests, resources, synthesize, withValue } from './helpers';
import { refusalOf } from './refusal';

/** The message a config fails with, or undefined if it loads. */
function failure(input: EnvironmentInput, vars: NodeJS.ProcessEnv = {}): string | undefined {
  return failureOf(() => loadEnvironment(input, vars));
}

const failureOf = (load: () => unknown) => refusalOf(load, ConfigError);

/** The line of a message about one field. */
function lineOf(message: string | undefined, path: string): string {
  const line = message?.split('\n').find((l) => l.startsWith(`  - ${path} = `));
  if (line === undefined) throw new Error(`no problem reported at ${path} in:\n${message}`);
  return line;
}

/** Every leaf (text, number, true/false, list) of a config, as dotted paths. */
function leaves(value: unknown, path: string[] = []): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [path.join('.')];
}

describe('the shipped environments', () => {
  it.each([dev, staging, prod])('$name loads and applies defaults', (env) => {
    const config = loadEnvironment(env, {});
    expect(config.backend.autoscaling.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(config.edge.rateLimits).toEqual([{ path: '/api/content/generate', method: 'POST', requestsPerMinute: 10 }]);
    expect(config.state).toEqual({ backend: 'local' });
  });

  it('prod follows the scaling guide', () => {
    const config = loadEnvironment(prod, {});
    expect(config.backend.replicas.min).toBe(5);
    expect(config.backend.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(config.frontend.replicas.min).toBe(2);
    expect(config.frontend.resources.limits).toEqual({ cpu: '1', memory: '2Gi' });
    expect(config.database.clientPool).toEqual({ size: 20, maxOverflow: 30, processesPerPod: 1 });
    expect(config.database.readReplicas).toBe(2);
    expect(config.cache.instances).toBeGreaterThanOrEqual(2);
    expect(config.edge.requestTimeoutSeconds).toBe(30);
  });
});

describe('validation rules name the environment, field, value and rule', () => {
  it('rejects a malformed quantity', () => {
    const message = failure(withValue(prod, 'backend.resources.requests.cpu', '2 cores'));
    expect(message).toContain('Invalid configuration for environment "prod"');
    expect(message).toContain('backend.resources.requests.cpu = "2 cores": must be a positive Kubernetes quantity of CPU');
  });

  it('rejects requests above limits', () => {
    expect(failure(withValue(dev, 'frontend.resources.requests.memory', '1Gi'))).toContain(
      'frontend.resources.requests.memory = "1Gi": must be less than or equal to limits.memory ("512Mi")',
    );
  });

  it('rejects CPU requests above CPU limits, and accepts requests equal to limits', () => {
    expect(failure(withValue(dev, 'frontend.resources.requests.cpu', '1'))).toContain(
      'frontend.resources.requests.cpu = "1": must be less than or equal to limits.cpu ("500m")',
    );
    const equal = loadEnvironment(withValue(dev, 'frontend.resources.requests.cpu', '500m'), {});
    expect(equal.frontend.resources.requests.cpu).toBe('500m');
  });

  it('rejects min replicas above max replicas', () => {
    expect(failure(withValue(staging, 'backend.replicas', { min: 9, max: 8 }))).toContain(
      'backend.replicas.min = 9: must be less than or equal to replicas.max (8)',
    );
  });

  it('accepts min replicas equal to max replicas', () => {
    const config = loadEnvironment(withValue(staging, 'backend.replicas', { min: 8, max: 8 }), {});
    expect(config.backend.replicas).toEqual({ min: 8, max: 8 });
  });

  it('rejects names that are not DNS-1123 labels', () => {
    expect(failure(withValue(dev, 'namespace.name', 'Web_Dev'))).toContain('namespace.name = "Web_Dev": must be a DNS-1123 label');
  });

  it('rejects an image without a tag or digest', () => {
    expect(failure(withValue(dev, 'backend.image', 'ghcr.io/example/web-backend'))).toContain(
      'backend.image = "ghcr.io/example/web-backend": must be pinned with a tag or a digest',
    );
  });

  it('rejects ":latest" in prod but not in dev', () => {
    expect(failure(withValue(prod, 'frontend.image', 'ghcr.io/example/web-frontend:latest'))).toContain(
      'frontend.image = "ghcr.io/example/web-frontend:latest": must not use the ":latest" tag in prod',
    );
    expect(() => loadEnvironment(withValue(dev, 'frontend.image', 'ghcr.io/example/web-frontend:latest'), {})).not.toThrow();
  });

  it('rejects ":latest" for the migration runner in prod', () => {
    expect(failure(withValue(prod, 'database.migrations', { image: 'ghcr.io/example/goose-migrate:latest' }))).toContain(
      'database.migrations.image = "ghcr.io/example/goose-migrate:latest": must not use the ":latest" tag in prod',
    );
  });

  it('rejects ":latest" for the cache image in prod', () => {
    expect(failure(withValue(prod, 'cache.image', 'docker.io/valkey/valkey:latest'))).toContain(
      'cache.image = "docker.io/valkey/valkey:latest": must not use the ":latest" tag in prod',
    );
  });

  it('accepts ":latest" in staging for the web and cache images (the rule is for prod only)', () => {
    let latest = staging;
    for (const [path, image] of [
      ['backend.image', 'ghcr.io/example/web-backend:latest'],
      ['frontend.image', 'ghcr.io/example/web-frontend:latest'],
      ['cache.image', 'docker.io/valkey/valkey:latest'],
    ]) {
      latest = withValue(latest, path, image);
    }
    const config = loadEnvironment(latest, {});
    expect([config.backend.image, config.frontend.image, config.cache.image]).toEqual([
      'ghcr.io/example/web-backend:latest',
      'ghcr.io/example/web-frontend:latest',
      'docker.io/valkey/valkey:latest',
    ]);
  });

  it.each([staging, prod])('rejects fewer than 2 replicas in $name for a tier with a PDB, by the PDB rule of the constructs', (env) => {
    expect(failure(withValue(env, 'cache.instances', 1))).toContain(
      'cache.disruptionBudget.minAvailable = 1: must be less than cache.instances (1), or no node can be drained at the minimum scale',
    );
    expect(failure(withValue(env, 'frontend.replicas', { min: 1, max: 6 }))).toContain(
      'frontend.disruptionBudget.minAvailable = 1: must be less than frontend.replicas.min (1), or no node can be drained at the minimum scale',
    );
  });

  it("range-checks each field of a backup schedule with the construct's rule (second 99 fails only at apply otherwise)", () => {
    expect(failure(withValue(prod, 'database.backup', { schedule: '99 0 2 * * *', objectStoreName: 'backups' }))).toContain(
      'database.backup.schedule = "99 0 2 * * *": must be a six-field cron schedule (with seconds): its second field "99" must hold *, ?, or values from 0 to 59, as lists, ranges and /steps',
    );
    expect(loadEnvironment(withValue(prod, 'database.backup', { schedule: '0 0 2 * * SUN', objectStoreName: 'backups' }), {}).database.backup?.schedule).toBe('0 0 2 * * SUN');
  });

  it('rejects a single PostgreSQL instance in prod, with the reason, but not in dev', () => {
    expect(failure(withValue(prod, 'database.readReplicas', 0))).toContain(
      'database.readReplicas = 0: must be at least 1 in prod: a single instance has no standby, so a node loss is an outage (or say why one will do in database.singleInstanceReason)',
    );
    expect(loadEnvironment(withValue(dev, 'database.readReplicas', 0), {}).database.readReplicas).toBe(0);
  });

  it('accepts a single instance in prod when singleInstanceReason says why', () => {
    const reason = 'read-mostly catalogue, rebuilt from the nightly dump';
    const single = withValue(withValue(prod, 'database.readReplicas', 0), 'database.singleInstanceReason', reason);
    expect(loadEnvironment(single, {}).database).toMatchObject({ readReplicas: 0, singleInstanceReason: reason });
  });

  it('rejects a singleInstanceReason that does not say why, or that a standby makes stale', () => {
    const single = withValue(prod, 'database.readReplicas', 0);
    expect(failure(withValue(single, 'database.singleInstanceReason', '  ok  '))).toContain(
      'database.singleInstanceReason = "  ok  ": must say why one instance is enough, in at least 10 characters',
    );
    expect(failure(withValue(prod, 'database.singleInstanceReason', 'a node loss is acceptable here'))).toContain(
      'database.singleInstanceReason = "a node loss is acceptable here": must be unset with database.readReplicas 2: there is a standby',
    );
  });

  it('rejects unknown keys', () => {
    expect(failure(withValue(dev, 'backend.replica', 3))).toContain('backend.replica = 3: is not a known setting');
  });

  it('reports every problem at once', () => {
    const bad = withValue(withValue(dev, 'backend.resources.limits.cpu', 'lots'), 'cache.instances', 0);
    const message = failure(bad);
    expect(message).toContain('backend.resources.limits.cpu = "lots"');
    expect(message).toContain('cache.instances = 0: must be a whole number of pods from 1 to 2147483647');
  });
});

describe('cache AUTH and TLS', () => {
  it.each([dev, staging, prod])('$name names the Secret holding the cache password', (env) => {
    expect(loadEnvironment(env, {}).cache.auth).toEqual({ secretName: 'cache-auth' });
  });

  it('refuses a cache without AUTH', () => {
    expect(lineOf(failure(withValue(prod, 'cache.auth', undefined)), 'cache.auth')).toBe('  - cache.auth = (missing): is required');
  });

  it('refuses an empty Secret name, without showing it', () => {
    expect(lineOf(failure(withValue(prod, 'cache.auth.secretName', '')), 'cache.auth.secretName')).toMatch(/= \(hidden\): must be a DNS-1123 label/);
  });

  it('hides a password given in place of the Secret name or key', () => {
    for (const path of ['cache.auth.secretName', 'cache.auth.key']) {
      const message = failure(withValue(prod, path, 'S3cr3t pa55!'));
      expect(message).not.toContain('S3cr3t');
      expect(lineOf(message, path)).toContain('= (hidden): ');
    }
  });

  it('refuses TLS without a certificate Secret', () => {
    expect(lineOf(failure(withValue(prod, 'cache.tls', {})), 'cache.tls.certificateSecretName')).toBe('  - cache.tls.certificateSecretName = (missing): is required');
  });

  it('passes the Secret key and TLS to the cache: rediss:// URLs that carry the password by reference', () => {
    const tls = withValue(withValue(dev, 'cache.tls', { certificateSecretName: 'cache-tls' }), 'cache.auth', { secretName: 'valkey', key: 'pw' });
    const { app } = synthesize(tls);
    const backend = resources(app, 'kubernetes_deployment_v1').find((d) => at(d, 'metadata', 'name') === 'backend');
    const env = at(backend, 'spec', 'template', 'spec', 'container', 0, 'env') as { name: string; value?: string; value_from?: unknown }[];
    const cacheEnv = env.filter((e) => ['CACHE_PASSWORD', 'REDIS_URL', 'REDIS_READ_URL'].includes(e.name));
    expect(cacheEnv).toEqual([
      { name: 'CACHE_PASSWORD', value_from: { secret_key_ref: { name: 'valkey', key: 'pw' } } },
      { name: 'REDIS_URL', value: 'rediss://:$(CACHE_PASSWORD)@cache-write.web-dev.svc:6379/0' },
      { name: 'REDIS_READ_URL', value: 'rediss://:$(CACHE_PASSWORD)@cache-read.web-dev.svc:6379/0' },
    ]);
    const conf = at(resources(app, 'kubernetes_config_map_v1').find((c) => at(c, 'metadata', 'name') === 'cache-config'), 'data', 'valkey.conf') as string;
    expect(conf.split('\n').slice(0, 2)).toEqual(['port 0', 'tls-port 6379']);
  });
});

describe('cross-tier invariants', () => {
  it('backend connections at max scale must fit the rw pooler', () => {
    expect(failure(withValue(prod, 'backend.replicas.max', 21))).toContain(
      'database.poolers.rw.maxClientConnections = 1000: must be ≥ the backend\'s connections at max scale: ' +
        'backend.replicas.max (21) × processesPerPod (1) × (size 20 + maxOverflow 30) = 1050',
    );
  });

  it('counts every worker process of a backend pod against the rw pooler', () => {
    expect(failure(withValue(prod, 'database.clientPool.processesPerPod', 2))).toContain(
      'database.poolers.rw.maxClientConnections = 1000: must be ≥ the backend\'s connections at max scale: ' +
        'backend.replicas.max (20) × processesPerPod (2) × (size 20 + maxOverflow 30) = 2000',
    );
  });

  it('pooler pool size × instances must fit max_connections minus reserved', () => {
    expect(failure(withValue(prod, 'database.poolers.ro.defaultPoolSize', 200))).toContain(
      'database.poolers.ro.defaultPoolSize = 200: × instances (2) = 400 must be ≤ database.maxConnections (400) − reservedConnections (10) = 390',
    );
    expect(failure(withValue(prod, 'database.poolers.rw.defaultPoolSize', 196))).toContain(
      'database.poolers.rw.defaultPoolSize = 196: × instances (2) = 392 must be ≤ database.maxConnections (400) − reservedConnections (10) = 390',
    );
  });

  it('pooler pool size × instances may use exactly max_connections minus reserved', () => {
    const atLimit = withValue(withValue(prod, 'database.poolers.rw.defaultPoolSize', 195), 'database.poolers.ro.defaultPoolSize', 195);
    const config = loadEnvironment(atLimit, {});
    expect([config.database.poolers.rw.defaultPoolSize, config.database.poolers.ro.defaultPoolSize]).toEqual([195, 195]);
  });

  it('cache maxmemory must stay below the memory limit', () => {
    expect(failure(withValue(prod, 'cache.maxmemory', '2Gi'))).toContain(
      'cache.maxmemory = "2Gi": (2Gi) must be below cache.resources.limits.memory (2Gi)',
    );
  });

  it('every PDB must allow a disruption at the minimum scale', () => {
    expect(failure(withValue(prod, 'backend.disruptionBudget.minAvailable', 5))).toContain(
      'backend.disruptionBudget.minAvailable = 5: must be less than backend.replicas.min (5)',
    );
    expect(failure(withValue(prod, 'cache.disruptionBudget.minAvailable', 2))).toContain(
      'cache.disruptionBudget.minAvailable = 2: must be less than cache.instances (2), or no node can be drained at the minimum scale',
    );
    // The poolers' too, which ConnectionPooler would otherwise refuse only at synth.
    expect(failure(withValue(withValue(prod, 'database.poolers.rw.instances', 1), 'database.poolers.rw.disruptionBudget', { minAvailable: 1 }))).toContain(
      'database.poolers.rw.disruptionBudget.minAvailable = 1: must be less than database.poolers.rw.instances (1), or no node can be drained at the minimum scale',
    );
  });

  it('the read-only pooler\'s PDB is checked only when read replicas give it a pooler', () => {
    const undrainable = withValue(withValue(dev, 'database.poolers.ro.instances', 1), 'database.poolers.ro.disruptionBudget', { minAvailable: 1 });
    expect(failure(undrainable)).toContain(
      'database.poolers.ro.disruptionBudget.minAvailable = 1: must be less than database.poolers.ro.instances (1), or no node can be drained at the minimum scale',
    );
    expect(failure(withValue(undrainable, 'database.readReplicas', 0))).toBeUndefined();
  });
});

describe('overrides from the environment', () => {
  it('replaces image tags for CI', () => {
    const config = loadEnvironment(prod, { BACKEND_IMAGE_TAG: 'sha-4f2a9c1', FRONTEND_IMAGE_TAG: '2.0.0' });
    expect(config.backend.image).toBe('ghcr.io/example/web-backend:sha-4f2a9c1');
    expect(config.frontend.image).toBe('ghcr.io/example/web-frontend:2.0.0');
  });

  const digest = `@sha256:${'a'.repeat(64)}`;
  it.each([
    ['without a tag', 'registry.example.com:5000/app', 'registry.example.com:5000/app:2.0'],
    ['with a tag', 'registry.example.com:5000/app:1.0', 'registry.example.com:5000/app:2.0'],
    ['with a tag, in a folder', 'registry.example.com:5000/team/app:1.0', 'registry.example.com:5000/team/app:2.0'],
    ['with a digest', `registry.example.com:5000/app${digest}`, 'registry.example.com:5000/app:2.0'],
    ['with a tag and a digest', `registry.example.com:5000/app:1.0${digest}`, 'registry.example.com:5000/app:2.0'],
  ])('replaces the tag of an image on a registry with a port, %s', (_, image, expected) => {
    const input = withValue(withValue(prod, 'backend.image', image), 'frontend.image', image);
    const config = loadEnvironment(input, { BACKEND_IMAGE_TAG: '2.0', FRONTEND_IMAGE_TAG: '2.0' });
    expect(config.backend.image).toBe(expected);
    expect(config.frontend.image).toBe(expected);
  });

  it('validates an overridden tag like any other value, naming the variable', () => {
    expect(failure(prod, { BACKEND_IMAGE_TAG: 'latest' })).toContain(
      'backend.image (from BACKEND_IMAGE_TAG) = "ghcr.io/example/web-backend:latest": must not use the ":latest" tag in prod',
    );
  });

  it.each(['BACKEND_IMAGE_TAG', 'FRONTEND_IMAGE_TAG', 'TOPOLOGY_KUBECONFIG', 'TOPOLOGY_KUBE_CONTEXT'])('rejects an empty %s', (variable) => {
    expect(failure(dev, { [variable]: '' })).toContain(
      `${variable} = "": must not be empty when set (unset it to use the value in config/environments.ts)`,
    );
  });

  it('rejects a malformed tag, naming the variable rather than the image', () => {
    const message = failure(dev, { FRONTEND_IMAGE_TAG: 'v2 final' });
    expect(message).toContain('FRONTEND_IMAGE_TAG = "v2 final": must be an image tag: up to 128 letters, digits, "_", "." and "-"');
    expect(message).not.toContain('frontend.image');
  });

  it('points the providers at another cluster', () => {
    const config = loadEnvironment(dev, { TOPOLOGY_KUBECONFIG: '/tmp/kubeconfig', TOPOLOGY_KUBE_CONTEXT: 'kwok-e2e' });
    expect(config.cluster).toEqual({ kubeconfigPath: '/tmp/kubeconfig', context: 'kwok-e2e' });
  });
});

describe('additional services', () => {
  const service = {
    image: 'ghcr.io/example/search:1.2.0',
    replicas: { min: 1, max: 2 },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    disruptionBudget: { minAvailable: 1 },
  };

  it('follow the disruption budget rule of the web tiers', () => {
    expect(failure(withValue(prod, 'services', { search: service }))).toContain(
      'services.search.disruptionBudget.minAvailable = 1: must be less than services.search.replicas.min (1), or no node can be drained at the minimum scale',
    );
  });

  it('are held to the image rule of the web tiers: no ":latest" in prod', () => {
    const latest = { ...service, image: 'ghcr.io/example/search:latest', replicas: { min: 2, max: 2 } };
    expect(failure(withValue(prod, 'services', { search: latest }))).toContain('services.search.image = "ghcr.io/example/search:latest": must not use the ":latest" tag in prod');
    expect(() => loadEnvironment(withValue(dev, 'services', { search: latest }), {})).not.toThrow();
  });

  it('must allow a disruption at their minimum scale', () => {
    const pinned = { ...service, replicas: { min: 2, max: 2 }, disruptionBudget: { minAvailable: 2 } };
    expect(failure(withValue(prod, 'services', { search: pinned }))).toContain(
      'services.search.disruptionBudget.minAvailable = 2: must be less than services.search.replicas.min (2), or no node can be drained at the minimum scale',
    );
    const drainable = { ...pinned, disruptionBudget: { minAvailable: 1 } };
    expect(() => loadEnvironment(withValue(prod, 'services', { search: drainable }), {})).not.toThrow();
  });
});

describe('record keys', () => {
  it('name the service and the DNS-1123 label rule', () => {
    const message = failure(withValue(dev, 'services', { Backend_API: dev.backend }));
    expect(lineOf(message, 'services.Backend_API')).toBe(
      '  - services.Backend_API = "Backend_API": the key must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
    );
  });

  it('name the environment variable and the C identifier rule', () => {
    const message = failure(withValue(dev, 'backend.env', { 'LOG-LEVEL': 'debug' }));
    expect(lineOf(message, 'backend.env.LOG-LEVEL')).toBe(
      '  - backend.env.LOG-LEVEL = "LOG-LEVEL": the key must be a C identifier (letters, digits and "_", not starting with a digit), as environment variable names are',
    );
  });
});

describe('values that may be secrets', () => {
  const url = 'https://hooks.example.com/services/T000/B000/s3cr3t-t0ken';

  it('a literal webhook URL is hidden, and a Secret reference is asked for', () => {
    const message = failure(withValue(prod, 'monitoring.alertWebhook', url));
    expect(message).not.toContain('s3cr3t');
    expect(lineOf(message, 'monitoring.alertWebhook')).toBe(
      '  - monitoring.alertWebhook = (hidden): must be a reference to the key of a Secret holding the URL, { secretName, key }: ' +
        'a literal URL would put its token into the plan and the state',
    );
  });

  it('a URL beside the reference is hidden too', () => {
    const message = failure(withValue(prod, 'monitoring.alertWebhook.url', url));
    expect(message).not.toContain('s3cr3t');
    expect(lineOf(message, 'monitoring.alertWebhook.url')).toContain('= (hidden): is not a known setting');
  });

  it.each([
    ['backend.env.API_TOKEN', { value: 's3cr3t-t0ken' }, 'must be text'],
    ['backend.secretEnv.API_TOKEN', 's3cr3t-t0ken', 'must be a reference to a Secret key, { secretName, key }'],
    ['monitoring.grafana.adminSecretName', 'S3cr3t-T0ken!', 'must be a DNS-1123 subdomain'],
  ])('%s is hidden', (path, value, rule) => {
    const message = failure(withValue(prod, path, value));
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('S3cr3t');
    expect(lineOf(message, path)).toContain(`= (hidden): ${rule}`);
  });

  it('a value that is not secret-bearing is still shown', () => {
    expect(lineOf(failure(withValue(prod, 'monitoring.retention', 'forever')), 'monitoring.retention')).toContain('= "forever": ');
  });
});

describe('PostgreSQL image', () => {
  const image = (tag: string) => withValue(staging, 'database.image', `ghcr.io/cloudnative-pg/postgresql:${tag}`);
  const { min, max } = versions.charts.cloudnativePg.postgresMajors;

  it('reads the major version as CloudNativePG does', () => {
    expect(postgresMajor('ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie')).toBe(17);
    expect(postgresMajor('registry.example.com:5000/postgresql:9.6')).toBe(9);
    expect(postgresMajor('ghcr.io/cloudnative-pg/postgresql:latest')).toBeUndefined();
    expect(postgresMajor(`ghcr.io/cloudnative-pg/postgresql@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });

  it('the shipped default is within the pinned operator\'s range', () => {
    const major = postgresMajor(versions.images.postgres) ?? 0;
    expect(major).toBeGreaterThanOrEqual(min);
    expect(major).toBeLessThanOrEqual(max);
  });

  it.each([`${min - 1}.12`, '9.6', `${max + 1}.0`])('refuses PostgreSQL %s, outside the pinned CloudNativePG\'s range', (tag) => {
    expect(failure(image(tag))).toContain(
      `database.image = "ghcr.io/cloudnative-pg/postgresql:${tag}": is PostgreSQL ${tag.split('.')[0]}, ` +
        `but the pinned CloudNativePG ${versions.charts.cloudnativePg.appVersion} supports PostgreSQL ${min} to ${max}`,
    );
  });

  it.each([`${min}.1-standard-trixie`, `${max}.4`])('accepts PostgreSQL %s', (tag) => {
    expect(loadEnvironment(image(tag), {}).database.image).toBe(`ghcr.io/cloudnative-pg/postgresql:${tag}`);
  });

  it.each(['latest', `17.10@sha256:${'a'.repeat(64)}`.replace('17.10', 'bookworm')])(
    'refuses a tag without a version (%s), in any environment',
    (tag) => {
      expect(failure(image(tag))).toContain(
        'must have a tag starting with the PostgreSQL version, such as ":17.10-standard-trixie": CloudNativePG reads the major version from it',
      );
    },
  );

  it.each([
    ['without a tag or digest', 'ghcr.io/cloudnative-pg/postgresql', 'must be pinned with a tag or a digest'],
    ['that is no image reference', 'Postgres 17', 'must be an image reference'],
  ])('an image %s gets that one rule, not a version rule beside it', (_, bad, rule) => {
    const lines = (failure(withValue(staging, 'database.image', bad)) ?? '').split('\n').filter((l) => l.startsWith('  - database.image '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(rule);
  });

  it('refuses a digest without a tag', () => {
    const digestOnly = withValue(staging, 'database.image', `ghcr.io/cloudnative-pg/postgresql@sha256:${'a'.repeat(64)}`);
    expect(failure(digestOnly)).toContain('must have a tag starting with the PostgreSQL version');
  });
});

describe('autoscaling targets', () => {
  // prod's backend requests 1 CPU and 2Gi and may use 2 CPUs and 4Gi: 200 % of its requests.
  const target = (key: string, value: unknown) => withValue(prod, `backend.autoscaling.${key}`, value);

  it('accept more than 100 % of requests, up to what the CPU limit allows', () => {
    expect(loadEnvironment(target('cpuUtilization', 200), {}).backend.autoscaling.cpuUtilization).toBe(200);
    expect(loadEnvironment(target('memoryUtilization', 150), {}).backend.autoscaling.memoryUtilization).toBe(150);
  });

  it('refuse a CPU target the pods cannot reach under their limit', () => {
    expect(failure(target('cpuUtilization', 250))).toContain(
      'backend.autoscaling.cpuUtilization = 250: must be at most 100 × limits.cpu / requests.cpu = 200: ' +
        'pods are throttled at their limit, so a higher average is never reached and the HPA never scales up',
    );
  });

  it('refuse a memory target at the memory limit', () => {
    expect(failure(target('memoryUtilization', 200))).toContain(
      'backend.autoscaling.memoryUtilization = 200: must be below 100 × limits.memory / requests.memory = 200',
    );
  });

  it('refuse a target of 0', () => {
    expect(failure(target('cpuUtilization', 0))).toContain('backend.autoscaling.cpuUtilization = 0: must be a whole number of percent from 1 to 1000');
  });
});

describe('storage classes', () => {
  it.each(['database.storage.storageClass', 'monitoring.storage.storageClass'])('%s accepts a DNS-1123 subdomain such as "ebs.gp3"', (path) => {
    expect(() => loadEnvironment(withValue(prod, path, 'ebs.gp3'), {})).not.toThrow();
  });

  it('refuses a name that is not a DNS-1123 subdomain', () => {
    expect(failure(withValue(prod, 'database.storage.storageClass', 'ebs_gp3'))).toContain(
      'database.storage.storageClass = "ebs_gp3": must be a DNS-1123 subdomain: at most 253 characters of dot-separated DNS-1123 labels',
    );
  });
});

describe('numbers are bounded by what the API accepts', () => {
  it.each([
    ['backend.replicas.max', 2 ** 31, 'must be a whole number of replicas from 1 to 2147483647'],
    ['cache.instances', 2 ** 31, 'must be a whole number of pods from 1 to 2147483647'],
    ['backend.port', 65536, 'must be a whole number from 1024 to 65535'],
    ['backend.autoscaling.scaleDown.periodSeconds', 1801, 'must be a whole number of seconds from 1 to 1800'],
    ['backend.autoscaling.scaleUp.stabilizationWindowSeconds', 3601, 'must be a whole number of seconds from 0 to 3600'],
    ['database.maxConnections', 262144, 'must be a whole number of connections from 10 to 262143'],
    ['database.poolers.rw.maxClientConnections', 2 ** 31, 'must be a whole number of connections from 1 to 2147483647'],
    ['cache.maxmemoryPercent', 96, 'must be a whole number of percent from 10 to 95'],
    ['monitoring.alerts.errorRatio', 1, 'must be a number greater than 0 and less than 1'],
    ['backend.replicas.min', 1.5, 'must be a whole number of replicas from 1 to 2147483647'],
    ['backend.autoscaling.memoryUtilization', 1001, 'must be a whole number of percent from 1 to 1000'],
    ['namespace.quota.persistentVolumeClaims', -1, 'must be a whole number of volume claims from 0 to 2147483647'],
    ['prices.vcpuHour', -1, 'must be a price of at least 0, in prices.currency'],
  ])('%s = %p is refused', (path, value, rule) => {
    expect(lineOf(failure(withValue(prod, path, value)), path)).toBe(`  - ${path} = ${value}: ${rule}`);
  });

  it('a price of 0 is accepted: a resource can be free', () => {
    expect(loadEnvironment(withValue(prod, 'prices.vcpuHour', 0), {}).prices?.vcpuHour).toBe(0);
  });

  it('reserved connections must leave some for the poolers', () => {
    expect(failure(withValue(prod, 'database.reservedConnections', 400))).toContain(
      'database.reservedConnections = 400: must be below database.maxConnections (400), or no connection is left for the poolers',
    );
  });

  it.each(['backend', 'frontend'])('the metrics port of the %s must differ from its HTTP port', (tier) => {
    expect(failure(withValue(dev, `${tier}.metricsPort`, 8080))).toContain(
      `${tier}.metricsPort = 8080: must differ from ${tier}.port (8080): a Service cannot list one port twice`,
    );
  });
});

describe('every rule is worded', () => {
  // zod's own phrases, which name neither the field's rule nor what is missing.
  const zodWords = /Invalid input|Invalid string|Invalid option|Invalid key|Too small|Too big|expected|received/;

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
  ])('%s in any field of prod is shown as written and answered with the field\'s rule', (shown, bad) => {
    for (const path of leaves(loadEnvironment(prod, {}))) {
      const line = lineOf(failure(withValue(prod, path, bad)), path);
      expect(line).toMatch(new RegExp(`= (${shown}|\\(hidden\\)): `));
      expect(line).not.toMatch(zodWords);
    }
  });

  it('every field of prod given the wrong type is answered with its rule', () => {
    for (const path of leaves(loadEnvironment(prod, {}))) {
      const wrong = typeof at(loadEnvironment(prod, {}), ...path.split('.')) === 'string' ? 7 : 'seven';
      expect(lineOf(failure(withValue(prod, path, wrong)), path)).not.toMatch(zodWords);
    }
  });

  it.each([
    ['backend.autoscaling', 5, 'must be an object of settings'],
    ['services', [], 'must be an object of named entries'],
    ['backend.env', 'LOG_LEVEL=debug', 'must be an object of named entries'],
    ['backend.env.LOG_LEVEL', 5, 'must be text'],
  ])('%s of the wrong type says in words what it must be', (path, wrong, rule) => {
    expect(lineOf(failure(withValue(prod, path, wrong)), path)).toMatch(new RegExp(`= .*: ${rule}$`));
  });

  it('a missing setting without a default is "required"', () => {
    // Refused by the schema, not by an invariant that a default breaks (prod's poolers need more than the default maxConnections).
    const required = leaves(prod).filter((path) => !EnvironmentSchema.safeParse(withValue(prod, path, undefined)).success);
    expect(required).toContain('backend.image');
    for (const path of required) {
      const line = lineOf(failure(withValue(prod, path, undefined)), path);
      expect(line).toBe(`  - ${path} = (missing): is required`);
    }
  });

  it('an unknown state backend is named with the ones there are', () => {
    expect(failure(withValue(dev, 'state', { backend: 'gcs' }))).toContain(
      'state.backend = "gcs": must name a state backend: { backend: "local" | "s3" | "kubernetes", … }',
    );
  });
});

describe('extra services', () => {
  const search = {
    image: 'ghcr.io/example/search:1.2.0',
    replicas: { min: 1, max: 2 },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  };

  /** The construct error that stops synthesis of `input`. */
  const synthFailure = (input: EnvironmentInput) => refusalOf(() => synthesize(input), PropError);

  it.each(['backend', 'frontend'])('may not be called %s, like a web tier', (name) => {
    expect(synthFailure(withValue(dev, 'services', { [name]: search }))).toMatch(
      new RegExp(`/service-${name}/.* already makes the Deployment of that name in namespace 'web-dev'|'metadata.name' \\("${name}"\\) must be unique per kind: .*/service-${name}/`),
    );
  });

  it('may not take the name of any object the app stack or CloudNativePG creates for its own tiers', () => {
    const { app } = synthesize(dev);
    const named = (type: string) => resources(app, type).map((r) => String(at(r, 'metadata', 'name')));
    const manifest = (kind: string) => manifests(app, kind).map((m) => String(at(m, 'metadata', 'name')));
    const taken = [
      // The objects an extra service creates under its own name.
      ...['deployment_v1', 'service_v1', 'service_account_v1', 'horizontal_pod_autoscaler_v2', 'pod_disruption_budget_v1']
        .flatMap((type) => named(`kubernetes_${type}`)),
      // CloudNativePG creates a Deployment, Service and ServiceAccount per Pooler, and -rw, -ro, -r Services per Cluster.
      ...manifest('Pooler'),
      ...manifest('Cluster').flatMap((name) => [name, `${name}-rw`, `${name}-ro`, `${name}-r`]),
      // The flows towards a service are named after it.
      ...named('kubernetes_network_policy_v1').flatMap((name) => /^backend-to-(.+)-(ingress|egress)$/.exec(name)?.[1] ?? []),
    ];
    expect(taken.length).toBeGreaterThan(10);
    for (const name of new Set(taken)) {
      expect([name, synthFailure(withValue(dev, 'services', { [name]: search }))]).toEqual([name, expect.stringMatching(/must be unique per kind|must select only its own pods|is declared twice/)]);
    }
    expect(synthesize(withValue(dev, 'services', { search })).app).toBeDefined();
  });
});

describe('the environments of a run', () => {
  it('are the shipped ones, in order, when none are selected', () => {
    expect(loadEnvironments(environments, {}).map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
    expect(loadEnvironments(environments, { TOPOLOGY_ENVIRONMENTS: ' ' }).map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  it('are those selected, spaces allowed', () => {
    expect(loadEnvironments(environments, { TOPOLOGY_ENVIRONMENTS: 'prod, dev' }).map((e) => e.name)).toEqual(['prod', 'dev']);
  });

  it.each([
    ['prod,prod', 'TOPOLOGY_ENVIRONMENTS = "prod,prod": must name each environment once, not "prod" twice'],
    ['prod,', 'TOPOLOGY_ENVIRONMENTS = "prod,": must be a comma-separated list of environment names, without empty entries'],
    [',', 'TOPOLOGY_ENVIRONMENTS = ",": must be a comma-separated list of environment names, without empty entries'],
    ['dev,qa', 'TOPOLOGY_ENVIRONMENTS = "dev,qa": must name known environments (dev, staging, prod), not "qa"'],
  ])('refuse TOPOLOGY_ENVIRONMENTS=%s', (selection, expected) => {
    const message = failureOf(() => loadEnvironments(environments, { TOPOLOGY_ENVIRONMENTS: selection }));
    // One problem each: an empty entry is neither an unknown nor a repeated name.
    expect(message).toBe(`Invalid configuration for TOPOLOGY_ENVIRONMENTS:\n  - ${expected}`);
  });

  const qa = { ...staging, name: 'qa' };

  it('may not deploy two environments to one namespace of one cluster', () => {
    expect(failureOf(() => loadEnvironments([dev, staging, qa], {}))).toContain(
      'qa.namespace.name = "web-staging": must differ from environment "staging"\'s namespace: ' +
        'both deploy to context "staging" of ~/.kube/config, where each would overwrite the other\'s objects',
    );
  });

  it('may not do so through the cluster variables either', () => {
    const shared = withValue(qa, 'cluster.context', 'qa');
    expect(() => loadEnvironments([staging, shared], {})).not.toThrow();
    expect(failureOf(() => loadEnvironments([staging, shared], { TOPOLOGY_KUBE_CONTEXT: 'kwok' }))).toContain(
      'qa.namespace.name = "web-staging": must differ from environment "staging"\'s namespace: both deploy to context "kwok" of ~/.kube/config',
    );
  });

  it('may not install the platform\'s Helm releases twice into one cluster context, naming both environments, the context and the releases', () => {
    expect(failureOf(() => loadEnvironments(environments, { TOPOLOGY_ENVIRONMENTS: 'dev,prod', TOPOLOGY_KUBE_CONTEXT: 'kind' }))).toBe(
      'Invalid configuration for environments "dev", "prod":\n' +
        '  - prod.cluster = {"kubeconfigPath":"~/.kube/config","context":"kind"}: must differ from environment "dev"\'s: both install the platform\'s Helm releases ' +
        'envoy-gateway-system/envoy-gateway, cnpg-system/cloudnative-pg, monitoring/kube-prometheus-stack into context "kind" of ~/.kube/config, ' +
        'where one deploy would overwrite the other\'s operators (two environments share a cluster context only if their platform releases differ, ' +
        'or with TOPOLOGY_SHARED_PLATFORM=1 when they share one platform, installed once)',
    );
  });

  it('names only the releases two environments on one context share, and judges the current context as one', () => {
    const noContext = (env: EnvironmentInput) => withValue(env, 'cluster.context', undefined);
    const ownMonitoring = withValue(noContext(prod), 'monitoring.namespace', 'monitoring-prod');
    const message = failureOf(() => loadEnvironments([noContext(dev), ownMonitoring], {}));
    expect(message).toContain('both install the platform\'s Helm releases envoy-gateway-system/envoy-gateway, cnpg-system/cloudnative-pg into the current context of ~/.kube/config,');
  });

  it('may install them into one context when TOPOLOGY_SHARED_PLATFORM=1 says the environments share one platform', () => {
    const vars = { TOPOLOGY_KUBE_CONTEXT: 'kind', TOPOLOGY_SHARED_PLATFORM: '1' };
    expect(loadEnvironments(environments, vars).map((e) => [e.name, e.cluster.context])).toEqual([
      ['dev', 'kind'],
      ['staging', 'kind'],
      ['prod', 'kind'],
    ]);
    expect(() => loadEnvironments(environments, { ...vars, TOPOLOGY_SHARED_PLATFORM: '0' })).toThrow('must differ from environment "dev"\'s: both install');
  });

  it.each(['', 'yes', 'true'])('refuses TOPOLOGY_SHARED_PLATFORM=%j, naming its values', (value) => {
    expect(failureOf(() => loadEnvironments(environments, { TOPOLOGY_SHARED_PLATFORM: value }))).toBe(
      'Invalid configuration for TOPOLOGY_SHARED_PLATFORM:\n' +
        `  - TOPOLOGY_SHARED_PLATFORM = "${value}": must be 1 (the environments on one cluster context share one platform, installed once) or 0, or be unset`,
    );
  });

  it('may share a namespace name in different clusters', () => {
    expect(loadEnvironments([staging, withValue(qa, 'cluster.context', 'qa')], {}).map((e) => e.name)).toEqual(['staging', 'qa']);
  });
});

describe('messages in detail', () => {
  const line = (input: EnvironmentInput, path: string) => lineOf(failure(input), path);
  const tracing = { backend: 'opentelemetry', endpoint: 'http://otel.observability.svc:4318', peer: { cidrs: ['10.0.0.0/8'] } };

  it.each([
    ['monitoring.slos.windowDays', 5, 'must be a whole number of days from 7 to 90 (longer than the 3-day ticket window)'],
    ['monitoring.slos.latency.thresholdSeconds', 0, 'must be a number of seconds greater than 0 and at most 3600'],
    ['monitoring.slos.latency.thresholdSeconds', 4000, 'must be a number of seconds greater than 0 and at most 3600'],
    ['monitoring.alerts.minRequestsPerSecond', -1, 'must be a number of requests per second, at least 0'],
    ['monitoring.alerts.p99LatencySeconds', 0, 'must be a number of seconds greater than 0'],
  ])('names the unit and bounds: %s = %s', (path, value, rule) => {
    expect(line(withValue(prod, path, value), path)).toBe(`  - ${path} = ${value}: ${rule}`);
  });

  it('names the unit and bounds inside lists and choices too', () => {
    expect(line(withValue(prod, 'edge.rateLimits', [{ path: '/api/x', requestsPerMinute: 0 }]), 'edge.rateLimits.0.requestsPerMinute')).toBe(
      '  - edge.rateLimits.0.requestsPerMinute = 0: must be a whole number of requests per minute from 1 to 4294967295',
    );
    expect(line(withValue(prod, 'monitoring.tracing', { ...tracing, samplingRatio: 1.5 }), 'monitoring.tracing.samplingRatio')).toBe(
      '  - monitoring.tracing.samplingRatio = 1.5: must be a share of traces from 0 to 1',
    );
  });

  it('words an empty list of CIDRs and a choice between forms', () => {
    expect(line(withValue(prod, 'monitoring.tracing', { ...tracing, peer: { cidrs: [] } }), 'monitoring.tracing.peer.cidrs')).toBe(
      '  - monitoring.tracing.peer.cidrs = []: must list at least one CIDR',
    );
    expect(line(withValue(prod, 'monitoring.tracing', { ...tracing, peer: { namespace: 'observability', pods: { '': 'x' } } }), 'monitoring.tracing.peer')).toBe(
      '  - monitoring.tracing.peer = {"namespace":"observability","pods":{"":"x"}}: ' +
        'must be { namespace, pods } (pods of another namespace, pod labels optional) or { cidrs } (addresses outside the cluster)',
    );
  });

  it('wants at least one objective when SLOs are set', () => {
    expect(line(withValue(prod, 'monitoring.slos', { windowDays: 30 }), 'monitoring.slos')).toBe(
      '  - monitoring.slos = {"windowDays":30}: must set availability, latency or both: an objective is needed to derive any rule',
    );
  });

  it('keeps the scratch space request within its limit', () => {
    expect(line(withValue(prod, 'backend.ephemeralStorage', { request: '2Gi', limit: '1Gi' }), 'backend.ephemeralStorage.request')).toBe(
      '  - backend.ephemeralStorage.request = "2Gi": must be less than or equal to limit ("1Gi")',
    );
    expect(() => loadEnvironment(withValue(prod, 'backend.ephemeralStorage', { request: '1Gi', limit: '1Gi' }), {})).not.toThrow();
  });

  it('bounds the number of rate limits by the scope and refuses a repeated method and path', () => {
    const limits = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/api/${i}`, requestsPerMinute: 10 }));
    expect(() => loadEnvironment(withValue(dev, 'edge.rateLimits', limits(8)), {})).not.toThrow();
    // prod counts its limits in a shared store, which takes more rules.
    expect(() => loadEnvironment(withValue(prod, 'edge.rateLimits', limits(9)), {})).not.toThrow();
    expect(line(withValue(dev, 'edge.rateLimits', limits(9)), 'edge.rateLimits')).toMatch(/^ {2}- edge\.rateLimits = \[.*: must hold at most 8 limits with rateLimitScope "local" \(Envoy Gateway allows 16 rules, two per limit\)$/);
    const repeated = [...limits(2), { path: '/api/0', requestsPerMinute: 5 }];
    expect(line(withValue(dev, 'edge.rateLimits', repeated), 'edge.rateLimits.2')).toBe(
      '  - edge.rateLimits.2 = {"path":"/api/0","requestsPerMinute":5}: must not repeat the method and path of rateLimits.0',
    );
  });

  it('refuses an untagged image in prod once, by its pinning rule', () => {
    const message = failure(withValue(prod, 'backend.image', 'ghcr.io/example/web-backend'));
    expect(message?.split('\n').filter((l) => l.startsWith('  - backend.image'))).toEqual([
      '  - backend.image = "ghcr.io/example/web-backend": must be pinned with a tag or a digest (":1.4.2" or "@sha256:…")',
    ]);
  });

  it('cuts long values at 80 characters and never prints the credentials of a URL', () => {
    const image = (length: number) => `registry.example.com/${'a'.repeat(length - 21)}`;
    // JSON quotes make a 78-character image 80 characters long.
    expect(line(withValue(prod, 'backend.image', image(78)), 'backend.image')).toContain(`= ${JSON.stringify(image(78))}: `);
    expect(line(withValue(prod, 'backend.image', image(79)), 'backend.image')).toContain(`= ${JSON.stringify(image(79)).slice(0, 77)}...: `);
    expect(line(withValue(prod, 'monitoring.tracing', { ...tracing, endpoint: 'ftp://user:pw@x.example.com' }), 'monitoring.tracing.endpoint')).toContain(
      '= "ftp://***@x.example.com": ',
    );
  });

  it('names an environment without a usable name "(unnamed)"', () => {
    expect(failure({ ...dev, name: 7 } as never)).toMatch(/^Invalid configuration for environment "\(unnamed\)":\n {2}- name = 7: must be a DNS-1123 label/);
  });

  it('names every environment of a run that shares a namespace, as a ConfigError of the run', () => {
    let error: unknown;
    const qa = { ...staging, name: 'qa' };
    try {
      loadEnvironments([dev, staging, qa], {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).subject).toBe('environments "dev", "staging", "qa"');
    expect((error as ConfigError).message.split('\n')[0]).toBe('Invalid configuration for environments "dev", "staging", "qa":');
  });

  it('names the current context when two environments share a namespace without one', () => {
    const noContext = (env: EnvironmentInput, name: string) => withValue({ ...env, name }, 'cluster.context', undefined);
    expect(failureOf(() => loadEnvironments([noContext(staging, 'staging'), noContext(staging, 'qa')], {}))).toContain(
      'both deploy to the current context of ~/.kube/config, where each would overwrite the other\'s objects',
    );
  });
});

describe('more rules, each with its message', () => {
  const line = (input: EnvironmentInput, path: string) => lineOf(failure(input), path);
  const tracing = { backend: 'opentelemetry', endpoint: 'http://otel.observability.svc:4318', peer: { cidrs: ['10.0.0.0/8'] } };

  it('names the environment whichever check refuses it', () => {
    expect(failure(dev, { BACKEND_IMAGE_TAG: '' })).toMatch(/^Invalid configuration for environment "dev":\n/);
    expect(failure(withValue(dev, 'backend.replicas.min', 0))).toMatch(/^Invalid configuration for environment "dev":\n/);
    // A cross-tier invariant, checked after the schema.
    expect(failure(withValue(dev, 'frontend.metricsPort', 8080))).toMatch(/^Invalid configuration for environment "dev":\n/);
  });

  it('keeps the configured images when no tag variable is set, and overrides only the tier named', () => {
    expect(loadEnvironment(prod, {}).backend.image).toBe(prod.backend.image);
    const config = loadEnvironment(prod, { BACKEND_IMAGE_TAG: '2.0' });
    expect(config.backend.image).toBe('ghcr.io/example/web-backend:2.0');
    expect(config.frontend.image).toBe(prod.frontend.image);
  });

  it('reports a missing tier even when its tag variable is set', () => {
    expect(failure({ ...dev, backend: undefined } as never, { BACKEND_IMAGE_TAG: '2.0' })).toContain('  - backend = (missing): is required');
  });

  it('words a wrong type by the type wanted, not as missing', () => {
    expect(line(withValue(prod, 'monitoring.slos.windowDays', 'x'), 'monitoring.slos.windowDays')).toBe(
      '  - monitoring.slos.windowDays = "x": must be a whole number of days from 7 to 90 (longer than the 3-day ticket window)',
    );
    expect(line(withValue(prod, 'monitoring.alerts.minRequestsPerSecond', 'x'), 'monitoring.alerts.minRequestsPerSecond')).toBe(
      '  - monitoring.alerts.minRequestsPerSecond = "x": must be a number of requests per second, at least 0',
    );
  });

  it('lists the choices of a setting without words of its own', () => {
    expect(line(withValue(prod, 'monitoring.tracing', { ...tracing, protocol: 'tcp' }), 'monitoring.tracing.protocol')).toBe(
      '  - monitoring.tracing.protocol = "tcp": must be one of "grpc", "http/protobuf"',
    );
  });

  it('hides OTLP headers given as a literal', () => {
    const message = failure(withValue(prod, 'monitoring.tracing', { ...tracing, headers: 'Authorization=Bearer s3cr3t' }));
    expect(message).not.toContain('s3cr3t');
    expect(lineOf(message, 'monitoring.tracing.headers')).toContain('= (hidden): ');
  });

  it('shows NaN and infinities inside an object as written', () => {
    expect(line(withValue(prod, 'backend.limits', { cpu: Number.NaN, memory: Infinity, pods: -Infinity }), 'backend.limits')).toBe(
      '  - backend.limits = {"cpu":NaN,"memory":Infinity,"pods":-Infinity}: is not a known setting (check the spelling against the configuration reference)',
    );
  });

  it('takes either objective alone', () => {
    for (const slos of [{ availability: { objectivePercent: 99.9 } }, { latency: { objectivePercent: 99, thresholdSeconds: 1 } }]) {
      expect(() => loadEnvironment(withValue(prod, 'monitoring.slos', slos), {})).not.toThrow();
    }
  });

  it('reads the PostgreSQL major from the start of the tag only', () => {
    expect(postgresMajor('ghcr.io/cloudnative-pg/postgresql:17.6-standard-trixie')).toBe(17);
    expect(postgresMajor('ghcr.io/cloudnative-pg/postgresql:standard-17')).toBeUndefined();
    expect(postgresMajor('ghcr.io/cloudnative-pg/postgresql')).toBeUndefined();
  });

  it('allows a wildcard only as the first label of a hostname', () => {
    expect(() => loadEnvironment(withValue(prod, 'edge.hostnames', ['*.example.com']), {})).not.toThrow();
    expect(line(withValue(prod, 'edge.hostnames', ['api*.example.com']), 'edge.hostnames.0')).toContain('= "api*.example.com": ');
  });

  it('refuses a zero quantity', () => {
    expect(line(withValue(prod, 'backend.resources.requests.cpu', '0'), 'backend.resources.requests.cpu')).toContain('= "0": must be a positive Kubernetes quantity');
  });

  it('compares scratch space only when both sides are quantities', () => {
    const lines = failure(withValue(prod, 'backend.ephemeralStorage', { request: 'lots', limit: '1Gi' }))?.split('\n').filter((l) => l.includes('ephemeralStorage'));
    expect(lines).toHaveLength(1);
    expect(lines?.[0]).toContain('backend.ephemeralStorage.request = "lots": must be a positive Kubernetes quantity');
  });

  it('wants two replicas only for tiers with a disruption budget', () => {
    const single = withValue(withValue(prod, 'frontend.replicas.min', 1), 'frontend.disruptionBudget', undefined);
    expect(() => loadEnvironment(single, {})).not.toThrow();
    const noBudget = withValue(withValue(prod, 'backend.replicas.min', 1), 'backend.disruptionBudget.minAvailable', 1);
    expect(line(noBudget, 'backend.disruptionBudget.minAvailable')).toBe(
      '  - backend.disruptionBudget.minAvailable = 1: must be less than backend.replicas.min (1), or no node can be drained at the minimum scale',
    );
  });
});

describe('defaults and rules have one owner: the construct', () => {
  const compute = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  const tier = { image: 'ghcr.io/example/web:1.0.0', replicas: { min: 1, max: 2 }, resources: compute };
  const pooler = { defaultPoolSize: 10, maxClientConnections: 100 };
  /** Only what has no default. */
  const minimal: EnvironmentInput = {
    name: 'minimal',
    namespace: { name: 'web-minimal', quota: { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', requestsStorage: '50Gi' } },
    backend: tier,
    frontend: tier,
    database: { readReplicas: 1, storage: { size: '5Gi' }, resources: compute, poolers: { rw: pooler, ro: pooler } },
    cache: { instances: 1, resources: compute, auth: { secretName: 'cache-auth' } },
    monitoring: { storage: { size: '5Gi' }, resources: compute },
  };
  const parsed = () => EnvironmentSchema.parse(minimal);

  it('a minimal environment loads', () => {
    expect(loadEnvironment(minimal, {}).name).toBe('minimal');
  });

  it("the web tiers' defaults are WebService's and the Autoscaler's", () => {
    const { backend } = parsed();
    expect({ port: backend.port, metricsPath: backend.metricsPath, healthPath: backend.healthPath, zoneSpread: backend.zoneSpread }).toEqual({
      port: WEB_SERVICE_DEFAULTS.port,
      metricsPath: WEB_SERVICE_DEFAULTS.metricsPath,
      healthPath: WEB_SERVICE_DEFAULTS.readinessPath,
      zoneSpread: WEB_SERVICE_DEFAULTS.zoneSpread,
    });
    expect(backend.autoscaling).toEqual(AUTOSCALING_DEFAULTS);
  });

  it("the edge's defaults are EdgeGateway's and TrafficPolicy's, but for the app's rate limit", () => {
    const { edge } = parsed();
    const { rateLimits, ...rest } = edge;
    const { method, ...traffic } = TRAFFIC_DEFAULTS;
    // The Gateway's and its route's names are the construct's alone: the config does not set them.
    const { name, routeName, ...gateway } = EDGE_GATEWAY_DEFAULTS;
    expect([name, routeName]).toEqual(['edge', 'web']);
    expect(rest).toEqual({ ...gateway, ...traffic });
    expect(rateLimits.map((r) => r.method)).toEqual([method]);
  });

  it("the database's, the poolers' and the cache's defaults are PostgresCluster's, ConnectionPooler's and ValkeyCache's", () => {
    const { database, cache } = parsed();
    expect({ databaseName: database.databaseName, maxConnections: database.maxConnections }).toEqual({
      databaseName: POSTGRES_DEFAULTS.databaseName,
      maxConnections: POSTGRES_DEFAULTS.maxConnections,
    });
    for (const p of [database.poolers.rw, database.poolers.ro]) {
      expect({ instances: p.instances, resources: p.resources }).toEqual({ instances: POOLER_DEFAULTS.instances, resources: POOLER_DEFAULTS.resources });
    }
    expect({ maxmemoryPercent: cache.maxmemoryPercent, exporterResources: cache.exporterResources }).toEqual(VALKEY_DEFAULTS);
  });

  it("the namespace's and monitoring's defaults are AppNamespace's, PrometheusStack's, AlertRules', the SLOs' and tracing's", () => {
    const { namespace, monitoring } = parsed();
    expect(namespace.quota).toMatchObject(APP_NAMESPACE_DEFAULTS.quota);
    expect(namespace.limitRange).toEqual({ defaultRequest: APP_NAMESPACE_DEFAULTS.defaultRequest, default: APP_NAMESPACE_DEFAULTS.defaultLimit });
    expect({ retention: monitoring.retention, grafana: monitoring.grafana.enabled }).toEqual({
      retention: PROMETHEUS_STACK_DEFAULTS.retention,
      grafana: PROMETHEUS_STACK_DEFAULTS.grafanaEnabled,
    });
    const { errorRatio, ...thresholds } = ALERT_DEFAULTS;
    expect(monitoring.alerts).toEqual({ ...thresholds, errorRatio: errorRatio.ratio, minRequestsPerSecond: errorRatio.minRequestsPerSecond });
    const slos = EnvironmentSchema.parse(withValue(minimal, 'monitoring.slos', { availability: { objectivePercent: 99 } })).monitoring.slos;
    expect(slos?.windowDays).toBe(SLO_DEFAULTS.windowDays);
    const tracing = { backend: 'opentelemetry', endpoint: 'http://otel.observability.svc:4318', peer: { cidrs: ['10.0.0.0/8'] } };
    const traced = EnvironmentSchema.parse(withValue(minimal, 'monitoring.tracing', tracing)).monitoring.tracing;
    expect(traced).toMatchObject(TRACING_DEFAULTS);
  });

  it('PostgreSQL max_connections defaults to PostgreSQL\'s own 100, as the construct does', () => {
    expect(parsed().database.maxConnections).toBe(100);
  });

  it('the SLO floor is the construct\'s, derived from its fastest burn (100 × (1 − 1/14.4) = 93.0555…)', () => {
    const objective = (percent: number) => withValue(prod, 'monitoring.slos.availability.objectivePercent', percent);
    expect(loadEnvironment(objective(93.056), {}).monitoring.slos?.availability?.objectivePercent).toBe(93.056);
    expect(lineOf(failure(objective(93.055)), 'monitoring.slos.availability.objectivePercent')).toBe(
      `  - monitoring.slos.availability.objectivePercent = 93.055: ${objectivePercentProblem(93.055)}`,
    );
  });

  it("retention takes compound durations in the prometheus-operator's order, as PrometheusStack does", () => {
    expect(loadEnvironment(withValue(prod, 'monitoring.retention', '1w3d12h'), {}).monitoring.retention).toBe('1w3d12h');
    for (const retention of ['12h1d', '1d1d', '', '0', '15 d']) {
      expect(lineOf(failure(withValue(prod, 'monitoring.retention', retention)), 'monitoring.retention')).toBe(
        `  - monitoring.retention = ${JSON.stringify(retention)}: ${DURATION_RULE}`,
      );
    }
  });

  // Whether the workloads' volume claims fit is the namespace-quota check's (review.test.ts).
  it('the quota may allow no volume claims, as AppNamespace does', () => {
    const none = withValue(prod, 'namespace.quota.persistentVolumeClaims', 0);
    expect(loadEnvironment(none, {}).namespace.quota.persistentVolumeClaims).toBe(0);
  });

  it("refuses max_connections among the parameters with PostgresCluster's rule, not only at synth", () => {
    expect(lineOf(failure(withValue(prod, 'database.parameters', { max_connections: '50' })), 'database.parameters.max_connections')).toBe(
      `  - database.parameters.max_connections = "50": must not be set: use 'maxConnections'`,
    );
  });

  it('names, hostnames and rate-limited paths are refused with the rule the constructs use', () => {
    expect(lineOf(failure(withValue(prod, 'namespace.name', 'Web')), 'namespace.name')).toBe(`  - namespace.name = "Web": ${nameProblem('Web')}`);
    expect(lineOf(failure(withValue(prod, 'edge.hostnames', ['a..b'])), 'edge.hostnames.0')).toBe(`  - edge.hostnames.0 = "a..b": ${hostnameProblem('a..b')}`);
    const long = `/${'a'.repeat(1100)}`;
    expect(lineOf(failure(withValue(prod, 'edge.rateLimits', [{ path: long, requestsPerMinute: 1 }])), 'edge.rateLimits.0.path')).toContain(
      "must be short enough for Envoy Gateway's 1024-character path match",
    );
  });
});
