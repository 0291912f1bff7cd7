import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeploymentV1, type DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { prod } from '../config/environments';
import { loadEnvironment } from '../config/load';
import type { EnvironmentInput } from '../config/schema';
import { NetworkPolicies } from '../constructs/guardrails/network-policies';
import { WebService } from '../constructs/workload/web-service';
import { capacityMarkdown, capacityReport } from '../review/capacity-report';
import { reviewEnvironment } from '../review/review';
import { topologyDiagram } from '../review/topology-diagram';
import { checkPolicy, exemptFromPolicy, type PolicyCheck } from '../review/workload-policy';
import { addEnvironment } from '../stacks/environment';
import { config, ENVIRONMENTS, withValue } from './helpers';

function review(input: EnvironmentInput) {
  const env = loadEnvironment(input, {});
  return reviewEnvironment(env, addEnvironment(Testing.app(), env));
}

/** prod with the backend allowed to grow to 30 pods, and what that needs elsewhere. */
const biggerProd = [
  ['backend.replicas.max', 30],
  ['database.poolers.rw.maxClientConnections', 1500],
  ['namespace.quota.requestsCpu', '60'],
  ['namespace.quota.requestsMemory', '128Gi'],
  ['namespace.quota.limitsCpu', '120'],
  ['namespace.quota.limitsMemory', '200Gi'],
].reduce((env, [path, value]) => withValue(env, path as string, value), prod);

describe('topology diagram', () => {
  const diagram = review(prod).diagram;

  it('draws the edge, the tiers, the poolers, primary and replicas, the cache and the scrapes', () => {
    for (const arrow of [
      'edge -->|"/api"| backend',
      'edge -->|"/"| frontend',
      'backend -->|"DATABASE_URL"| postgres_pooler_rw',
      'backend -->|"DATABASE_READ_URL"| postgres_pooler_ro',
      'postgres_pooler_rw --> postgres_primary',
      'postgres_pooler_ro --> postgres_replicas',
      'postgres_primary -.->|"streaming"| postgres_replicas',
      'backend -->|"REDIS_URL"| cache_write',
      'backend -->|"REDIS_READ_URL"| cache_read',
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

  it('is read from the construct tree, not the config', () => {
    const env = config('dev');
    const stacks = addEnvironment(Testing.app(), env);
    new WebService(stacks.app, 'extra', { name: 'reports', namespace: env.namespace.name, tier: env.frontend });
    expect(topologyDiagram(stacks.app)).toContain('reports["reports<br/>1–2 replicas');
  });
});

describe('capacity report', () => {
  const report = capacityReport(config('prod'));

  it('totals requests at the minimum and maximum replicas', () => {
    expect(report.totals.min.pods).toBe(17);
    expect(report.totals.max.pods).toBe(36);
    expect(report.totals.max.requests.cpu).toBeCloseTo(31.5);
    expect(report.totals.max.storage).toBe(350 * 2 ** 30);
  });

  it('changes with a replica count or a resource', () => {
    const bigger = capacityReport(loadEnvironment(biggerProd, {}));
    expect(bigger.totals.max.requests.cpu - report.totals.max.requests.cpu).toBeCloseTo(10);
    const heavier = capacityReport(loadEnvironment(withValue(prod, 'frontend.resources.requests.cpu', '1'), {}));
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
    expect(report.cache).toEqual({ maxmemoryBytes: 1536 * 2 ** 20, memoryLimitBytes: 2 * 2 ** 30, instances: 2 });
  });

  it('estimates cost only when prices are configured', () => {
    expect(report.cost).toEqual({ currency: 'USD', monthlyAtMin: 537.25, monthlyAtMax: 1065.92 });
    expect(capacityReport(config('dev')).cost).toBeUndefined();
    expect(capacityMarkdown(report)).toContain('537.25 USD/month at minimum replicas');
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
  const denyAll = (scope: Construct) => new NetworkPolicies(scope, 'np', { namespace: 'web', flows: [] });

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

  it.each(Object.keys(cases) as PolicyCheck[])('reports %s as an error with the construct path', (check) => {
    const result = stack(check, false);
    expect(result.errors.map((f) => f.check)).toContain(check);
    expect(result.errors.find((f) => f.check === check)?.path).toMatch(/^policy\//);
    expect(result.warnings).toEqual([]);
  });

  it.each(Object.keys(cases) as PolicyCheck[])('lists an exempted %s as a warning with its reason', (check) => {
    const result = stack(check, true);
    expect(result.errors.map((f) => f.check)).not.toContain(check);
    expect(result.warnings.find((f) => f.check === check)?.exemption).toBe('accepted for this test fixture');
  });

  it('requires a reason for an exemption', () => {
    const s = new TerraformStack(Testing.app(), 's');
    expect(() => exemptFromPolicy(s, 'probes', 'no')).toThrow('exemptFromPolicy(s, "probes"): the reason must say why');
  });
});

describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const prodReview = review(prod);

  it('shows the prod diagram as it is generated', () => {
    expect(readme).toContain(`\`\`\`mermaid\n${prodReview.diagram}\n\`\`\``);
  });

  it('shows the prod capacity table as it is generated', () => {
    const table = capacityMarkdown(prodReview.capacity).split('\n').filter((l) => l.startsWith('|')).join('\n');
    expect(readme).toContain(table);
  });
});
