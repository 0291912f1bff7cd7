import { dev, prod, staging } from '../config/environments';
import { ConfigError, loadEnvironment } from '../config/load';
import type { EnvironmentInput } from '../config/schema';
import { withValue } from './helpers';

/** The message a config fails with, or a failure if it loads. */
function failure(input: EnvironmentInput, vars: NodeJS.ProcessEnv = {}): string {
  try {
    loadEnvironment(input, vars);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the configuration to be rejected');
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
      'frontend.resources.requests.memory = "1Gi": must not exceed limits.memory (512Mi)',
    );
  });

  it('rejects CPU requests above CPU limits, and accepts requests equal to limits', () => {
    expect(failure(withValue(dev, 'frontend.resources.requests.cpu', '1'))).toContain(
      'frontend.resources.requests.cpu = "1": must not exceed limits.cpu (500m)',
    );
    const equal = loadEnvironment(withValue(dev, 'frontend.resources.requests.cpu', '500m'), {});
    expect(equal.frontend.resources.requests.cpu).toBe('500m');
  });

  it('rejects min replicas above max replicas', () => {
    expect(failure(withValue(staging, 'backend.replicas', { min: 9, max: 8 }))).toContain(
      'backend.replicas.min = 9: must be ≤ replicas.max (8)',
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

  it('rejects ":latest" for the database and cache images in prod', () => {
    const message = failure(
      withValue(withValue(prod, 'database.image', 'ghcr.io/cloudnative-pg/postgresql:latest'), 'cache.image', 'docker.io/valkey/valkey:latest'),
    );
    expect(message).toContain(
      'database.image = "ghcr.io/cloudnative-pg/postgresql:latest": must not use the ":latest" tag in prod',
    );
    expect(message).toContain('cache.image = "docker.io/valkey/valkey:latest": must not use the ":latest" tag in prod');
  });

  it('accepts ":latest" in staging for every image (the rule is for prod only)', () => {
    let latest = staging;
    for (const [path, image] of [
      ['backend.image', 'ghcr.io/example/web-backend:latest'],
      ['frontend.image', 'ghcr.io/example/web-frontend:latest'],
      ['database.image', 'ghcr.io/cloudnative-pg/postgresql:latest'],
      ['cache.image', 'docker.io/valkey/valkey:latest'],
    ]) {
      latest = withValue(latest, path, image);
    }
    const config = loadEnvironment(latest, {});
    expect([config.backend.image, config.frontend.image, config.database.image, config.cache.image]).toEqual([
      'ghcr.io/example/web-backend:latest',
      'ghcr.io/example/web-frontend:latest',
      'ghcr.io/cloudnative-pg/postgresql:latest',
      'docker.io/valkey/valkey:latest',
    ]);
  });

  it('rejects fewer than 2 replicas in prod for a tier with a PDB', () => {
    expect(failure(withValue(prod, 'cache.instances', 1))).toContain(
      'cache.instances = 1: must be at least 2 in prod for a tier with a PodDisruptionBudget',
    );
    expect(failure(withValue(prod, 'frontend.replicas', { min: 1, max: 6 }))).toContain(
      'frontend.replicas.min = 1: must be at least 2 in prod for a tier with a PodDisruptionBudget',
    );
  });

  it('rejects unknown keys', () => {
    expect(failure(withValue(dev, 'backend.replica', 3))).toContain('backend.replica = 3: is not a known setting');
  });

  it('reports every problem at once', () => {
    const bad = withValue(withValue(dev, 'backend.resources.limits.cpu', 'lots'), 'cache.instances', 0);
    const message = failure(bad);
    expect(message).toContain('backend.resources.limits.cpu = "lots"');
    expect(message).toContain('cache.instances = 0: must be a whole number of at least 1');
  });
});

describe('cross-tier invariants', () => {
  it('backend connections at max scale must fit the rw pooler', () => {
    expect(failure(withValue(prod, 'backend.replicas.max', 21))).toContain(
      'database.poolers.rw.maxClientConnections = 1000: must be ≥ the backend\'s connections at max scale: ' +
        'backend.replicas.max (21) × processesPerPod (1) × (size 20 + maxOverflow 30) = 1050',
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
      'backend.disruptionBudget.minAvailable = 5: must be below backend.replicas.min (5)',
    );
    expect(failure(withValue(prod, 'cache.disruptionBudget.minAvailable', 2))).toContain(
      'cache.disruptionBudget.minAvailable = 2: must be below cache.instances (2) so that a node can still be drained at the minimum scale',
    );
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

  it('validates an overridden tag like any other value', () => {
    expect(failure(prod, { BACKEND_IMAGE_TAG: 'latest' })).toContain('backend.image = "ghcr.io/example/web-backend:latest"');
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

  it('follow the prod rules of the web tiers', () => {
    expect(failure(withValue(prod, 'services', { search: service }))).toContain(
      'services.search.replicas.min = 1: must be at least 2 in prod for a tier with a PodDisruptionBudget',
    );
  });

  it('must allow a disruption at their minimum scale', () => {
    const pinned = { ...service, replicas: { min: 2, max: 2 }, disruptionBudget: { minAvailable: 2 } };
    expect(failure(withValue(prod, 'services', { search: pinned }))).toContain(
      'services.search.disruptionBudget.minAvailable = 2: must be below services.search.replicas.min (2) so that a node can still be drained at the minimum scale',
    );
    const drainable = { ...pinned, disruptionBudget: { minAvailable: 1 } };
    expect(() => loadEnvironment(withValue(prod, 'services', { search: drainable }), {})).not.toThrow();
  });
});
