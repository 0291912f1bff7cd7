import { homedir, tmpdir } from 'node:os';
import { parse } from 'yaml';
import { Testing } from 'cdktf';
import { loadEnvironment } from '../config/load';
import { addEnvironment } from '../stacks/environment';
import versions from '../config/versions.json';
import { KUBECTL_PROVIDER_VERSION } from '../constructs/core/kubectl-provider';
import { selects } from '../constructs/core/labels';
import { at, customResource, DIGEST, ENVIRONMENTS, fixture, manifests, metadataName, networkPolicies, resources, synthesize, withValue, type Json, type Resource } from './helpers';

const envNames = Object.keys(ENVIRONMENTS);
const synthesized = Object.fromEntries(envNames.map((name) => [name, fixture(() => synthesize(ENVIRONMENTS[name]))]));

describe.each(envNames)('%s stacks', (env) => {
  let platform: Json;
  let app: Json;
  beforeEach(() => ({ platform, app } = synthesized[env]()));

  it('match the platform snapshot', () => {
    expect(platform).toMatchSnapshot();
  });

  it('match the app snapshot', () => {
    expect(app).toMatchSnapshot();
  });

  it('keep the state of each stack in its own local file beside the project by default', () => {
    expect(at(platform, 'terraform', 'backend', 'local', 'path')).toBe(`../../../terraform.${env}-platform.tfstate`);
    expect(at(app, 'terraform', 'backend', 'local', 'path')).toBe(`../../../terraform.${env}-app.tfstate`);
  });

  it('contain no absolute paths or timestamps', () => {
    const text = JSON.stringify([platform, app]);
    for (const local of [process.cwd(), homedir(), tmpdir()]) expect(text).not.toContain(local);
    expect(text).not.toMatch(/\/(home|root|tmp|work|Users|private|var\/folders)\//);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it('install every operator from a pinned chart', () => {
    const releases = resources(platform, 'helm_release');
    expect(releases.map((r) => r.chart).sort()).toEqual(['cloudnative-pg', 'gateway-helm', 'kube-prometheus-stack']);
    for (const r of releases) {
      expect(r.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(r.atomic).toBe(true);
      // The app stack plans only once the operators and their CRDs are in place.
      expect(r.wait).toBe(true);
    }
  });

  it('keep the HPA in charge of replicas after the first apply', () => {
    for (const d of resources(app, 'kubernetes_deployment_v1')) {
      expect(at(d, 'lifecycle', 'ignore_changes')).toContain('spec[0].replicas');
      const hpa = resources(app, 'kubernetes_horizontal_pod_autoscaler_v2').find((h) => metadataName(h) === metadataName(d));
      expect(String(at(hpa, 'spec', 'min_replicas'))).toBe(at(d, 'spec', 'replicas'));
    }
  });

  it('point every HPA at a Deployment of the stack', () => {
    const deployments = resources(app, 'kubernetes_deployment_v1').map(metadataName);
    const hpas = resources(app, 'kubernetes_horizontal_pod_autoscaler_v2');
    expect(hpas).toHaveLength(2);
    for (const hpa of hpas) {
      expect(at(hpa, 'spec', 'scale_target_ref')).toEqual({ api_version: 'apps/v1', kind: 'Deployment', name: metadataName(hpa) });
      expect(deployments).toContain(metadataName(hpa));
      expect(at(hpa, 'spec', 'behavior', 'scale_up', 0, 'policy')).toHaveLength(2);
      expect(at(hpa, 'spec', 'behavior', 'scale_down', 0, 'stabilization_window_seconds')).toBe(300);
    }
  });

  it('select pods with every Service, PDB and NetworkPolicy', () => {
    const pods = podTemplates(app);
    const selectsAny = (selector: Record<string, string>) => pods.some((p) => selects(selector, p));
    for (const s of resources(app, 'kubernetes_service_v1')) {
      expect({ service: metadataName(s), matches: selectsAny(at(s, 'spec', 'selector') as Record<string, string>) }).toEqual({
        service: metadataName(s),
        matches: true,
      });
    }
    for (const pdb of resources(app, 'kubernetes_pod_disruption_budget_v1')) {
      expect(selectsAny(at(pdb, 'spec', 'selector', 'match_labels') as Record<string, string>)).toBe(true);
    }
    for (const np of resources(app, 'kubernetes_network_policy_v1')) {
      const selector = (at(np, 'spec', 'pod_selector', 'match_labels') ?? {}) as Record<string, string>;
      expect({ policy: metadataName(np), matches: selectsAny(selector) }).toEqual({
        policy: metadataName(np),
        matches: true,
      });
    }
  });

  it('give every container requests, limits, probes and the restricted security context', () => {
    const workloads = [...resources(app, 'kubernetes_deployment_v1'), ...resources(app, 'kubernetes_stateful_set_v1')];
    expect(workloads.length).toBe(3);
    for (const w of workloads) {
      const pod = at(w, 'spec', 'template', 'spec') as Json;
      expect(at(pod, 'security_context')).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
      expect(pod.automount_service_account_token).toBe(false);
      for (const c of pod.container as Json[]) {
        const name = `${metadataName(w)}/${c.name as string}`;
        // Ephemeral storage too: every container writes to an emptyDir.
        const sized = { cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) };
        expect({ name, requests: at(c, 'resources', 'requests') }).toEqual({ name, requests: sized });
        expect({ name, limits: at(c, 'resources', 'limits') }).toEqual({ name, limits: sized });
        for (const probe of ['startup_probe', 'readiness_probe', 'liveness_probe']) {
          expect({ name, probe, present: typeof c[probe] === 'object' }).toEqual({ name, probe, present: true });
        }
        expect(at(c, 'security_context')).toMatchObject({
          allow_privilege_escalation: false,
          read_only_root_filesystem: true,
          run_as_non_root: true,
          capabilities: { drop: ['ALL'] },
          seccomp_profile: { type: 'RuntimeDefault' },
        });
        expect(c.image).toMatch(/:[\w][\w.-]*$|@sha256:/);
      }
    }
  });

  it('route /api to the backend and / to the frontend, through existing Services', () => {
    const services = new Map(resources(app, 'kubernetes_service_v1').map((s) => [metadataName(s), s]));
    const routes = manifests(app, 'HTTPRoute');
    const web = routes.find((r) => at(r, 'metadata', 'name') === 'web') as Json;
    const rules = at(web, 'spec', 'rules') as Json[];
    expect(rules.map((r) => [at(r, 'matches', 0, 'path', 'value'), at(r, 'backendRefs', 0, 'name')])).toEqual([
      ['/api', 'backend'],
      ['/', 'frontend'],
    ]);
    for (const route of routes) {
      for (const rule of at(route, 'spec', 'rules') as Json[]) {
        for (const ref of (rule.backendRefs ?? []) as Json[]) {
          const ports = (at(services.get(ref.name as string), 'spec', 'port') ?? []) as Json[];
          expect(ports.map((p) => p.port)).toContain(ref.port);
        }
      }
    }
  });

  it('give the backend its database, cache and pool settings, credentials by reference, in substitution order', () => {
    const namespace = ENVIRONMENTS[env].namespace.name;
    const pool = loadEnvironment(ENVIRONMENTS[env], {}).database.clientPool;
    const credentials = (key: string) => ({ value_from: { secret_key_ref: { name: 'postgres-app', key } } });
    expect(backendEnv(app).slice(0, 10)).toEqual([
      // The kubelet only substitutes variables defined earlier in the list.
      { name: 'DB_USER', ...credentials('username') },
      { name: 'DB_PASSWORD', ...credentials('password') },
      { name: 'DATABASE_URL', value: `postgresql://$(DB_USER):$(DB_PASSWORD)@postgres-pooler-rw.${namespace}.svc:5432/app` },
      { name: 'DATABASE_READ_URL', value: `postgresql://$(DB_USER):$(DB_PASSWORD)@postgres-pooler-ro.${namespace}.svc:5432/app` },
      { name: 'DB_POOL_SIZE', value: String(pool.size) },
      { name: 'DB_MAX_OVERFLOW', value: String(pool.maxOverflow) },
      { name: 'WEB_CONCURRENCY', value: String(pool.processesPerPod) },
      { name: 'CACHE_PASSWORD', value_from: { secret_key_ref: { name: 'cache-auth', key: 'password' } } },
      { name: 'REDIS_URL', value: `redis://:$(CACHE_PASSWORD)@cache-write.${namespace}.svc:6379/0` },
      { name: 'REDIS_READ_URL', value: `redis://:$(CACHE_PASSWORD)@cache-read.${namespace}.svc:6379/0` },
    ]);
    expect(secretLiterals([platform, app])).toEqual([]);
  });

  it('point the rw output at the rw pooler, the ro output at the ro pooler and the cache outputs at their Services', () => {
    const namespace = ENVIRONMENTS[env].namespace.name;
    const value = (name: string) => at(app, 'output', name, 'value');
    expect([value('database_rw_endpoint'), value('database_ro_endpoint'), value('cache_write_endpoint'), value('cache_read_endpoint')]).toEqual([
      `postgres-pooler-rw.${namespace}.svc:5432`,
      `postgres-pooler-ro.${namespace}.svc:5432`,
      `cache-write.${namespace}.svc:6379`,
      `cache-read.${namespace}.svc:6379`,
    ]);
    const poolers = new Map(manifests(app, 'Pooler').map((p) => [at(p, 'metadata', 'name'), at(p, 'spec', 'type')]));
    expect([poolers.get('postgres-pooler-rw'), poolers.get('postgres-pooler-ro')]).toEqual(['rw', 'ro']);
  });

  it('let the Envoy proxies reach the backend and the frontend on their http ports, and nothing else', () => {
    const policies = networkPolicies(app);
    // This Gateway's proxies only (Envoy Gateway 1.9.1's labels), not Envoy Gateway's controller or rate limit service.
    const namespace = at(resources(app, 'kubernetes_namespace_v1')[0], 'metadata', 'name');
    const envoy = [
      {
        namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
        pod_selector: {
          match_labels: {
            'app.kubernetes.io/component': 'proxy',
            'app.kubernetes.io/managed-by': 'envoy-gateway',
            'app.kubernetes.io/name': 'envoy',
            'gateway.envoyproxy.io/owning-gateway-name': 'edge',
            'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
          },
        },
      },
    ];
    for (const tier of ['backend', 'frontend']) {
      const deployment = resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === tier);
      expect(at(policies.get(`edge-to-${tier}-ingress`), 'spec')).toEqual({
        pod_selector: { match_labels: at(deployment, 'spec', 'selector', 'match_labels') },
        policy_types: ['Ingress'],
        ingress: [{ from: envoy, ports: [{ port: String(at(deployment, 'spec', 'template', 'spec', 'container', 0, 'port', 0, 'container_port')), protocol: 'TCP' }] }],
      });
    }
    expect([...policies.keys()].filter((n) => n.startsWith('edge-'))).toEqual(['edge-to-backend-ingress', 'edge-to-frontend-ingress']);
  });

  it('let the backend reach both poolers and the cache, on their ports', () => {
    const policies = networkPolicies(app);
    const ports = (name: string) => at(policies.get(name), 'spec', 'egress', 0, 'ports');
    expect(['postgres-pooler-rw', 'postgres-pooler-ro', 'cache'].map((to) => ports(`backend-to-${to}-egress`))).toEqual([
      [{ port: '5432', protocol: 'TCP' }],
      [{ port: '5432', protocol: 'TCP' }],
      [{ port: '6379', protocol: 'TCP' }],
    ]);
  });

  it('let every pod resolve names through kube-dns', () => {
    expect(at(networkPolicies(app).get('dns-egress'), 'spec', 'pod_selector')).toEqual({ match_labels: {} });
  });

  it('output the Gateway, and its address only where deploy waits for it, so the next plan has no change', () => {
    const waits = env === 'staging';
    const gateway = customResource(app, 'Gateway');
    expect(gateway?.__type).toBe(waits ? 'kubernetes_manifest' : 'kubectl_manifest');
    const [body] = manifests(app, 'Gateway');
    expect(at(app, 'output', 'gateway', 'value')).toBe(`${at(body, 'metadata', 'namespace')}/${metadataName(body)}`);
    expect(Object.keys(app.output as Json).sort()).toEqual([
      'cache_read_endpoint',
      'cache_write_endpoint',
      'database_ro_endpoint',
      'database_rw_endpoint',
      'gateway',
      ...(waits ? ['gateway_address'] : []),
    ]);
    expect(Object.keys(platform.output as Json)).toEqual(['grafana_url']);
  });

  it("roll the backend out only after the repository's migrations succeeded, the guide's indexes among them", () => {
    const [job] = resources(app, 'kubernetes_manifest').filter((r) => at(r, 'manifest', 'kind') === 'Job');
    const files = resources(app, 'kubernetes_config_map_v1').find((c) => metadataName(c) === at(job, 'manifest', 'metadata', 'name'))?.data as Record<string, string>;
    expect(Object.keys(files)).toEqual(['00001_create_content_tables.sql', '00002_add_indexes.sql']);
    expect(files['00002_add_indexes.sql'].match(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS \w+ ON (content|seo_analysis) /gm)).toHaveLength(5);
    expect(at(job, 'manifest', 'spec', 'template', 'spec', 'containers', 0, 'image')).toBe(versions.images.migrationRunner);
    const verdict = Object.entries(at(app, 'data', 'kubernetes_resources') as Record<string, Json>).find(([, d]) => d.kind === 'Job');
    const backend = resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === 'backend');
    expect(backend?.depends_on).toEqual(expect.arrayContaining([`kubernetes_manifest.${job.__name}`, `data.kubernetes_resources.${verdict?.[0]}`]));
    const frontend = resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === 'frontend');
    expect(frontend?.depends_on).not.toContain(`kubernetes_manifest.${job.__name}`);
  });

  it('label every workload as part of web-topology, for `kubectl get -l app.kubernetes.io/part-of=web-topology`', () => {
    const workloads = [...resources(app, 'kubernetes_deployment_v1'), ...resources(app, 'kubernetes_stateful_set_v1')];
    expect(workloads.length).toBeGreaterThan(0);
    for (const w of workloads) {
      expect({ workload: metadataName(w), partOf: (at(w, 'metadata', 'labels') as Record<string, string>)['app.kubernetes.io/part-of'] }).toEqual({ workload: metadataName(w), partOf: 'web-topology' });
    }
  });

  it('create the namespace before anything in it', () => {
    const ns = resources(app, 'kubernetes_namespace_v1')[0];
    for (const r of resources(app)) {
      if (r.__name === ns.__name) continue;
      expect({ resource: r.__name, dependsOnNamespace: ((r.depends_on ?? []) as string[]).includes(`kubernetes_namespace_v1.${ns.__name}`) }).toEqual({
        resource: r.__name,
        dependsOnNamespace: true,
      });
    }
  });
});

/** The backend container's environment. */
function frontendEnv(app: Json): Json[] {
  const frontend = resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === 'frontend');
  return at(frontend, 'spec', 'template', 'spec', 'container', 0, 'env') as Json[];
}

function backendEnv(app: Json): Json[] {
  const backend = resources(app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === 'backend');
  return at(backend, 'spec', 'template', 'spec', 'container', 0, 'env') as Json[];
}

/** Labels of every pod template in the stack (Deployments, StatefulSet pods by ordinal, Jobs). */
function podTemplates(app: Json): Record<string, string>[] {
  const labels = (w: Resource) => at(w, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
  const deployments = resources(app, 'kubernetes_deployment_v1').map(labels);
  const statefulPods = resources(app, 'kubernetes_stateful_set_v1').flatMap((s) =>
    Array.from({ length: Number(at(s, 'spec', 'replicas')) }, (_, i) => ({
      ...labels(s),
      'statefulset.kubernetes.io/pod-name': `${metadataName(s)}-${i}`,
    })),
  );
  const jobs = manifests(app, 'Job').map((j) => at(j, 'spec', 'template', 'metadata', 'labels') as Record<string, string>);
  return [...deployments, ...statefulPods, ...jobs, ...operatorPods(app)];
}

/**
 * Labels of the pods CloudNativePG creates for each Cluster and Pooler (pkg/specs in its source:
 * instances carry cnpg.io/cluster and podRole "instance", the initdb and join Jobs' pods
 * cnpg.io/cluster and their jobRole, poolers also cnpg.io/poolerName).
 */
function operatorPods(app: Json): Record<string, string>[] {
  const name = (m: Json) => at(m, 'metadata', 'name') as string;
  return [
    ...manifests(app, 'Cluster').flatMap((c) => [
      { 'cnpg.io/cluster': name(c), 'cnpg.io/podRole': 'instance' },
      ...['initdb', 'join'].map((role) => ({ 'cnpg.io/cluster': name(c), 'cnpg.io/jobRole': role })),
    ]),
    ...manifests(app, 'Pooler').map((p) => ({
      'cnpg.io/cluster': at(p, 'spec', 'cluster', 'name') as string,
      'cnpg.io/podRole': 'pooler',
      'cnpg.io/poolerName': name(p),
    })),
  ];
}

/** Strings in secret-looking fields, and URLs with inline credentials, that are not references. */
function secretLiterals(stacks: Json[]): string[] {
  const found: string[] = [];
  const walk = (node: unknown, key: string) => {
    if (typeof node === 'string') {
      const isReference = node.includes('$(') || node.includes('${');
      if (/(password|token|api_?key|private_?key)$/i.test(key) && !isReference) found.push(`${key}=${node}`);
      if (/:\/\/[^/:@\s]+:[^@\s]+@/.test(node) && !/:\/\/\$\([A-Z_]+\):\$\([A-Z_]+\)@/.test(node)) found.push(node);
      return;
    }
    if (Array.isArray(node)) node.forEach((n) => walk(n, key));
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  stacks.forEach((s) => walk(s, ''));
  // Helm values are YAML strings: read them as data too.
  for (const stack of stacks) for (const r of resources(stack, 'helm_release')) for (const v of (r.values ?? []) as string[]) walk(parse(v), '');
  return found;
}

describe('probes and scratch space from the config', () => {
  const container = (input: typeof ENVIRONMENTS.dev, name: string) =>
    at(resources(synthesize(input).app, 'kubernetes_deployment_v1').find((d) => metadataName(d) === name), 'spec', 'template', 'spec', 'container', 0) as Json;

  it('keep liveness off the dependencies: a TCP check by default, readiness on healthPath', () => {
    const backend = container(ENVIRONMENTS.dev, 'backend');
    expect([at(backend, 'liveness_probe', 'tcp_socket'), at(backend, 'readiness_probe', 'http_get', 'path')]).toEqual([[{ port: 'http' }], '/health']);
  });

  it('use a configured livenessPath and ephemeralStorage', () => {
    const input = withValue(withValue(ENVIRONMENTS.dev, 'backend.livenessPath', '/alive'), 'backend.ephemeralStorage', { request: '1Gi', limit: '3Gi' });
    const backend = container(input, 'backend');
    expect(at(backend, 'liveness_probe', 'http_get')).toEqual({ path: '/alive', port: 'http' });
    expect([at(backend, 'resources', 'requests', 'ephemeral-storage'), at(backend, 'resources', 'limits', 'ephemeral-storage')]).toEqual(['1Gi', '3Gi']);
  });

  it('size the cache\'s scratch space from the config', () => {
    const { app } = synthesize(withValue(ENVIRONMENTS.dev, 'cache.ephemeralStorage', { request: '256Mi', limit: '1Gi' }));
    expect(at(resources(app, 'kubernetes_stateful_set_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'resources', 'limits', 'ephemeral-storage')).toBe('1Gi');
  });
});

describe('tracing', () => {
  it("gives each web tier its image's tag as its version, or its digest when it has no tag", () => {
    const tracing = { backend: 'opentelemetry', endpoint: 'http://otel.observability.svc:4318', peer: { cidrs: ['10.0.0.0/8'] } };
    const input = withValue(
      withValue(withValue(ENVIRONMENTS.dev, 'monitoring.tracing', tracing), 'backend.image', `ghcr.io/example/web-backend:2.1.0@${DIGEST}`),
      'frontend.image',
      `ghcr.io/example/web-frontend@${DIGEST}`,
    );
    const { app } = synthesize(input);
    const version = (env: Json[]) => String(env.find((e) => at(e, 'name') === 'OTEL_RESOURCE_ATTRIBUTES')?.value).replace(/^.*service\.version=/, '');
    expect([version(backendEnv(app)), version(frontendEnv(app))]).toEqual(['2.1.0', DIGEST]);
  });
});

describe('a database without read replicas', () => {
  const stacks = fixture(() => synthesize(withValue(ENVIRONMENTS.dev, 'database.readReplicas', 0)));
  let app: Json;
  beforeEach(() => ({ app } = stacks()));
  const rw = 'postgresql://$(DB_USER):$(DB_PASSWORD)@postgres-pooler-rw.web-dev.svc:5432/app';

  it('has no ro pooler', () => {
    expect(manifests(app, 'Pooler').map((p) => at(p, 'metadata', 'name'))).toEqual(['postgres-pooler-rw']);
    expect(at(manifests(app, 'Cluster')[0], 'spec', 'instances')).toBe(1);
  });

  it('sends reads to the primary through the rw pooler', () => {
    const env = backendEnv(app);
    expect(env.find((e) => e.name === 'DATABASE_READ_URL')?.value).toBe(rw);
    expect(env.find((e) => e.name === 'DATABASE_URL')?.value).toBe(rw);
    expect(at(app, 'output', 'database_ro_endpoint', 'value')).toBe('postgres-pooler-rw.web-dev.svc:5432');
    expect(at(app, 'output', 'database_ro_endpoint', 'description')).toBe('Read endpoint: the read-write one, as there are no replicas');
  });
});

describe('additional services', () => {
  const search = {
    image: 'ghcr.io/example/search:1.2.0',
    replicas: { min: 2, max: 4 },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    disruptionBudget: { minAvailable: 1 },
  };
  const stacks = fixture(() => synthesize({ ...ENVIRONMENTS.prod, services: { search, 'image-resizer': search } }));
  let app: Json;
  beforeEach(() => ({ app } = stacks()));

  it('are given to the backend as <NAME>_URL, a dash becoming an underscore', () => {
    const urls = backendEnv(app).filter((e) => String(e.name).endsWith('_URL') && String(e.name).match(/^(SEARCH|IMAGE)/));
    expect(urls).toEqual([
      { name: 'SEARCH_URL', value: 'http://search.web-prod.svc:80' },
      { name: 'IMAGE_RESIZER_URL', value: 'http://image-resizer.web-prod.svc:80' },
    ]);
  });

  it('get the web tier shape: Deployment, Service, HPA and PDB', () => {
    for (const type of ['kubernetes_deployment_v1', 'kubernetes_service_v1', 'kubernetes_horizontal_pod_autoscaler_v2', 'kubernetes_pod_disruption_budget_v1']) {
      expect(resources(app, type).map(metadataName)).toContain('search');
    }
  });

  it('are reachable from the backend only', () => {
    const policies = resources(app, 'kubernetes_network_policy_v1').filter((p) => metadataName(p).includes('search'));
    expect(policies.map(metadataName).sort()).toEqual(['backend-to-search-egress', 'backend-to-search-ingress']);
    expect(at(policies.find((p) => metadataName(p).endsWith('ingress')), 'spec', 'ingress', 0, 'ports')).toEqual([{ port: '8080', protocol: 'TCP' }]);
  });
});

describe('the environment\'s two stacks', () => {
  it('deploy the app after the platform, whose operators bring the CRDs its custom resources need', () => {
    const stacks = addEnvironment(Testing.app(), loadEnvironment(ENVIRONMENTS.dev, {}));
    expect(stacks.app.dependencies).toEqual([stacks.platform]);
  });

  it('point every provider at the configured kubeconfig context, or at its current one', () => {
    const { platform, app } = synthesize(withValue(ENVIRONMENTS.prod, 'cluster.context', 'staging-admin'));
    expect(at(app, 'provider', 'kubernetes', 0, 'config_context')).toBe('staging-admin');
    expect(at(app, 'provider', 'kubectl', 0, 'config_context')).toBe('staging-admin');
    expect(at(platform, 'provider', 'kubernetes', 0, 'config_context')).toBe('staging-admin');
    expect(at(platform, 'provider', 'helm', 0, 'kubernetes', 'config_context')).toBe('staging-admin');
    const current = synthesize(withValue(ENVIRONMENTS.prod, 'cluster.context', undefined));
    expect(at(current.app, 'provider', 'kubernetes', 0, 'config_context')).toBeUndefined();
    expect(at(current.platform, 'provider', 'helm', 0, 'kubernetes', 'config_context')).toBeUndefined();
  });

  it('tell the frontend that the API is under /api, the prefix the edge routes to the backend', () => {
    const { app } = synthesized.prod();
    expect(frontendEnv(app).filter((e) => e.name === 'API_BASE_PATH')).toEqual([{ name: 'API_BASE_PATH', value: '/api' }]);
    const route = manifests(app, 'HTTPRoute').find((r) => metadataName(r) === 'web');
    const toBackend = (at(route, 'spec', 'rules') as Json[]).find((r) => at(r, 'backendRefs', 0, 'name') === 'backend');
    expect(at(toBackend, 'matches', 0, 'path', 'value')).toBe('/api');
  });

  it('describe each output', () => {
    const { app } = synthesized.prod();
    const described = Object.fromEntries(Object.entries(app.output as Record<string, Json>).map(([name, o]) => [name, o.description]));
    expect(described).toEqual({
      gateway: 'The edge Gateway (namespace/name); its status holds the address Envoy Gateway assigned',
      database_rw_endpoint: 'Read-write endpoint (PgBouncer in front of the primary)',
      database_ro_endpoint: 'Read-only endpoint (PgBouncer in front of the replicas)',
      cache_write_endpoint: 'Valkey primary',
      cache_read_endpoint: 'Valkey, every instance',
    });
    expect(at(synthesized.prod().platform, 'output', 'grafana_url', 'description')).toBe(
      'In-cluster URL of Grafana (kubectl port-forward to reach it); empty when Grafana is disabled',
    );
    // staging waits for the Gateway's address.
    expect(at(synthesized.staging().app, 'output', 'gateway_address', 'description')).toBe('Address of the edge Gateway, as Envoy Gateway assigned it');
  });
});

describe('provider pins', () => {
  let platform: Json;
  let app: Json;
  beforeEach(() => ({ platform, app } = synthesized.prod()));

  it('pin the provider releases the toolchain builds and validates', () => {
    const kubernetes = { source: 'registry.terraform.io/hashicorp/kubernetes', version: '3.2.1' };
    expect(at(app, 'terraform', 'required_providers')).toEqual({ kubernetes, kubectl: { source: 'registry.terraform.io/gavinbunney/kubectl', version: '1.19.0' } });
    // prod's global rate limits put a Valkey store in the platform stack.
    expect(at(platform, 'terraform', 'required_providers')).toEqual({ helm: { source: 'registry.terraform.io/hashicorp/helm', version: '3.2.0' }, kubernetes });
  });

  it('pin the kubectl release its hand-written bindings follow', () => {
    expect(KUBECTL_PROVIDER_VERSION).toBe(versions.providers.kubectl);
  });
});
