import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import { labelComponents } from '../../constructs/core/labels';
import { AppNamespace } from '../../constructs/guardrails/app-namespace';
import { Connections, KUBERNETES_API, KUBERNETES_API_PORTS, namespacePeer } from '../../constructs/guardrails/connections';
import { NetworkPolicies } from '../../constructs/guardrails/network-policies';
import { PinnedHelmRelease } from '../../constructs/platform/pinned-helm-release';
import type { EnvironmentConfig } from '../../config/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { at, config, fixture, metadataName, networkPolicies, resources, synthScope, type Json, type Resource } from '../helpers';

const prod = config('prod');

describe('AppNamespace', () => {
  const quota = { requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '8', limitsMemory: '16Gi', requestsStorage: '20Gi' };
  const namespace = fixture(() =>
    synthScope((scope) => {
      labelComponents(scope, { partOf: 'shop' });
      new AppNamespace(scope, 'ns', { name: 'web', quota });
    }),
  );
  let out: Json;
  beforeEach(() => (out = namespace()));

  it('enforces the restricted Pod Security Standard', () => {
    const labels = at(resources(out, 'kubernetes_namespace_v1')[0], 'metadata', 'labels') as Json;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('sets the quota and container defaults, and forbids NodePorts', () => {
    expect(at(resources(out, 'kubernetes_resource_quota_v1')[0], 'spec', 'hard')).toEqual({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      'requests.storage': '20Gi',
      pods: '200',
      persistentvolumeclaims: '20',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
    });
    expect(at(resources(out, 'kubernetes_limit_range_v1')[0], 'spec', 'limit', 0)).toEqual({
      type: 'Container',
      default_request: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
    });
  });

  it('labels the namespace for every Pod Security mode at the latest version, and as part of what its stack names', () => {
    expect(at(resources(out, 'kubernetes_namespace_v1')[0], 'metadata', 'labels')).toEqual({
      'app.kubernetes.io/name': 'app-namespace',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/managed-by': 'cdktf',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  it('creates its quota and container defaults in the namespace, after it', () => {
    const namespaceRef = `kubernetes_namespace_v1.${resources(out, 'kubernetes_namespace_v1')[0].__name}`;
    const inside = [resources(out, 'kubernetes_resource_quota_v1')[0], resources(out, 'kubernetes_limit_range_v1')[0]];
    expect(inside.map((r) => [at(r, 'metadata', 'name'), at(r, 'metadata', 'namespace'), at(r, 'metadata', 'labels', 'app.kubernetes.io/name'), r.depends_on])).toEqual([
      ['app-quota', 'web', 'app-namespace', [namespaceRef]],
      ['container-defaults', 'web', 'app-namespace', [namespaceRef]],
    ]);
  });

  /** The references of a namespace's own resources (namespace, quota, limit range), by its name. */
  const ownedBy = (stack: Json, name: string) =>
    ['kubernetes_namespace_v1', 'kubernetes_resource_quota_v1', 'kubernetes_limit_range_v1']
      .flatMap((t) => resources(stack, t).filter((r) => metadataName(r) === name || at(r, 'metadata', 'namespace') === name).map((r) => `${t}.${r.__name}`))
      .sort();
  const dependsOn = (r: Resource) => [metadataName(r), [...((r.depends_on ?? []) as string[])].sort()];

  it('makes everything else in its stack wait for the namespace (created first, deleted last), added after it and never asked to', () => {
    const stack = synthScope((scope) => {
      new AppNamespace(scope, 'ns', { name: 'web', quota });
      new ConfigMapV1(scope, 'leaf', { metadata: { name: 'leaf', namespace: 'web' } });
      const group = new Construct(scope, 'group');
      new ConfigMapV1(group, 'inner', { metadata: { name: 'inner', namespace: 'web' } });
    });
    const maps = resources(stack, 'kubernetes_config_map_v1');
    expect(maps.map(dependsOn)).toEqual([
      ['inner', ownedBy(stack, 'web')],
      ['leaf', ownedBy(stack, 'web')],
    ]);
    // Nothing of the namespace waits for itself.
    expect(resources(stack, 'kubernetes_namespace_v1')[0].depends_on).toBeUndefined();
  });

  it('makes the rest of the stack wait for every namespace in it, a nested one too, and no namespace wait for another', () => {
    const stack = synthScope((scope) => {
      new AppNamespace(scope, 'first', { name: 'web', quota });
      const group = new Construct(scope, 'group');
      new AppNamespace(group, 'second', { name: 'jobs', quota });
      new ConfigMapV1(group, 'beside', { metadata: { name: 'beside', namespace: 'jobs' } });
      new ConfigMapV1(scope, 'leaf', { metadata: { name: 'leaf', namespace: 'web' } });
    });
    const both = [...ownedBy(stack, 'web'), ...ownedBy(stack, 'jobs')].sort();
    expect(resources(stack, 'kubernetes_config_map_v1').map(dependsOn)).toEqual([
      ['beside', both],
      ['leaf', both],
    ]);
    expect(resources(stack, 'kubernetes_namespace_v1').map(dependsOn)).toEqual([
      ['web', []],
      ['jobs', []],
    ]);
  });

  it('makes its stack refuse two objects of one kind and name at synth, never asked to', () => {
    const build = (scope: Construct) => {
      new AppNamespace(scope, 'ns', { name: 'web', quota });
      new ConfigMapV1(scope, 'first', { metadata: { name: 'settings', namespace: 'web' } });
      new ConfigMapV1(scope, 'second', { metadata: { name: 'settings', namespace: 'web' } });
    };
    expect(() => synthScope(build)).toThrow(
      `stack/second: 'metadata.name' ("settings") must be unique per kind: stack/first already makes the ConfigMap of that name in namespace 'web'`,
    );
  });

  it.each([
    ['quota.pods', { pods: 0 }, "'quota.pods' (0) must be a whole number of pods from 1 to 2147483647"],
    ['quota.persistentVolumeClaims', { persistentVolumeClaims: -1 }, "'quota.persistentVolumeClaims' (-1) must be a whole number of volume claims from 0 to 2147483647"],
    ['quota.requestsStorage', { requestsStorage: '20 GB' }, `'quota.requestsStorage' ("20 GB") must be a positive Kubernetes quantity`],
  ])('refuses a bad %s, naming it', (_field, bad, message) => {
    expect(() => synthScope((scope) => new AppNamespace(scope, 'ns', { name: 'web', quota: { ...quota, ...bad } }))).toThrow(message);
  });

  it.each([
    ['defaultRequest.cpu', { defaultRequest: { cpu: 'x', memory: '128Mi' } }, `'defaultRequest.cpu' ("x") must be a positive Kubernetes quantity`],
    ['defaultLimit.memory', { defaultLimit: { cpu: '500m', memory: 'x' } }, `'defaultLimit.memory' ("x") must be a positive Kubernetes quantity`],
    ['defaultRequest.memory above defaultLimit.memory', { defaultRequest: { cpu: '100m', memory: '1Gi' } }, "'defaultRequest.memory' (\"1Gi\") must be less than or equal to 'defaultLimit.memory' (\"512Mi\")"],
  ])('refuses %s, naming it', (_field, bad, message) => {
    expect(() => synthScope((scope) => new AppNamespace(scope, 'ns', { name: 'web', quota, ...bad }))).toThrow(message);
  });

  it('refuses a name that is no DNS label, naming the prop', () => {
    expect(() => synthScope((scope) => new AppNamespace(scope, 'ns', { name: 'Web', quota }))).toThrow(`/ns: 'name' ("Web")`);
  });

  it('refuses a quota that is not a quantity, naming the construct path', () => {
    expect(() => synthScope((scope) => new AppNamespace(scope, 'ns', { name: 'web', quota: { ...quota, limitsCpu: 'lots' } }))).toThrow(
      `/ns: 'quota.limitsCpu' ("lots") must be a positive Kubernetes quantity`,
    );
  });
});

describe('NetworkPolicies', () => {
  const a = { name: 'a', selector: { pods: { app: 'a' } } };
  const b = { name: 'b', selector: { pods: { app: 'b' } } };
  const flows = fixture(() =>
    synthScope((scope) => {
      const policies = new NetworkPolicies(scope, 'np', { namespace: 'web' });
      policies.addFlow({ from: a, to: b, ports: [5432] });
      policies.addFlow({ from: namespacePeer('edge', 'edge'), to: a, ports: [8080] });
      policies.addFlow({ from: a, to: KUBERNETES_API, ports: KUBERNETES_API_PORTS });
      // The same flow again adds its new ports to the same policies.
      policies.addFlow({ from: a, to: b, ports: [8000, 5432] });
    }),
  );
  let out: Json;
  let policies: Map<string, Resource>;
  beforeEach(() => {
    out = flows();
    policies = networkPolicies(out);
  });

  it('denies everything by default', () => {
    expect(at(policies.get('default-deny'), 'spec')).toEqual({ pod_selector: {}, policy_types: ['Ingress', 'Egress'] });
  });

  it('lets every pod query the cluster DNS, over UDP and TCP', () => {
    expect(at(policies.get('dns-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: {} },
      policy_types: ['Egress'],
      egress: [
        {
          to: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'kube-system' } }, pod_selector: { match_labels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { port: '53', protocol: 'UDP' },
            { port: '53', protocol: 'TCP' },
          ],
        },
      ],
    });
  });

  it('opens each flow on both ends that live in the namespace', () => {
    expect([...policies.keys()].sort()).toEqual(['a-to-apiserver-egress', 'a-to-b-egress', 'a-to-b-ingress', 'default-deny', 'dns-egress', 'edge-to-a-ingress']);
    expect(at(policies.get('a-to-b-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'b' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ pod_selector: { match_labels: { app: 'a' } } }], ports: [{ port: '5432', protocol: 'TCP' }, { port: '8000', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('a-to-b-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Egress'],
      egress: [{ to: [{ pod_selector: { match_labels: { app: 'b' } } }], ports: [{ port: '5432', protocol: 'TCP' }, { port: '8000', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('edge-to-a-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'edge' } } }], ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('a-to-apiserver-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Egress'],
      egress: [{ to: [{ ip_block: { cidr: '0.0.0.0/0' } }, { ip_block: { cidr: '::/0' } }], ports: [{ port: '443', protocol: 'TCP' }, { port: '6443', protocol: 'TCP' }] }],
    });
  });

  it('is found by the constructs of its namespace, or made at the stack\'s top level', () => {
    synthScope((scope) => {
      const explicit = new NetworkPolicies(scope, 'np', { namespace: 'web' });
      expect(NetworkPolicies.of(new Construct(scope, 'child'), 'web')).toBe(explicit);
      expect(NetworkPolicies.of(scope, 'other').node.path).toBe(`${scope.node.path}/network-policies`);
      expect(NetworkPolicies.of(scope, 'third').node.path).toBe(`${scope.node.path}/network-policies-third`);
      expect(() => new NetworkPolicies(scope, 'again', { namespace: 'web' })).toThrow(`/again: 'namespace' ("web") already has its NetworkPolicies at ${explicit.node.path}`);
    });
  });

  it('lists the flows declared in it, DNS first, each once with its ports merged', () => {
    synthScope((scope) => {
      const policies = new NetworkPolicies(scope, 'np', { namespace: 'web' });
      policies.addFlow({ from: a, to: b, ports: [5432] });
      policies.addFlow({ from: a, to: b, ports: [8000, 5432] });
      expect(policies.declaredFlows.map((f) => [f.name ?? `${f.from.name}-to-${f.to.name}`, f.ports])).toEqual([
        ['dns', [53]],
        ['a-to-b', [5432, 8000]],
      ]);
    });
  });

  it('labels every policy as this project\'s', () => {
    for (const policy of policies.values()) expect(at(policy, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('network-policy');
  });

  it('refuses a default-port flow to pods that declare no port, naming them', () => {
    expect(() =>
      synthScope((scope) => new Connections(scope, { namespace: 'web', peer: a }).allowDefaultPortFrom(b)),
    ).toThrow("'a' declares no default port to allow connections to");
  });

  it('refuses one flow name for two different pairs of peers', () => {
    expect(() =>
      synthScope((scope) => {
        const policies = new NetworkPolicies(scope, 'np', { namespace: 'web' });
        policies.addFlow({ name: 'x', from: a, to: b, ports: [1] });
        policies.addFlow({ name: 'x', from: b, to: a, ports: [1] });
      }),
    ).toThrow(`/np: 'flow name' ("x") is declared twice between different peers`);
  });
});

describe('NetworkPolicies of a shared namespace (declared-pods isolation)', () => {
  const own = { name: 'own', selector: { pods: { app: 'own' } } };
  const theirs = { name: 'theirs', selector: { pods: { app: 'theirs' } } };
  const shared = fixture(() =>
    synthScope((scope) => {
      const connections = new Connections(scope, { namespace: 'operator', peer: own, defaultPorts: [6379], isolation: 'declared-pods' });
      connections.allowDefaultPortFrom(theirs);
      connections.allowTo(theirs, [8080]);
    }),
  );
  let policies: Map<string, Resource>;
  beforeEach(() => (policies = networkPolicies(shared())));

  it('denies the declared pods alone, with no namespace-wide deny and no DNS', () => {
    expect([...policies.keys()].sort()).toEqual(['own-default-deny', 'own-to-theirs-egress', 'theirs-to-own-ingress']);
    expect(at(policies.get('own-default-deny'), 'spec')).toEqual({ pod_selector: { match_labels: { app: 'own' } }, policy_types: ['Ingress', 'Egress'] });
  });

  it('writes each flow\'s end on the declared pods only, leaving the undeclared pods\' traffic alone', () => {
    expect(at(policies.get('theirs-to-own-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'own' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ pod_selector: { match_labels: { app: 'theirs' } } }], ports: [{ port: '6379', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('own-to-theirs-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'own' } },
      policy_types: ['Egress'],
      egress: [{ to: [{ pod_selector: { match_labels: { app: 'theirs' } } }], ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
  });

  it('isolates a peer once, however many constructs declare it', () => {
    const twice = synthScope((scope) => {
      new Connections(scope, { namespace: 'operator', peer: own, isolation: 'declared-pods' });
      new Connections(scope, { namespace: 'operator', peer: own, isolation: 'declared-pods' });
    });
    expect([...networkPolicies(twice).keys()]).toEqual(['own-default-deny']);
  });

  it('writes no deny of its own for a peer in a namespace whose pods are all denied already', () => {
    const isolated = synthScope((scope) => new Connections(scope, { namespace: 'operator', peer: own }));
    expect([...networkPolicies(isolated).keys()].sort()).toEqual(['default-deny', 'dns-egress']);
  });

  it('refuses a second isolation for one namespace, naming both', () => {
    synthScope((scope) => {
      const first = NetworkPolicies.of(scope, 'operator', 'declared-pods');
      expect(() => new Connections(new Construct(scope, 'app'), { namespace: 'operator', peer: own })).toThrow(
        `/app: 'isolation' ("namespace") must be that of namespace 'operator''s NetworkPolicies at ${first.node.path} ("declared-pods")`,
      );
    });
  });

  it('refuses to isolate pods it cannot select in its namespace, naming them', () => {
    expect(() =>
      synthScope((scope) => new Connections(scope, { namespace: 'operator', peer: namespacePeer('elsewhere', 'other'), isolation: 'declared-pods' })),
    ).toThrow(`/network-policies: 'isolated peer' ("elsewhere") must select pods of namespace 'operator' alone`);
  });

  it('refuses a deny policy name that would not be a DNS-1123 label', () => {
    const long = { name: 'a'.repeat(51), selector: { pods: { app: 'a' } } };
    expect(() => synthScope((scope) => new Connections(scope, { namespace: 'operator', peer: long, isolation: 'declared-pods' }))).toThrow(
      `/network-policies: 'peer '${'a'.repeat(51)}' policy name' ("${'a'.repeat(51)}-default-deny") must be a DNS-1123 label`,
    );
  });
});

describe('NetworkPolicies names', () => {
  it('refuses a flow whose policy name would not be a DNS-1123 label', () => {
    const long = { name: 'a'.repeat(50), selector: { pods: { app: 'a' } } };
    expect(() =>
      synthScope((scope) => new NetworkPolicies(scope, 'np', { namespace: 'web' }).addFlow({ from: long, to: long, ports: [1] })),
    ).toThrow(`/np: 'flow '${'a'.repeat(50)}-to-${'a'.repeat(50)}' policy name' ("${'a'.repeat(50)}-to-${'a'.repeat(50)}-ingress") must be a DNS-1123 label`);
  });
});

describe('PinnedHelmRelease', () => {
  const chart = { repository: 'https://charts.example.com', chart: 'operator', version: '1.2.3' };
  const release = (version = chart.version) =>
    resources(synthScope((scope) => new PinnedHelmRelease(scope, 'r', { chart: { ...chart, version }, releaseName: 'operator', namespace: 'operators', values: { b: 1, a: { c: true } } })), 'helm_release')[0];

  it('installs the exact chart version atomically and waits for it, so dependent stacks plan after its CRDs exist', () => {
    expect(release()).toMatchObject({
      repository: 'https://charts.example.com',
      chart: 'operator',
      version: '1.2.3',
      atomic: true,
      wait: true,
      timeout: 900,
      create_namespace: true,
      values: ['a:\n  c: true\nb: 1\n'],
    });
  });

  it('refuses a version range', () => {
    expect(() => release('^1.2')).toThrow(`/r: 'chart.version' ("^1.2") must be an exact version`);
    for (const range of ['>=1.2.3', '1.2.3 || 2.0.0', '1.2.x']) expect(() => release(range)).toThrow(`'chart.version' (${JSON.stringify(range)}) must be an exact version`);
  });

  it('takes any exact version: multi-digit, with a v, with a pre-release', () => {
    for (const version of ['10.20.30', 'v1.30.0', '1.2.3-rc.1']) expect(release(version).version).toBe(version);
  });

  it('refuses a release or namespace that is no DNS name and a timeout below 1 s, naming the prop', () => {
    const build = (props: { releaseName?: string; namespace?: string; timeoutSeconds?: number }) => () =>
      synthScope((scope) => new PinnedHelmRelease(scope, 'r', { chart, releaseName: 'operator', namespace: 'operators', ...props }));
    expect(build({ releaseName: 'Operator' })).toThrow(`/r: 'releaseName' ("Operator")`);
    expect(build({ namespace: 'Operators' })).toThrow(`/r: 'namespace' ("Operators")`);
    expect(build({ timeoutSeconds: 0 })).toThrow(`/r: 'timeoutSeconds' (0) must be a whole number of seconds, at least 1`);
  });
});

describe('EnvironmentStack', () => {
  it('refuses two objects of one kind and name at synth, though no AppNamespace is in it (the platform stack)', () => {
    class Platform extends EnvironmentStack {}
    const stack = new Platform(Testing.app(), 'prod-platform', prod);
    for (const id of ['first', 'second']) new ConfigMapV1(stack, id, { metadata: { name: 'settings', namespace: 'operators' } });
    expect(() => Testing.synth(stack)).toThrow(
      `prod-platform/second: 'metadata.name' ("settings") must be unique per kind: prod-platform/first already makes the ConfigMap of that name in namespace 'operators'`,
    );
  });
});

describe('state backends', () => {
  class Probe extends EnvironmentStack {}
  const backend = (state: EnvironmentConfig['state']) => {
    const stack = new Probe(Testing.app(), 'prod-app', { ...prod, state });
    return at(JSON.parse(Testing.synth(stack)), 'terraform', 'backend');
  };

  it('keeps local state beside the project by default', () => {
    expect(backend({ backend: 'local' })).toEqual({ local: { path: '../../../terraform.prod-app.tfstate' } });
  });

  it('keeps local state at a configured path', () => {
    expect(backend({ backend: 'local', path: '/var/lib/terraform/web.tfstate' })).toEqual({ local: { path: '/var/lib/terraform/web.tfstate' } });
  });

  it('writes S3 state per stack with native locking', () => {
    expect(backend({ backend: 's3', bucket: 'tf-state', keyPrefix: 'web', region: 'eu-west-1', encrypt: true, useLockfile: true })).toEqual({
      s3: { bucket: 'tf-state', key: 'web/prod-app.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('leaves S3 encryption and locking off when configured so', () => {
    expect(backend({ backend: 's3', bucket: 'tf-state', keyPrefix: 'web', region: 'eu-west-1', encrypt: false, useLockfile: false })).toEqual({
      s3: { bucket: 'tf-state', key: 'web/prod-app.tfstate', region: 'eu-west-1', encrypt: false },
    });
  });

  it('writes Kubernetes Secret state per stack', () => {
    expect(backend({ backend: 'kubernetes', namespace: 'kube-system', secretSuffixPrefix: 'web' })).toEqual({
      kubernetes: { secret_suffix: 'web-prod-app', namespace: 'kube-system', config_path: '~/.kube/config', config_context: 'prod' },
    });
  });
});
