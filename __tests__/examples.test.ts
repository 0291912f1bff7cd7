import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { queueWorkerApp } from '../examples/queue-worker/main';
import { checkPolicy } from '../review/workload-policy';
import { at, fixture, manifests, metadataName, networkPolicies, resources, type Json } from './helpers';

const example = fixture(() => {
  const { stack } = queueWorkerApp(Testing.app().outdir);
  return { stack, synthesized: JSON.parse(Testing.synth(stack)) as Json };
});

describe('queue-worker example', () => {
  let stack: ReturnType<typeof example>['stack'];
  let synthesized: Json;
  beforeEach(() => ({ stack, synthesized } = example()));
  it('passes the workload policy, its namespace quota included', () => {
    const result = checkPolicy(stack);
    expect({ errors: result.errors, warnings: result.warnings }).toEqual({ errors: [], warnings: [] });
  });

  it('runs a worker, one PostgreSQL instance behind a rw pooler, and a Valkey queue', () => {
    expect(resources(synthesized, 'kubernetes_deployment_v1').map(metadataName)).toEqual(['worker']);
    expect(at(manifests(synthesized, 'Cluster')[0], 'spec', 'instances')).toBe(1);
    expect(manifests(synthesized, 'Pooler').map((p) => [at(p, 'metadata', 'name'), at(p, 'spec', 'type')])).toEqual([['results-pooler-rw', 'rw']]);
    expect(resources(synthesized, 'kubernetes_stateful_set_v1').map(metadataName)).toEqual(['queue']);
  });

  it('creates the results table with its own migration before the workers roll out', () => {
    const [job] = resources(synthesized, 'kubernetes_manifest').filter((r) => at(r, 'manifest', 'kind') === 'Job');
    expect(at(job, 'manifest', 'metadata', 'name')).toMatch(/^results-migrate-[0-9a-f]{8}$/);
    const files = resources(synthesized, 'kubernetes_config_map_v1').find((c) => metadataName(c) === at(job, 'manifest', 'metadata', 'name'));
    expect(Object.keys(files?.data as Json)).toEqual(['00001_create_results.sql']);
    expect(resources(synthesized, 'kubernetes_deployment_v1')[0].depends_on).toContain(`kubernetes_manifest.${job.__name}`);
  });

  it('gives the worker the pooler and the queue by their construct attributes', () => {
    const env = at(resources(synthesized, 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'env') as Json[];
    expect(env.filter((e) => 'value' in e)).toEqual([
      { name: 'DATABASE_URL', value: 'postgresql://$(DB_USER):$(DB_PASSWORD)@results-pooler-rw.jobs.svc:5432/app' },
      { name: 'QUEUE_URL', value: 'redis://:$(QUEUE_PASSWORD)@queue-write.jobs.svc:6379/0' },
    ]);
  });

  it('authenticates the worker to the queue with the password from its Secret, declared before the URL that refers to it', () => {
    const env = at(resources(synthesized, 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'env') as Json[];
    const names = env.map((e) => e.name);
    expect(env.find((e) => e.name === 'QUEUE_PASSWORD')).toEqual({ name: 'QUEUE_PASSWORD', value_from: { secret_key_ref: { name: 'queue-auth', key: 'password' } } });
    expect(names.indexOf('QUEUE_PASSWORD')).toBeLessThan(names.indexOf('QUEUE_URL'));
    // The queue is read from its primary only.
    expect(names.filter((n) => /QUEUE|REDIS/.test(String(n)))).toEqual(['QUEUE_PASSWORD', 'QUEUE_URL']);
  });

  it('lets only the worker reach the pooler and the queue', () => {
    const policies = networkPolicies(synthesized);
    const ingressFrom = (to: string) =>
      [...policies.values()]
        .filter((p) => metadataName(p).endsWith(`-to-${to}-ingress`))
        .map((p) => metadataName(p).replace(`-to-${to}-ingress`, ''))
        .sort();
    expect(ingressFrom('results-pooler-rw')).toEqual(['operator', 'worker']);
    expect(ingressFrom('queue')).toEqual(['worker']);
  });
});

describe('README', () => {
  it('shows the example stack as it is (the typecheck compiles it)', () => {
    const source = readFileSync(join(__dirname, '..', 'examples', 'queue-worker', 'queue-worker-stack.ts'), 'utf8');
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${source}\`\`\``);
  });
});
