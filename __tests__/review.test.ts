import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentV1, type DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { dev, prod } from '../config/environments';
import { loadEnvironment } from '../config/load';
import type { EnvironmentInput } from '../config/schema';
import { EdgeGateway } from '../constructs/edge/edge-gateway';
import { RateLimitStore } from '../constructs/edge/rate-limit-store';
import { AppNamespace } from '../constructs/guardrails/app-namespace';
import { NetworkPolicies } from '../constructs/guardrails/network-policies';
import { WebService } from '../constructs/workload/web-service';
import { capacityMarkdown, capacityReport } from '../review/capacity-report';
import { review as reviewCommand, summary } from '../review/cli';
import { acceptedCriticalsMarkdown } from '../review/kube-score-accepted';
import { checkQuotas } from '../review/quota-check';
import { PolicyError, reviewEnvironment, writeReview, type EnvironmentReview } from '../review/review';
import { topologyDiagram } from '../review/topology-diagram';
import { checkPolicy, exemptFromPolicy, policyMarkdown, POLICY_CHECKS, type PolicyCheck } from '../review/workload-policy';
import { addEnvironment } from '../stacks/environment';
import { config, ENVIRONMENTS, fixture, withValue } from './helpers';

function review(input: EnvironmentInput) {
  const env = loadEnvironment(input, {});
  return reviewEnvironment(env, addEnvironment(Testing.app(), env));
}
const prodReview = fixture(() => review(prod));

/** prod with the backend allowed to grow to 30 pods, and what that needs elsewhere. */
const biggerProd = [
  ['backend.replicas.max', 30],
  ['database.poolers.rw.maxClientConnections', 1500],
  ['namespace.quota.requestsCpu', '60'],
  ['namespace.quota.requestsMemory', '128Gi'],
  ['namespace.quota.limitsCpu', '120'],
  ['namespace.quota.limitsMemory', '200Gi'],
].reduce((env, [path, value]) => withValue(env, path as string, value), prod);

/** A tier added to a stack outside the config. */
const reportsTier = {
  name: 'reports',
  image: 'registry.example.com/reports:1.0.0',
  replicas: { min: 1, max: 2 },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
};

describe('topology diagram', () => {
  let diagram: string;
  beforeEach(() => (diagram = prodReview().diagram));

  it('draws the edge, the tiers, the poolers, primary and replicas, the cache and the scrapes', () => {
    for (const arrow of [
      'edge -->|"/api"| backend',
      'edge -->|"/"| frontend',
      'backend -->|"5432"| postgres_pooler_rw',
      'backend -->|"5432"| postgres_pooler_ro',
      'postgres_pooler_rw -->|"5432"| postgres_primary',
      'postgres_pooler_ro -->|"5432"| postgres_replicas',
      'postgres_primary -.->|"streaming"| postgres_replicas',
      'backend -->|"6379"| cache_write',
      'backend -->|"6379"| cache_read',
      'cache_write -.->|"replication"| cache_read',
      'prometheus -.->|"scrape"| backend',
      'prometheus -.->|"scrape"| postgres_primary',
      'prometheus -.->|"scrape"| cache_read',
    ]) {
      expect(diagram).toContain(arrow);
    }
    expect(diagram).toContain('backend["backend<br/>5–20 replicas');
    expect(diagram).toContain('PostgreSQL replicas ×2');
  });

  it('follows the config', () => {
    const bigger = review(biggerProd).diagram;
    expect(bigger).not.toEqual(diagram);
    expect(bigger).toContain('backend["backend<br/>5–30 replicas');
    expect(review(withValue(prod, 'database.readReplicas', 1)).diagram).toContain('PostgreSQL replicas ×1');
  });

  it('draws no replicas without them, one replica count where min equals max, and no Prometheus without monitors', () => {
    const primaryOnly = review(withValue(ENVIRONMENTS.dev, 'database.readReplicas', 0)).diagram;
    expect(primaryOnly).toContain('postgres_primary[("PostgreSQL primary")]');
    expect(primaryOnly).not.toContain('postgres_replicas');
    const s = new TerraformStack(Testing.app(), 'alone');
    new WebService(s, 'fixed', { ...reportsTier, namespace: 'web', replicas: { min: 2, max: 2 }, metrics: undefined });
    const alone = topologyDiagram(s);
    expect(alone).toContain('reports["reports<br/>2 replicas<br/>');
    expect(alone).not.toContain('prometheus');
  });

  it('draws an arrow for each flow declared between tiers, with its ports, and none for a URL alone', () => {
    const s = new TerraformStack(Testing.app(), 'flows');
    const reports = new WebService(s, 'reports', { ...reportsTier, namespace: 'web' });
    const caller = new WebService(s, 'caller', { ...reportsTier, name: 'caller', namespace: 'web' });
    new WebService(s, 'url-only', { ...reportsTier, name: 'url-only', namespace: 'web', env: [{ name: 'REPORTS_URL', value: reports.url }] });
    reports.connections.allowDefaultPortFrom(caller);
    caller.connections.allowFrom(reports, [9000, 9001]);
    const drawn = topologyDiagram(s);
    expect(drawn.split('\n').filter((l) => l.includes('-->'))).toEqual(['  caller -->|"8080"| reports', '  reports -->|"9000, 9001"| caller']);
  });

  it('draws the edge\'s flow to a tier once, labelled with every path routed to it', () => {
    const s = new TerraformStack(Testing.app(), 'edge');
    const reports = new WebService(s, 'reports', { ...reportsTier, namespace: 'web' });
    const edge = new EdgeGateway(s, 'edge', { namespace: 'web', envoyGatewayNamespace: 'envoy-gateway-system' });
    edge.addRoute({ path: '/reports', target: reports });
    edge.addRoute({ path: '/v2/reports', target: reports });
    expect(topologyDiagram(s).split('\n').filter((l) => l.includes('-->'))).toEqual(['  edge -->|"/reports, /v2/reports"| reports']);
  });

  it('draws the rw pooler to the primary, the ro pooler to the replicas, and the cache\'s clients to both its Services', () => {
    const lines = diagram.split('\n');
    expect(lines.filter((l) => /-->\|"\d+"\| postgres_(primary|replicas)$/.test(l))).toEqual(['  postgres_pooler_rw -->|"5432"| postgres_primary', '  postgres_pooler_ro -->|"5432"| postgres_replicas']);
    expect(lines.filter((l) => /-->\|"\d+"\| cache_/.test(l))).toEqual(['  backend -->|"6379"| cache_write', '  backend -->|"6379"| cache_read']);
  });

  it('draws the replication of a cache with one instance as no arrow', () => {
    expect(review(ENVIRONMENTS.dev).diagram).not.toContain('replication');
  });

  it('is read from the construct tree, not the config', () => {
    const env = config('dev');
    const stacks = addEnvironment(Testing.app(), env);
    new WebService(stacks.app, 'extra', { ...reportsTier, namespace: env.namespace.name });
    expect(topologyDiagram(stacks.app)).toContain('reports["reports<br/>1–2 replicas');
  });
});

describe('capacity report', () => {
  let report: ReturnType<typeof review>['capacity'];
  beforeEach(() => (report = prodReview().capacity));

  it('totals requests at the minimum and maximum replicas', () => {
    expect(report.totals.min.pods).toBe(18);
    expect(report.totals.max.pods).toBe(38);
    expect(report.totals.max.requests.cpu).toBeCloseTo(31.7);
    expect(report.totals.max.storage).toBe(350 * 2 ** 30);
  });

  it('lists the workloads of the app\'s construct tree, then the platform\'s, then Prometheus', () => {
    expect(report.workloads.map((w) => w.workload)).toEqual(['postgres', 'postgres-pooler-rw', 'postgres-pooler-ro', 'postgres-migrate', 'cache', 'backend', 'frontend', 'ratelimit-valkey', 'prometheus']);
    const env = config('dev');
    const stacks = addEnvironment(Testing.app(), env);
    new WebService(stacks.app, 'extra', { ...reportsTier, namespace: env.namespace.name });
    expect(capacityReport(env, stacks).workloads.map((w) => w.workload)).toContain('reports');
  });

  it('counts the rate limit store, which global rate limits alone deploy, at its one pod\'s requests and limits', () => {
    const store = report.workloads.find((w) => w.workload === 'ratelimit-valkey');
    expect(store).toEqual({
      workload: 'ratelimit-valkey',
      namespace: 'envoy-gateway-system',
      minReplicas: 1,
      maxReplicas: 1,
      requests: { cpu: 0.1, memory: 128 * 2 ** 20 },
      limits: { cpu: 0.5, memory: 128 * 2 ** 20 },
      storage: 0,
      claims: 0,
    });
    const local = review(withValue(prod, 'edge.rateLimitScope', 'local')).capacity;
    expect(local.workloads.map((w) => w.workload)).not.toContain('ratelimit-valkey');
    expect(report.totals.max.requests.cpu - local.totals.max.requests.cpu).toBeCloseTo(0.1);
    expect(report.totals.max.pods - local.totals.max.pods).toBe(1);
  });

  it('changes with a replica count or a resource', () => {
    const bigger = review(biggerProd).capacity;
    expect(bigger.totals.max.requests.cpu - report.totals.max.requests.cpu).toBeCloseTo(10);
    const heavier = review(withValue(prod, 'frontend.resources.requests.cpu', '1')).capacity;
    expect(heavier.totals.min.requests.cpu - report.totals.min.requests.cpu).toBeCloseTo(1);
  });

  it('budgets PostgreSQL connections and cache memory', () => {
    expect(report.connections).toEqual({
      backendClientsAtMax: 1000,
      rwPoolerMaxClients: 1000,
      serverConnections: { rw: 180, ro: 180 },
      postgresAvailable: 390,
      postgresMaxConnections: 400,
    });
    expect(report.caches).toEqual([{ name: 'cache', maxmemoryBytes: 1536 * 2 ** 20, memoryLimitBytes: 2 * 2 ** 30, instances: 2 }]);
  });

  it('writes its markdown from the report: the environment, every workload, the totals, connections, cache and cost', () => {
    const r = prodReview().capacity;
    const text = capacityMarkdown(r);
    const c = r.connections;
    const lines = text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '# Capacity: prod',
      '',
      '| workload | replicas | requests per pod (CPU / memory) | limits per pod | requests at min | requests at max | storage per pod |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ]);
    expect(lines.slice(4, 4 + r.workloads.length).map((l) => l.split(' | ')[0])).toEqual(r.workloads.map((w) => `| ${w.workload}`));
    expect(lines[4 + r.workloads.length]).toMatch(new RegExp(`^\\| \\*\\*total\\*\\* \\| ${r.totals.min.pods}–${r.totals.max.pods} pods \\| \\| limits at max: `));
    expect(lines.slice(5 + r.workloads.length)).toEqual([
      '',
      '## PostgreSQL connections',
      '',
      `- backend at max scale opens up to **${c.backendClientsAtMax}** client connections; the rw pooler accepts ${c.rwPoolerMaxClients}`,
      `- poolers hold ${c.serverConnections.rw} (rw) and ${c.serverConnections.ro} (ro) server connections; PostgreSQL allows ${c.postgresAvailable} of max_connections ${c.postgresMaxConnections} to them`,
      '',
      '## Cache',
      '',
      ...r.caches.map((k) => expect.stringMatching(new RegExp(`^- ${k.name}: ${k.instances} Valkey instance\\(s\\), maxmemory \\S+ of a \\S+ memory limit$`))),
      ...(r.cost ? ['', '## Cost estimate', '', expect.stringMatching(/^- [\d.]+ \w+\/month at minimum replicas, [\d.]+ \w+\/month at maximum/)] : []),
      '',
    ]);
    expect(r.caches.length).toBeGreaterThan(0);
  });

  it('estimates cost only when prices are configured', () => {
    expect(report.cost).toEqual({ currency: 'USD', monthlyAtMin: 540.11, monthlyAtMax: 1071.64 });
    expect(review(ENVIRONMENTS.dev).capacity.cost).toBeUndefined();
    expect(capacityMarkdown(report)).toContain('540.11 USD/month at minimum replicas');
  });
});

describe('workload policy', () => {
  const goodContainer: DeploymentV1SpecTemplateSpecContainer = {
    name: 'app',
    image: 'registry.example.com/app:1.0.0',
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    readinessProbe: { httpGet: { path: '/', port: '8080' } },
    livenessProbe: { httpGet: { path: '/', port: '8080' } },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  const deployment = (scope: Construct, container: Partial<DeploymentV1SpecTemplateSpecContainer> & { resources?: object }, replicas = '1') =>
    new DeploymentV1(scope, 'raw', {
      metadata: { name: 'raw', namespace: 'web' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'raw' } },
        template: { metadata: { labels: { app: 'raw' } }, spec: { container: [{ ...goodContainer, ...container }] } },
      },
    });
  const denyAll = (scope: Construct) => new NetworkPolicies(scope, 'np', { namespace: 'web' });

  const cases: Record<PolicyCheck, (scope: Construct) => void> = {
    resources: (s) => deployment(s, { resources: { requests: { cpu: '100m', memory: '64Mi' } } }),
    probes: (s) => deployment(s, { livenessProbe: undefined }),
    'security-context': (s) => deployment(s, { securityContext: { runAsNonRoot: true } }),
    'image-tag': (s) => deployment(s, { image: 'nginx:latest' }),
    'disruption-budget': (s) => deployment(s, {}, '3'),
    'network-policy': () => undefined,
    'no-nodeport': (s) => new ServiceV1(s, 'svc', { metadata: { name: 'svc', namespace: 'web' }, spec: { type: 'NodePort', port: [{ port: 80 }] } }),
    'hpa-target': (s) =>
      new HorizontalPodAutoscalerV2(s, 'hpa', {
        metadata: { name: 'hpa', namespace: 'web' },
        spec: { maxReplicas: 3, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'missing' } },
      }),
    'namespace-quota': (s) => {
      new AppNamespace(s, 'ns', { name: 'web', quota: { requestsCpu: '100m', requestsMemory: '1Gi', limitsCpu: '1', limitsMemory: '1Gi', requestsStorage: '1Gi' } });
      new WebService(s, 'reports', { ...reportsTier, namespace: 'web' });
    },
  };

  function stack(check: PolicyCheck, exempt: boolean) {
    const s = new TerraformStack(Testing.app(), 'policy');
    deployment(s, {});
    if (check !== 'network-policy') denyAll(s);
    const violating = new Construct(s, 'case');
    cases[check](violating);
    if (exempt) exemptFromPolicy(s, check, 'accepted for this test fixture');
    return checkPolicy(s);
  }

  it('passes the shipped environments', () => {
    for (const input of Object.values(ENVIRONMENTS)) {
      const result = review(input).policy;
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
    }
  });

  it('exempts a construct from the check named only', () => {
    const s = new TerraformStack(Testing.app(), 'policy');
    deployment(s, {});
    denyAll(s);
    cases.probes(new Construct(s, 'case'));
    exemptFromPolicy(s, 'image-tag', 'accepted for this test fixture');
    expect(checkPolicy(s).errors.map((f) => f.check)).toContain('probes');
  });

  it.each(Object.keys(cases) as PolicyCheck[])('reports %s as an error with the construct path', (check) => {
    const result = stack(check, false);
    expect(result.errors.map((f) => f.check)).toContain(check);
    expect(result.errors.find((f) => f.check === check)?.path).toMatch(/^policy\//);
    expect(result.warnings).toEqual([]);
  });

  // Each part of each rule, both ways: the fixture stack holds the good 1-replica Deployment "raw"
  // (labels app=raw, namespace web) and, unless a case brings its own, a deny-all ingress policy.
  const secure = goodContainer.securityContext ?? {};
  const budget = (scope: Construct, namespace: string, app: string) =>
    new PodDisruptionBudgetV1(scope, 'pdb', { metadata: { name: 'pdb', namespace }, spec: { minAvailable: '1', selector: { matchLabels: { app } } } });
  const ingressPolicy = (scope: Construct, namespace: string, app: string, policyTypes = ['Ingress']) =>
    new NetworkPolicyV1(scope, 'policy', { metadata: { name: 'policy', namespace }, spec: { podSelector: { matchLabels: { app } }, policyTypes } });
  const autoscaler = (scope: Construct, kind: string, namespace: string, minReplicas?: number) =>
    new HorizontalPodAutoscalerV2(scope, 'hpa', {
      metadata: { name: 'hpa', namespace },
      spec: { minReplicas, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind, name: 'raw' } },
    });
  type RuleCase = [PolicyCheck, string, (scope: Construct) => void, string | null, boolean?];
  const ruleCases: RuleCase[] = [
    ['resources', 'no limits', (s) => deployment(s, { resources: { requests: { cpu: '1', memory: '1Gi' } } }), 'has no limits.cpu, limits.memory'],
    ['resources', 'no requests', (s) => deployment(s, { resources: { limits: { cpu: '1', memory: '1Gi' } } }), 'has no requests.cpu, requests.memory'],
    ['resources', 'no memory limit', (s) => deployment(s, { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1' } } }), 'has no limits.memory'],
    ['probes', 'no liveness probe', (s) => deployment(s, { livenessProbe: undefined }), 'has no liveness_probe'],
    ['probes', 'no readiness probe', (s) => deployment(s, { readinessProbe: undefined }), 'has no readiness_probe'],
    ['security-context', 'root allowed', (s) => deployment(s, { securityContext: { ...secure, runAsNonRoot: false } }), 'runAsNonRoot is not true'],
    ['security-context', 'no seccomp profile', (s) => deployment(s, { securityContext: { ...secure, seccompProfile: undefined } }), 'seccompProfile is not RuntimeDefault'],
    ['security-context', 'privilege escalation', (s) => deployment(s, { securityContext: { ...secure, allowPrivilegeEscalation: true } }), 'allowPrivilegeEscalation is not false'],
    ['security-context', 'capabilities kept', (s) => deployment(s, { securityContext: { ...secure, capabilities: { drop: ['NET_RAW'] } } }), 'capabilities do not drop ALL'],
    ['security-context', 'writable root filesystem', (s) => deployment(s, { securityContext: { ...secure, readOnlyRootFilesystem: false } }), 'readOnlyRootFilesystem is not true'],
    ['image-tag', 'the latest tag', (s) => deployment(s, { image: 'nginx:latest' }), 'runs "nginx:latest", which is not pinned'],
    ['image-tag', 'no tag', (s) => deployment(s, { image: 'nginx' }), 'runs "nginx", which is not pinned'],
    ['image-tag', 'a registry port but no tag', (s) => deployment(s, { image: 'registry.example.com:5000/app' }), 'runs "registry.example.com:5000/app", which is not pinned'],
    ['image-tag', 'a digest', (s) => deployment(s, { image: `registry.example.com/app@sha256:${'a'.repeat(64)}` }), null],
    ['disruption-budget', '3 replicas, no PDB', (s) => deployment(s, {}, '3'), 'runs at least 3 replicas but no PodDisruptionBudget selects its pods'],
    ['disruption-budget', 'HPA minimum 2, no PDB', (s) => autoscaler(s, 'Deployment', 'web', 2), 'runs at least 2 replicas but no PodDisruptionBudget selects its pods'],
    ['disruption-budget', 'a PDB selecting other pods', (s) => (deployment(s, {}, '3'), budget(s, 'web', 'other')), 'no PodDisruptionBudget selects its pods'],
    ['disruption-budget', 'a PDB in another namespace', (s) => (deployment(s, {}, '3'), budget(s, 'other', 'raw')), 'no PodDisruptionBudget selects its pods'],
    ['disruption-budget', 'a PDB selecting its pods', (s) => (deployment(s, {}, '3'), budget(s, 'web', 'raw')), null],
    ['network-policy', 'a policy selecting other pods', (s) => ingressPolicy(s, 'web', 'other'), 'no NetworkPolicy restricts ingress to its pods', false],
    ['network-policy', 'a policy in another namespace', (s) => ingressPolicy(s, 'other', 'raw'), 'no NetworkPolicy restricts ingress to its pods', false],
    ['network-policy', 'an egress-only policy', (s) => ingressPolicy(s, 'web', 'raw', ['Egress']), 'no NetworkPolicy restricts ingress to its pods', false],
    ['network-policy', 'an ingress policy selecting its pods', (s) => ingressPolicy(s, 'web', 'raw'), null, false],
    ['hpa-target', 'the wrong kind', (s) => autoscaler(s, 'StatefulSet', 'web'), 'targets StatefulSet "raw", which the stack does not define'],
    ['hpa-target', 'another namespace', (s) => autoscaler(s, 'Deployment', 'other'), 'targets Deployment "raw", which the stack does not define'],
    ['hpa-target', 'its Deployment', (s) => autoscaler(s, 'Deployment', 'web'), null],
    [
      'hpa-target',
      'a StatefulSet of the name',
      (s) => {
        new StatefulSetV1(s, 'sts', {
          metadata: { name: 'raw', namespace: 'web' },
          spec: {
            serviceName: 'raw',
            selector: { matchLabels: { app: 'raw-db' } },
            template: { metadata: { labels: { app: 'raw-db' } }, spec: { container: [{ name: 'db', image: 'db:1.0' }] } },
          },
        });
        autoscaler(s, 'StatefulSet', 'web');
      },
      null,
    ],
    [
      'namespace-quota',
      'a tier in another namespace',
      (s) => {
        new AppNamespace(s, 'ns', { name: 'web', quota: { requestsCpu: '100m', requestsMemory: '1Gi', limitsCpu: '1', limitsMemory: '1Gi', requestsStorage: '1Gi' } });
        new WebService(s, 'reports', { ...reportsTier, namespace: 'other' });
      },
      null,
    ],
    // The HPA of a Deployment of the same name in another namespace sets nothing here.
    ['disruption-budget', 'an HPA minimum in another namespace', (s) => autoscaler(s, 'Deployment', 'other', 3), null],
  ];

  it.each(ruleCases)('%s: %s', (check, _name, build, message, withDenyAll = true) => {
    const s = new TerraformStack(Testing.app(), 'policy');
    deployment(s, {});
    if (withDenyAll) denyAll(s);
    build(new Construct(s, 'case'));
    const found = checkPolicy(s).errors.filter((f) => f.check === check).map((f) => f.message);
    if (message === null) expect(found).toEqual([]);
    else expect(found).toContainEqual(expect.stringContaining(message));
  });

  it.each(Object.keys(cases) as PolicyCheck[])('lists an exempted %s as a warning with its reason', (check) => {
    const result = stack(check, true);
    expect(result.errors.map((f) => f.check)).not.toContain(check);
    expect(result.warnings.find((f) => f.check === check)?.exemption).toBe('accepted for this test fixture');
  });

  it('requires a reason for an exemption: ten characters, not counting surrounding blanks', () => {
    const s = new TerraformStack(Testing.app(), 's');
    expect(() => exemptFromPolicy(s, 'probes', 'no')).toThrow('exemptFromPolicy(s, "probes"): the reason must say why');
    expect(() => exemptFromPolicy(s, 'probes', '  too short  ')).toThrow('the reason must say why');
    expect(() => exemptFromPolicy(s, 'probes', 'ten chars!')).not.toThrow();
  });

  it('names the container, the missing probes and the weak settings, and says why a NodePort is refused', () => {
    const found = (build: (scope: Construct) => void) => {
      const s = new TerraformStack(Testing.app(), 'policy');
      denyAll(s);
      build(new Construct(s, 'case'));
      return checkPolicy(s).errors.map((f) => `${f.check}: ${f.message}`);
    };
    expect(found((c) => deployment(c, { livenessProbe: undefined, readinessProbe: undefined }))).toContain('probes: container "app" has no readiness_probe, liveness_probe');
    expect(found((c) => deployment(c, { securityContext: { ...secure, runAsNonRoot: false, readOnlyRootFilesystem: false } }))).toContain(
      'security-context: container "app": runAsNonRoot is not true, readOnlyRootFilesystem is not true',
    );
    expect(found(cases['no-nodeport'])).toContainEqual(expect.stringMatching(/^no-nodeport: is of type NodePort, which opens a port/));
  });

  it('takes the pod\'s security context where the container sets none of its own', () => {
    const s = new TerraformStack(Testing.app(), 'policy');
    denyAll(s);
    const { runAsNonRoot, seccompProfile, ...containerOnly } = secure;
    new DeploymentV1(s, 'pod-level', {
      metadata: { name: 'pod-level', namespace: 'web' },
      spec: {
        replicas: '1',
        selector: { matchLabels: { app: 'pod-level' } },
        template: {
          metadata: { labels: { app: 'pod-level' } },
          spec: { securityContext: { runAsNonRoot, seccompProfile }, container: [{ ...goodContainer, securityContext: containerOnly }] },
        },
      },
    });
    expect(checkPolicy(s).errors).toEqual([]);
  });

  it('requires a PDB only of the Deployment an HPA keeps at two or more', () => {
    const s = new TerraformStack(Testing.app(), 'policy');
    deployment(s, {});
    denyAll(s);
    new HorizontalPodAutoscalerV2(s, 'hpa-other', {
      metadata: { name: 'hpa-other', namespace: 'web' },
      spec: { minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'other' } },
    });
    expect(checkPolicy(s).errors.filter((f) => f.check === 'disruption-budget')).toEqual([]);
  });

  it('counts the workloads and Services it checked', () => {
    const s = new TerraformStack(Testing.app(), 'policy');
    deployment(s, {});
    denyAll(s);
    cases['no-nodeport'](s);
    expect(checkPolicy(s).checked).toBe(2);
  });

  it('writes its findings as markdown: the count, the rules, errors and exempted warnings', () => {
    const text = policyMarkdown('prod', {
      checked: 3,
      errors: [{ path: 'a/b', check: 'probes', message: 'container "app" has no liveness_probe' }],
      warnings: [{ path: 'a/c', check: 'image-tag', message: 'runs "x", which is not pinned', exemption: 'a vendor image' }],
    });
    expect(text.split('\n')).toEqual([
      '# Policy: prod',
      '',
      '3 workloads and Services checked: 1 errors, 1 warnings.',
      '',
      '| check | rule |',
      '| --- | --- |',
      ...Object.entries(POLICY_CHECKS).map(([check, rule]) => `| ${check} | ${rule} |`),
      '',
      '## Errors',
      '',
      '- `a/b` **probes**: container "app" has no liveness_probe',
      '',
      '## Warnings (exempted)',
      '',
      '- `a/c` **image-tag**: runs "x", which is not pinned — exempt: a vendor image',
      '',
      ...acceptedCriticalsMarkdown(),
    ]);
    expect(policyMarkdown('dev', { checked: 0, errors: [], warnings: [] })).toContain('## Errors\n\nnone\n\n## Warnings (exempted)\n\nnone\n');
  });
});

describe('namespace quota', () => {
  const quotaErrors = (input: EnvironmentInput) => review(input).policy.errors.filter((f) => f.check === 'namespace-quota');
  // What prod's workloads need at their maximum replicas, field by field.
  const prodNeeds = {
    requestsCpu: '30.6',
    requestsMemory: '76544Mi',
    limitsCpu: '62.7',
    limitsMemory: '124416Mi',
    requestsStorage: '300Gi',
    pods: 36,
    persistentVolumeClaims: 3,
  };

  it('fits a quota of exactly what the workloads need at max replicas', () => {
    expect(quotaErrors(withValue(prod, 'namespace.quota', prodNeeds))).toEqual([]);
  });

  // Summed as floats, dev's and staging's CPU requests miss their exact totals in the last digits.
  it('compares sums of quantities at the milli-unit, not in floating point', () => {
    for (const exact of ['1.9', '1900m']) expect(quotaErrors(withValue(ENVIRONMENTS.dev, 'namespace.quota.requestsCpu', exact))).toEqual([]);
    expect(quotaErrors(withValue(ENVIRONMENTS.staging, 'namespace.quota.requestsCpu', '12999m')).map((f) => f.message)).toEqual([
      `'quota.requestsCpu' ("12999m") must fit the 7 workloads (postgres, postgres-pooler-rw, postgres-pooler-ro, postgres-migrate, cache, backend, frontend) at their maximum replicas, which need 13.1`,
    ]);
  });

  it.each([
    ['requestsCpu', '30.5', '("30.5") must fit the 7 workloads', 'which need 30.6'],
    ['requestsMemory', '76543Mi', '("76543Mi") must fit the 7 workloads', 'which need 74.75Gi'],
    ['limitsCpu', '62.6', '("62.6") must fit the 7 workloads', 'which need 62.7'],
    ['limitsMemory', '124415Mi', '("124415Mi") must fit the 7 workloads', 'which need 121.5Gi'],
    ['requestsStorage', '299Gi', '("299Gi") must fit the 7 workloads', 'which need 300Gi'],
    ['pods', 35, '(35) must fit the 7 workloads', 'which need 36'],
    ['persistentVolumeClaims', 2, '(2) must fit the 7 workloads', 'which need 3'],
  ] as const)('refuses a quota %s just below the need, alone, at the ResourceQuota', (field, value, rule, need) => {
    const errors = quotaErrors(withValue(prod, 'namespace.quota', { ...prodNeeds, [field]: value }));
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('prod-app/app-namespace/quota');
    expect(errors[0].message).toContain(`'quota.${field}' ${rule}`);
    expect(errors[0].message).toMatch(new RegExp(`${need.replace('.', '\\.')}$`));
  });

  it('counts a tier added to the stack outside the config', () => {
    const env = config('dev');
    const stacks = addEnvironment(Testing.app(), env);
    expect(checkPolicy(stacks.app).errors).toEqual([]);
    new WebService(stacks.app, 'extra', { ...reportsTier, namespace: env.namespace.name, replicas: { min: 1, max: 20 } });
    expect(checkPolicy(stacks.app).errors.map((f) => f.message)).toContainEqual(expect.stringMatching(/^'quota.limitsCpu' \("16"\) must fit the 8 workloads \(.*reports\)/));
  });

  it('counts a rate limit store in a namespace with a quota', () => {
    const stack = new TerraformStack(Testing.app(), 'quota');
    const quota = { requestsCpu: '100m', requestsMemory: '1Gi', limitsCpu: '1', limitsMemory: '1Gi', requestsStorage: '1Gi' };
    new AppNamespace(stack, 'ns', { name: 'web', quota });
    new RateLimitStore(stack, 'store', { namespace: 'web', image: 'valkey/valkey:8.1.10-alpine' });
    expect(checkQuotas(stack)).toEqual([]);
    new RateLimitStore(stack, 'second', { namespace: 'web', image: 'valkey/valkey:8.1.10-alpine', name: 'second-store' });
    expect(checkQuotas(stack).map((p) => p.message)).toEqual([
      `'quota.requestsCpu' ("100m") must fit the 2 workloads (ratelimit-valkey, second-store) at their maximum replicas, which need 200m`,
    ]);
  });

  it('counts the extra services of the config', () => {
    const service = { ...reportsTier, name: undefined };
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`svc-${i}`, { image: service.image, replicas: service.replicas, resources: service.resources }]));
    expect(quotaErrors(withValue(ENVIRONMENTS.dev, 'services', many)).map((f) => f.message)).toContainEqual(expect.stringContaining(`'quota.requestsCpu' ("8") must fit the 47 workloads`));
  });
});

describe('the terminal summary (npm run review)', () => {
  it('prints each tier, the totals, the connections, the cost and the policy', () => {
    const lines = summary(prodReview()).split('\n');
    expect(lines.slice(0, 2)).toEqual(['prod', '  tier                    replicas  requests/pod        limits/pod']);
    expect(lines).toContain('  backend                 5-20      1 / 2Gi             2 / 4Gi');
    expect(lines).toContain('  postgres                3         2 / 8Gi             4 / 8Gi');
    expect(lines).toContain('  ratelimit-valkey        1         100m / 128Mi        500m / 128Mi');
    expect(lines).toContain('  at min: 18 pods, 14.6 CPU, 44.75Gi requested; at max: 38 pods, 31.7 CPU, 78.88Gi requested; storage 350Gi');
    expect(lines).toContain('  connections: backend ≤ 1000 → rw pooler 1000; poolers 180+180 → PostgreSQL 390 available');
    expect(lines).toContain('  cost: 540.11–1071.64 USD/month');
    expect(lines.at(-1)).toBe('  policy: pass (8 checked, 0 errors, 0 warnings)');
  });

  it('lists errors before warnings, and leaves out the cost when none is configured', () => {
    const finding = { check: Object.keys(POLICY_CHECKS)[0] as PolicyCheck, path: 'prod-app/web', message: 'too big' };
    const failing: EnvironmentReview = {
      ...prodReview(),
      capacity: { ...prodReview().capacity, cost: undefined },
      policy: { errors: [finding], warnings: [{ ...finding, path: 'prod-app/batch', exemption: 'approved' }], checked: 3 },
    };
    const lines = summary(failing).split('\n');
    expect(lines.some((l) => l.includes('cost:'))).toBe(false);
    // The cost line goes, the two findings come.
    expect(lines).toHaveLength(summary(prodReview()).split('\n').length - 1 + 2);
    expect(lines.slice(-3)).toEqual([
      '  policy: FAIL (3 checked, 1 errors, 1 warnings)',
      `    error [prod-app/web] ${finding.check}: too big`,
      `    warning [prod-app/batch] ${finding.check}: too big`,
    ]);
  });
});

describe('npm run review', () => {
  /** The command's exit status and what it wrote to stdout and stderr. */
  function run(name: string | undefined, declared?: readonly EnvironmentInput[]) {
    const written = { out: '', err: '' };
    const status = reviewCommand(name, (t) => (written.out += t), (t) => (written.err += t), declared);
    return { status, ...written };
  }

  it('reports a clash of object names as synth does, alone, and exits 1', () => {
    // A service named like the cache: its pods' labels are the cache's, which an aspect finds.
    const clashing: EnvironmentInput = { ...dev, services: { cache: dev.backend } };
    const { status, out, err } = run('dev', [clashing]);
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^dev-app\/service-cache\/deployment: 'spec.selector' \(".*"\) must select only its own pods: dev-app\/cache\/statefulset selects the same labels in namespace 'web-dev'\n$/);
  });

  it('prints the summary of a known environment and exits 0, leaving no temporary directory', () => {
    const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('web-topology-review-')).length;
    const before = leftovers();
    const { status, out, err } = run('dev');
    expect(leftovers()).toBe(before);
    expect(status).toBe(0);
    expect(out.startsWith('dev\n  tier ')).toBe(true);
    expect(out.endsWith('\n')).toBe(true);
    expect(err).toBe('');
  });

  it('shows the usage and exits 2 for an unknown or missing environment', () => {
    for (const name of ['qa', undefined]) {
      expect(run(name)).toEqual({ status: 2, out: '', err: 'usage: npm run review -- <environment>  (one of dev, staging, prod)\n' });
    }
  });

  it('prints a configuration error alone and exits 1', () => {
    const before = process.env.BACKEND_IMAGE_TAG;
    process.env.BACKEND_IMAGE_TAG = '-bad';
    try {
      const { status, out, err } = run('dev');
      expect(status).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(/^.*BACKEND_IMAGE_TAG.*must be an image tag.*\n$/s);
    } finally {
      if (before === undefined) delete process.env.BACKEND_IMAGE_TAG;
      else process.env.BACKEND_IMAGE_TAG = before;
    }
  });
});

describe('review artifacts', () => {
  it('writes the diagram, the capacity report in markdown and JSON, and the policy under review/<env>', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'web-topology-review-test-'));
    try {
      const r = prodReview();
      const dir = writeReview(outdir, r);
      expect(dir).toBe(join(outdir, 'review', 'prod'));
      const read = (file: string) => readFileSync(join(dir, file), 'utf8');
      expect(read('topology.md')).toBe(`# Topology: prod\n\n\`\`\`mermaid\n${r.diagram}\n\`\`\`\n`);
      expect(read('capacity.md')).toBe(capacityMarkdown(r.capacity));
      expect(JSON.parse(read('capacity.json'))).toEqual(JSON.parse(JSON.stringify(r.capacity)));
      expect(read('capacity.json').endsWith('}\n')).toBe(true);
      expect(read('policy.md')).toBe(policyMarkdown('prod', r.policy));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('names each environment with policy errors, and only those, in a PolicyError', () => {
    const finding = { check: Object.keys(POLICY_CHECKS)[0] as PolicyCheck, path: 'prod-app/web', message: 'too big' };
    const failing: EnvironmentReview = { ...prodReview(), policy: { errors: [finding, { ...finding, path: 'prod-app/api' }], warnings: [], checked: 2 } };
    const error = new PolicyError([{ ...prodReview(), environment: 'dev' }, failing]);
    expect(error.name).toBe('PolicyError');
    expect(error.message).toBe(
      `Policy violations in environment "prod":\n  - [prod-app/web] ${finding.check}: too big\n  - [prod-app/api] ${finding.check}: too big`,
    );
    const both = new PolicyError([{ ...failing, environment: 'staging' }, failing]);
    expect(both.message.split('\n')).toEqual([
      'Policy violations in environment "staging":',
      `  - [prod-app/web] ${finding.check}: too big`,
      `  - [prod-app/api] ${finding.check}: too big`,
      'Policy violations in environment "prod":',
      `  - [prod-app/web] ${finding.check}: too big`,
      `  - [prod-app/api] ${finding.check}: too big`,
    ]);
  });
});

describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

  it('shows the prod diagram as it is generated', () => {
    expect(readme).toContain(`\`\`\`mermaid\n${prodReview().diagram}\n\`\`\``);
  });

  it('shows the prod capacity table as it is generated', () => {
    const rows = capacityMarkdown(prodReview().capacity).split('\n').filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(5);
    expect(readme).toContain(rows.join('\n'));
  });
});
