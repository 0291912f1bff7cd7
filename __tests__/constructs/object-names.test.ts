import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { HorizontalPodAutoscalerV2Beta2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2beta2';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { Aspects, Testing, TerraformStack } from 'cdktf';
import { ValkeyCache } from '../../constructs/cache/valkey-cache';
import { CustomResource } from '../../constructs/core/custom-resource';
import { checkUniqueNames, declareObjects } from '../../constructs/core/object-names';
import { PropError } from '../../constructs/core/validation';
import { ConnectionPooler } from '../../constructs/database/connection-pooler';
import { PostgresCluster } from '../../constructs/database/postgres-cluster';
import { WebService, type WebServiceProps } from '../../constructs/workload/web-service';
import { refusalOf } from '../refusal';

const web: WebServiceProps = {
  name: 'api',
  namespace: 'web',
  image: 'registry.example.com/api:1.0.0',
  replicas: { min: 1, max: 2 },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
};
const small = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };

/** The error checkUniqueNames throws for what `build` puts in a stack, or undefined. */
function clash(build: (stack: TerraformStack) => void): string | undefined {
  const stack = new TerraformStack(Testing.app(), 'names');
  build(stack);
  return refusalOf(() => checkUniqueNames(stack), PropError);
}

const database = (stack: TerraformStack, readReplicas = 2) => {
  const cluster = new PostgresCluster(stack, 'db', { name: 'db', namespace: 'web', image: 'ghcr.io/cloudnative-pg/postgresql:17.6', storage: { size: '1Gi' }, resources: small, readReplicas });
  new ConnectionPooler(stack, 'rw', { cluster, type: 'rw', defaultPoolSize: 20, maxClientConnections: 100 });
};

describe('checkUniqueNames', () => {
  it('refuses two web services of one name in one namespace, naming both', () => {
    expect(
      clash((s) => {
        new WebService(s, 'first', web);
        new WebService(s, 'second', web);
      }),
    ).toMatch(/^names\/second\/.*: 'metadata.name' \("api"\) must be unique per kind: names\/first\/.* already makes the \w+ of that name in namespace 'web'$/);
  });

  it('accepts the same name in another namespace, and for another kind', () => {
    expect(
      clash((s) => {
        new WebService(s, 'first', web);
        new WebService(s, 'second', { ...web, namespace: 'other' });
        new ConfigMapV1(s, 'config', { metadata: { name: 'api', namespace: 'web' }, data: {} });
      }),
    ).toBeUndefined();
  });

  it("refuses a Service that takes the name of CloudNativePG's -rw Service", () => {
    expect(
      clash((s) => {
        database(s);
        new WebService(s, 'named-like-rw', { ...web, name: 'db-rw' });
      }),
    ).toMatch(/'metadata.name' \("db-rw"\) must be unique per kind: CloudNativePG for names\/db already makes the Service of that name in namespace 'web'/);
  });

  it.each([
    ['Service', 'db-rw'], ['Service', 'db-ro'], ['Service', 'db-r'],
    ['Secret', 'db-app'], ['Secret', 'db-ca'], ['Secret', 'db-server'], ['Secret', 'db-replication'], ['Secret', 'db-pooler'],
    ['ServiceAccount', 'db'], ['Role', 'db'], ['RoleBinding', 'db'], ['PodDisruptionBudget', 'db'], ['PodDisruptionBudget', 'db-primary'],
    ['Deployment', 'db-pooler-rw'], ['Service', 'db-pooler-rw'], ['ServiceAccount', 'db-pooler-rw'], ['Role', 'db-pooler-rw'], ['RoleBinding', 'db-pooler-rw'],
  ])("knows that CloudNativePG makes the %s '%s'", (kind, name) => {
    expect(
      clash((s) => {
        database(s);
        declareObjects(s, 'another operator', [{ kind, namespace: 'web', name }]);
      }),
    ).toMatch(new RegExp(`'metadata.name' \\("${name}"\\) must be unique per kind.*CloudNativePG.*the ${kind} `));
  });

  it("knows that CloudNativePG makes no replicas' PodDisruptionBudget below 3 instances", () => {
    expect(
      clash((s) => {
        database(s, 1);
        declareObjects(s, 'another operator', [{ kind: 'PodDisruptionBudget', namespace: 'web', name: 'db' }]);
      }),
    ).toBeUndefined();
  });

  it("refuses a Deployment that takes the name of a Pooler's, whichever comes first", () => {
    expect(
      clash((s) => {
        new WebService(s, 'named-like-pooler', { ...web, name: 'db-pooler-rw' });
        database(s);
      }),
    ).toMatch(/^names\/rw: 'metadata.name' \("db-pooler-rw"\) must be unique per kind \(the Deployment CloudNativePG makes for it\): names\/named-like-pooler\/.* already makes the Deployment/);
  });

  it('refuses two workloads that select the same pods (a cache and a web service of one name)', () => {
    expect(
      clash((s) => {
        new WebService(s, 'api', web);
        new ValkeyCache(s, 'api-cache', {
          name: 'api',
          namespace: 'web',
          image: 'docker.io/valkey/valkey:8.1.4-alpine',
          exporterImage: 'docker.io/oliver006/redis_exporter:v1.80.0',
          instances: 1,
          resources: small,
          auth: { secretName: 'api-cache-auth' },
        });
      }),
    ).toMatch(/^names\/api-cache\/.*: 'spec.selector' \(".*app.kubernetes.io\/name=api.*"\) must select only its own pods: names\/api\/.* selects the same labels in namespace 'web'$/);
  });

  const deployment = (s: TerraformStack, id: string, selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string }[] }) =>
    new DeploymentV1(s, id, {
      metadata: { name: id, namespace: 'web' },
      spec: { selector, template: { metadata: { labels: { a: '1', b: '2' } }, spec: { container: [{ name: 'app', image: 'app:1' }] } } },
    });

  it('compares selectors whatever the order of their labels', () => {
    expect(
      clash((s) => {
        deployment(s, 'first', { matchLabels: { a: '1', b: '2' } });
        deployment(s, 'second', { matchLabels: { b: '2', a: '1' } });
      }),
    ).toBe(`names/second: 'spec.selector' ("a=1,b=2") must select only its own pods: names/first selects the same labels in namespace 'web'`);
  });

  it('leaves selectors of other kinds and selectors without labels alone', () => {
    expect(
      clash((s) => {
        // A disruption budget selects its workload's pods on purpose.
        new WebService(s, 'api', { ...web, replicas: { min: 2, max: 3 }, disruptionBudget: { minAvailable: 1 } });
        deployment(s, 'first', { matchExpressions: [{ key: 'a', operator: 'Exists' }] });
        deployment(s, 'second', { matchExpressions: [{ key: 'a', operator: 'Exists' }] });
      }),
    ).toBeUndefined();
  });

  const monitor = (s: TerraformStack, id: string, namespace: string) =>
    new CustomResource(s, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      name: 'api',
      namespace,
      spec: { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'metrics' }] },
    });

  it('refuses two custom resources of one kind and name in one namespace, and accepts them in two', () => {
    expect(
      clash((s) => {
        monitor(s, 'first', 'web');
        monitor(s, 'second', 'web');
      }),
    ).toMatch(/^names\/second\/.*: 'metadata.name' \("api"\) must be unique per kind: names\/first\/.* already makes the ServiceMonitor of that name in namespace 'web'$/);
    expect(
      clash((s) => {
        monitor(s, 'first', 'web');
        monitor(s, 'second', 'other');
      }),
    ).toBeUndefined();
  });

  it('names the kind of a typed resource and leaves out the namespace of a cluster-scoped one', () => {
    const hpa = (s: TerraformStack, id: string) =>
      new HorizontalPodAutoscalerV2(s, id, {
        metadata: { name: 'api', namespace: 'web' },
        spec: { maxReplicas: 2, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } },
      });
    expect(
      clash((s) => {
        hpa(s, 'first');
        hpa(s, 'second');
      }),
    ).toMatch(/already makes the HorizontalPodAutoscaler of that name in namespace 'web'$/);
    expect(
      clash((s) => {
        new NamespaceV1(s, 'first', { metadata: { name: 'web' } });
        new NamespaceV1(s, 'second', { metadata: { name: 'web' } });
      }),
    ).toMatch(/^names\/second: 'metadata.name' \("web"\) must be unique per kind: names\/first already makes the Namespace of that name$/);
  });

  it('takes a beta version of a typed resource for the same kind', () => {
    const spec = { maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'api' } };
    expect(
      clash((s) => {
        new HorizontalPodAutoscalerV2(s, 'first', { metadata: { name: 'api', namespace: 'web' }, spec });
        new HorizontalPodAutoscalerV2Beta2(s, 'second', { metadata: { name: 'api', namespace: 'web' }, spec });
      }),
    ).toMatch(/already makes the HorizontalPodAutoscaler of that name in namespace 'web'$/);
  });

  it('runs at synth in a stack whose constructs declare what an operator makes, never asked to', () => {
    const stack = new TerraformStack(Testing.app(), 'names');
    database(stack);
    new WebService(stack, 'named-like-rw', { ...web, name: 'db-rw' });
    expect(() => Testing.synth(stack)).toThrow(/^names\/named-like-rw\/.*: 'metadata.name' \("db-rw"\) must be unique per kind: CloudNativePG for names\/db already/);
  });

  it('is added to a stack once, however many constructs ask for it', () => {
    const stack = new TerraformStack(Testing.app(), 'names');
    database(stack);
    const aspects = Aspects.of(stack).all.length;
    new PostgresCluster(stack, 'db2', { name: 'db2', namespace: 'web', image: 'ghcr.io/cloudnative-pg/postgresql:17.6', storage: { size: '1Gi' }, resources: small });
    expect(Aspects.of(stack).all).toHaveLength(aspects);
  });

  it('accepts a cluster, its pooler and a web service of their own names', () => {
    expect(
      clash((s) => {
        database(s);
        new WebService(s, 'api', web);
      }),
    ).toBeUndefined();
  });
});
