import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DataKubernetesNamespaceV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-namespace-v1';
import { Testing, TerraformStack } from 'cdktf';
import { invokeAspects } from 'cdktf/lib/synthesize/synthesizer';
import { Construct } from 'constructs';
import { addDependency } from '../../constructs/core/construct-dependencies';
import { hasTagOrDigest, imageTag, isUnpinned, pullPolicyFor } from '../../constructs/core/image';
import { KubectlProvider } from '../../constructs/core/kubectl-provider';
import { componentLabels, labelComponents, selectorLabels, selects } from '../../constructs/core/labels';
import { valueAt } from '../../constructs/core/object-path';
import { exceedsQuantity } from '../../constructs/core/quantity';
import { checkEphemeralStorage, checkResources, containerResources } from '../../constructs/core/resources';
import { isWorkload } from '../../constructs/core/workload';
import {
  checkAtMost,
  checkDrainable,
  checkDuration,
  checkImage,
  checkInteger,
  checkName,
  checkPath,
  checkQuantity,
  checkRange,
  DURATION_RULE,
  hostnameProblem,
  integerProblem,
  PropError,
  requireProp,
  subdomainProblem,
} from '../../constructs/core/validation';
import { DIGEST as digest } from '../helpers';
import { refusalOf } from '../refusal';

/** A construct at path `stack/web`, to validate props against. */
const scope = () => new Construct(new TerraformStack(Testing.app(), 'stack'), 'web');

/** The message of the PropError `check` throws, or undefined when it accepts. */
const refusal = (check: (c: Construct) => unknown) => refusalOf(() => check(scope()), PropError);

describe('prop validation', () => {
  it('names the construct path, the prop, the value and the rule', () => {
    expect(refusal((c) => requireProp(c, 'port', 0, false, 'must be a port'))).toBe("stack/web: 'port' (0) must be a port");
    expect(refusal((c) => requireProp(c, 'port', 0, true, 'must be a port'))).toBeUndefined();
  });

  it('prints strings as JSON and NaN and Infinity as themselves', () => {
    expect(refusal((c) => requireProp(c, 'name', 'Web', false, 'is bad'))).toBe(`stack/web: 'name' ("Web") is bad`);
    expect(refusal((c) => checkInteger(c, 'replicas', Number.NaN, 1))).toBe("stack/web: 'replicas' (NaN) must be a whole number of at least 1");
    expect(refusal((c) => checkInteger(c, 'replicas', Infinity, 1))).toContain("'replicas' (Infinity)");
  });

  it('checks whole numbers against both bounds, stating the upper one only when there is one', () => {
    expect(refusal((c) => checkInteger(c, 'n', 1, 1, 3))).toBeUndefined();
    expect(refusal((c) => checkInteger(c, 'n', 3, 1, 3))).toBeUndefined();
    expect(refusal((c) => checkInteger(c, 'n', 0, 1, 3))).toBe("stack/web: 'n' (0) must be a whole number from 1 to 3");
    expect(refusal((c) => checkInteger(c, 'n', 4, 1, 3))).toBe("stack/web: 'n' (4) must be a whole number from 1 to 3");
    expect(refusal((c) => checkInteger(c, 'n', 1.5, 1, 3))).toBe("stack/web: 'n' (1.5) must be a whole number from 1 to 3");
    expect(refusal((c) => checkInteger(c, 'n', 1e9, 1))).toBeUndefined();
    expect(refusal((c) => checkInteger(c, 'n', 0, 1))).toBe("stack/web: 'n' (0) must be a whole number of at least 1");
  });

  it('names the unit of a whole number with its bounds', () => {
    expect(refusal((c) => checkInteger(c, 'n', 0, 1, 3, 'pods'))).toBe("stack/web: 'n' (0) must be a whole number of pods from 1 to 3");
    expect(refusal((c) => checkInteger(c, 'n', -1, 0, Number.MAX_SAFE_INTEGER, 'replicas'))).toBe("stack/web: 'n' (-1) must be a whole number of replicas, at least 0");
    expect(integerProblem(2, 1, 3, 'pods')).toBeUndefined();
    expect(integerProblem('2', 1, 3, 'pods')).toBe('must be a whole number of pods from 1 to 3');
    expect(refusal((c) => checkRange(c, 'r', 2, 0, 1, true, 'a share of traces'))).toBe("stack/web: 'r' (2) must be a share of traces from 0 to 1");
  });

  it('compares numbers and quantities, allowing equal values', () => {
    expect(refusal((c) => checkAtMost(c, 'replicas.min', 5, 'replicas.max', 5))).toBeUndefined();
    expect(refusal((c) => checkAtMost(c, 'replicas.min', 5, 'replicas.max', 2))).toBe("stack/web: 'replicas.min' (5) must be less than or equal to 'replicas.max' (2)");
    expect(refusal((c) => checkAtMost(c, 'requests.cpu', '1000m', 'limits.cpu', '1'))).toBeUndefined();
    expect(refusal((c) => checkAtMost(c, 'requests.cpu', '1500m', 'limits.cpu', '1'))).toBe(`stack/web: 'requests.cpu' ("1500m") must be less than or equal to 'limits.cpu' ("1")`);
  });

  it('accepts only positive quantities, and returns their value', () => {
    const rule = 'must be a positive Kubernetes quantity, such as "500m", "2" or "512Mi"';
    expect(refusal((c) => expect(checkQuantity(c, 'cpu', '500m')).toBe(0.5))).toBeUndefined();
    expect(refusal((c) => checkQuantity(c, 'cpu', 'lots'))).toBe(`stack/web: 'cpu' ("lots") ${rule}`);
    expect(refusal((c) => checkQuantity(c, 'cpu', '0'))).toBe(`stack/web: 'cpu' ("0") ${rule}`);
    expect(refusal((c) => checkQuantity(c, 'cpu', '1m'))).toBeUndefined();
  });

  it('accepts DNS-1123 labels up to 63 characters', () => {
    const rule = 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit';
    expect(refusal((c) => checkName(c, 'name', 'a'.repeat(63)))).toBeUndefined();
    expect(refusal((c) => checkName(c, 'name', 'web-1'))).toBeUndefined();
    expect(refusal((c) => checkName(c, 'name', 'a'.repeat(64)))).toBe(`stack/web: 'name' ("${'a'.repeat(64)}") ${rule}`);
    expect(refusal((c) => checkName(c, 'name', 'Web'))).toBe(`stack/web: 'name' ("Web") ${rule}`);
    expect(refusal((c) => checkName(c, 'name', 'web-'))).toContain(rule);
  });

  it('accepts DNS-1123 subdomains and hostnames up to 253 characters', () => {
    // Four labels and three dots: 63 + 63 + 63 + 61 + 3 = 253.
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(subdomainProblem(longest)).toBeUndefined();
    expect(subdomainProblem(`${longest}d`)).toMatch(/^must be a DNS-1123 subdomain: at most 253 characters/);
    expect(hostnameProblem(longest)).toBeUndefined();
    expect(hostnameProblem(`${longest}d`)).toMatch(/^must be a DNS hostname: at most 253 characters/);
  });

  it('accepts only absolute paths', () => {
    expect(refusal((c) => checkPath(c, 'healthPath', '/health'))).toBeUndefined();
    expect(refusal((c) => checkPath(c, 'healthPath', 'health/'))).toBe(`stack/web: 'healthPath' ("health/") must be an absolute path starting with "/"`);
  });

  it('leaves a pod to evict at the minimum scale', () => {
    const rule = "must be less than 'replicas.min' (2), or no node can be drained at the minimum scale";
    expect(refusal((c) => checkDrainable(c, 1, 'replicas.min', 2))).toBeUndefined();
    expect(refusal((c) => checkDrainable(c, 2, 'replicas.min', 2))).toBe(`stack/web: 'disruptionBudget.minAvailable' (2) ${rule}`);
    expect(refusal((c) => checkDrainable(c, 3, 'replicas.min', 2))).toContain(rule);
    expect(refusal((c) => checkDrainable(c, 0, 'replicas.min', 2))).toBe("stack/web: 'disruptionBudget.minAvailable' (0) must be a whole number of pods from 1 to 2147483647");
  });

  it('accepts Prometheus durations only', () => {
    expect(refusal((c) => checkDuration(c, 'retention', '15d'))).toBeUndefined();
    expect(refusal((c) => checkDuration(c, 'retention', '1h30m'))).toBeUndefined();
    expect(refusal((c) => checkDuration(c, 'retention', '1d12h'))).toBeUndefined();
    // The prometheus-operator's Duration pattern: largest unit first, each once.
    for (const bad of ['15 days', '30m1h', '1d1d', '', '0']) {
      expect(refusal((c) => checkDuration(c, 'retention', bad))).toBe(`stack/web: 'retention' (${JSON.stringify(bad)}) ${DURATION_RULE}`);
    }
  });

  it('checks open ranges by default and closed ranges on request', () => {
    expect(refusal((c) => checkRange(c, 'ratio', 0.5, 0, 1))).toBeUndefined();
    for (const value of [0, 1, -0.1, 1.1, Number.NaN]) {
      expect(refusal((c) => checkRange(c, 'ratio', value, 0, 1))).toBe(`stack/web: 'ratio' (${value}) must be a number greater than 0 and less than 1`);
    }
    for (const value of [0, 0.5, 1]) expect(refusal((c) => checkRange(c, 'ratio', value, 0, 1, true))).toBeUndefined();
    for (const value of [-0.1, 1.1, Infinity]) {
      expect(refusal((c) => checkRange(c, 'ratio', value, 0, 1, true))).toBe(`stack/web: 'ratio' (${value}) must be a number from 0 to 1`);
    }
  });

  it('requires images pinned by a tag or a digest', () => {
    expect(refusal((c) => checkImage(c, 'image', 'registry.example.com/api:1.0.0'))).toBeUndefined();
    expect(refusal((c) => checkImage(c, 'image', 'registry.example.com:5000/api'))).toBe(
      `stack/web: 'image' ("registry.example.com:5000/api") must be pinned with a tag or a digest (":1.4.2" or "@sha256:…")`,
    );
  });
});

describe('image references', () => {
  it('reads the tag after the last path segment, not a registry port', () => {
    expect(imageTag('valkey/valkey:8.1.4')).toBe('8.1.4');
    expect(imageTag('registry.example.com:5000/team/api:1.2')).toBe('1.2');
    expect(imageTag('registry.example.com:5000/team/api')).toBeUndefined();
    expect(imageTag(`registry.example.com/api:1.2@${digest}`)).toBe('1.2');
    expect(imageTag(`registry.example.com/api@${digest}`)).toBeUndefined();
  });

  it('counts a tag or a digest as pinned', () => {
    expect(hasTagOrDigest('api:1')).toBe(true);
    expect(hasTagOrDigest(`api@${digest}`)).toBe(true);
    expect(hasTagOrDigest('registry.example.com:5000/api')).toBe(false);
  });

  it('calls a missing version or a bare ":latest" unpinned, and ":latest" with a digest pinned', () => {
    expect(isUnpinned('api')).toBe(true);
    expect(isUnpinned('api:latest')).toBe(true);
    expect(isUnpinned(`api:latest@${digest}`)).toBe(false);
    expect(isUnpinned('api:1.0.0')).toBe(false);
    expect(isUnpinned(`api@${digest}`)).toBe(false);
  });

  it('pulls an image pinned by a tag at every start, and one pinned by a digest only when the node lacks it', () => {
    expect(pullPolicyFor('valkey/valkey:8.1.4')).toBe('Always');
    expect(pullPolicyFor('registry.example.com:5000/team/api:1.2')).toBe('Always');
    expect(pullPolicyFor(`registry.example.com:5000/team/api@${digest}`)).toBe('IfNotPresent');
    // The digest decides what runs, whatever the tag next to it says.
    expect(pullPolicyFor(`registry.example.com/api:1.2@${digest}`)).toBe('IfNotPresent');
  });
});

describe('container resources', () => {
  const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };

  it('names the exact field of a bad quantity or a request above its limit', () => {
    expect(refusal((c) => checkResources(c, 'resources', resources))).toBeUndefined();
    expect(refusal((c) => checkResources(c, 'resources', { ...resources, requests: { ...resources.requests, memory: 'big' } }))).toContain("'resources.requests.memory' (\"big\")");
    expect(refusal((c) => checkResources(c, 'resources', { ...resources, limits: { ...resources.limits, cpu: '-1' } }))).toContain("'resources.limits.cpu' (\"-1\")");
    expect(refusal((c) => checkResources(c, 'resources', { ...resources, requests: { ...resources.requests, memory: '3Gi' } }))).toBe(
      `stack/web: 'resources.requests.memory' ("3Gi") must be less than or equal to 'resources.limits.memory' ("2Gi")`,
    );
  });

  it('checks ephemeral storage the same way', () => {
    expect(refusal((c) => checkEphemeralStorage(c, 'storage', { request: '1Gi', limit: '2Gi' }))).toBeUndefined();
    expect(refusal((c) => checkEphemeralStorage(c, 'storage', { request: 'x', limit: '2Gi' }))).toContain("'storage.request' (\"x\")");
    expect(refusal((c) => checkEphemeralStorage(c, 'storage', { request: '1Gi', limit: '0' }))).toContain("'storage.limit' (\"0\")");
    expect(refusal((c) => checkEphemeralStorage(c, 'storage', { request: '3Gi', limit: '2Gi' }))).toBe(
      `stack/web: 'storage.request' ("3Gi") must be less than or equal to 'storage.limit' ("2Gi")`,
    );
  });

  it('adds ephemeral storage to the requests and limits', () => {
    expect(containerResources(resources, { request: '1Gi', limit: '2Gi' })).toEqual({
      requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '2Gi' },
    });
  });
});

describe('small helpers', () => {
  it('follows keys and indexes, and stops at anything that is not an object', () => {
    const data = { a: [{ b: 'x' }], n: null, s: 'text' };
    expect(valueAt(data, 'a', 0, 'b')).toBe('x');
    expect(valueAt(data, 'n', 'b')).toBeUndefined();
    expect(valueAt(data, 's', 'length')).toBeUndefined();
    expect(valueAt(data)).toBe(data);
  });

  it('matches a selector only when every one of its labels matches', () => {
    const labels = componentLabels(new TerraformStack(Testing.app(), 'stack'), 'api');
    expect(labels['app.kubernetes.io/managed-by']).toBe('cdktf');
    expect(selects({ 'app.kubernetes.io/name': 'api' }, labels)).toBe(true);
    expect(selects({ 'app.kubernetes.io/name': 'api', tier: 'web' }, labels)).toBe(false);
    expect(selects({ 'app.kubernetes.io/name': 'web' }, labels)).toBe(false);
    expect(selects(undefined, labels)).toBe(true);
  });

  it('labels components as part of what their stack names, and of nothing when it names nothing', () => {
    const labelled = new TerraformStack(Testing.app(), 'labelled');
    labelComponents(labelled, { partOf: 'shop' });
    const inside = new Construct(labelled, 'component');
    expect(selectorLabels(inside, 'api')).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'shop' });
    expect(componentLabels(inside, 'api')).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'cdktf' });
    const plain = new TerraformStack(Testing.app(), 'plain');
    labelComponents(plain, {});
    expect(selectorLabels(new Construct(plain, 'component'), 'api')).toEqual({ 'app.kubernetes.io/name': 'api' });
  });

  it('refuses a part-of that is no DNS-1123 label, naming the prop', () => {
    expect(() => labelComponents(new TerraformStack(Testing.app(), 'stack'), { partOf: 'Web Shop' })).toThrow(/^stack: 'partOf' \("Web Shop"\) must be a DNS-1123 label/);
  });

  it('compares summed quantities at the milli-unit', () => {
    expect(exceedsQuantity(0.6 + 0.6 + 0.6, 1.8)).toBe(false);
    expect(exceedsQuantity(1.801, 1.8)).toBe(true);
    expect(exceedsQuantity(1.8, 1.801)).toBe(false);
    expect(exceedsQuantity(0.0004, 0)).toBe(false);
    expect(exceedsQuantity(0.002, 0.001)).toBe(true);
  });

  it('knows a workload by its footprint', () => {
    const plain = scope();
    expect(isWorkload(plain)).toBe(false);
    expect(isWorkload(Object.assign(plain, { footprint: { name: 'api', namespace: 'web', minReplicas: 1, maxReplicas: 1, containers: [] } }))).toBe(true);
  });
});

describe('addDependency', () => {
  type Synth = { resource: Record<string, Record<string, { depends_on?: string[] }>>; data: Record<string, Record<string, { depends_on?: string[] }>> };

  it('makes every resource and data source under one construct depend on every one under the others', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const [first, second, third] = ['first', 'second', 'third'].map((id) => new Construct(stack, id));
    const target = new ConfigMapV1(first, 'config', { metadata: { name: 'first' } });
    const namespace = new DataKubernetesNamespaceV1(second, 'ns', { metadata: { name: 'web' } });
    const dependent = new ConfigMapV1(third, 'config', { metadata: { name: 'third' } });
    const nested = new ConfigMapV1(new Construct(third, 'inner'), 'config', { metadata: { name: 'inner' } });
    addDependency(third, first, second);
    // A second call on the same stack adds no second aspect (which would list each target twice).
    addDependency(third, first);
    const out = JSON.parse(Testing.synth(stack)) as Synth;
    const maps = out.resource.kubernetes_config_map_v1;
    for (const resource of [dependent, nested]) {
      expect(maps[resource.friendlyUniqueId].depends_on).toEqual([
        `kubernetes_config_map_v1.${target.friendlyUniqueId}`,
        `data.kubernetes_namespace_v1.${namespace.friendlyUniqueId}`,
      ]);
    }
    expect(maps[target.friendlyUniqueId].depends_on).toBeUndefined();
    expect(out.data.kubernetes_namespace_v1[namespace.friendlyUniqueId].depends_on).toBeUndefined();
  });

  it('lists each target once when the aspects run again, as the synth app runs them before app.synth', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const target = new ConfigMapV1(new Construct(stack, 'first'), 'config', { metadata: { name: 'first' } });
    const dependent = new ConfigMapV1(stack, 'dependent', { metadata: { name: 'dependent' } });
    addDependency(dependent, target.node.scope as Construct);
    invokeAspects(stack);
    const out = JSON.parse(Testing.synth(stack)) as Synth;
    expect(out.resource.kubernetes_config_map_v1[dependent.friendlyUniqueId].depends_on).toEqual([`kubernetes_config_map_v1.${target.friendlyUniqueId}`]);
  });

  it('keeps the dependencies a resource already had and never makes one depend on itself', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const outer = new Construct(stack, 'outer');
    const own = new ConfigMapV1(stack, 'own', { metadata: { name: 'own' } });
    const map = new ConfigMapV1(outer, 'config', { metadata: { name: 'outer' }, dependsOn: [own] });
    const sibling = new ConfigMapV1(outer, 'sibling', { metadata: { name: 'sibling' } });
    addDependency(map, outer);
    const out = JSON.parse(Testing.synth(stack)) as Synth;
    expect(out.resource.kubernetes_config_map_v1[map.friendlyUniqueId].depends_on).toEqual([
      `kubernetes_config_map_v1.${own.friendlyUniqueId}`,
      `kubernetes_config_map_v1.${sibling.friendlyUniqueId}`,
    ]);
    expect(out.resource.kubernetes_config_map_v1[sibling.friendlyUniqueId].depends_on).toBeUndefined();
  });
});

describe('KubectlProvider', () => {
  it('configures gavinbunney/kubectl to read the given kubeconfig and context', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new KubectlProvider(stack, 'kubectl', { configPath: '/etc/kubeconfig', configContext: 'kind-web' });
    const out = JSON.parse(Testing.synth(stack)) as { provider: Record<string, unknown[]>; terraform: { required_providers: Record<string, unknown> } };
    expect(out.provider.kubectl).toEqual([{ config_path: '/etc/kubeconfig', config_context: 'kind-web', load_config_file: true }]);
    expect(out.terraform.required_providers.kubectl).toEqual({ source: 'gavinbunney/kubectl', version: '1.19.0' });
  });
});
