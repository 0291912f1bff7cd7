import { Testing } from 'cdktf';
import { AppNamespace } from '../../constructs/guardrails/app-namespace';
import { NetworkPolicies } from '../../constructs/guardrails/network-policies';
import type { EnvironmentConfig } from '../../config/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { at, config, metadataName, resources, synthScope, type Json } from '../helpers';

const prod = config('prod');

describe('AppNamespace', () => {
  const out = synthScope((scope) => new AppNamespace(scope, 'ns', { namespace: prod.namespace }));

  it('enforces the restricted Pod Security Standard', () => {
    const labels = at(resources(out, 'kubernetes_namespace_v1')[0], 'metadata', 'labels') as Json;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('sets the quota and container defaults from config, and forbids NodePorts', () => {
    expect(at(resources(out, 'kubernetes_resource_quota_v1')[0], 'spec', 'hard')).toEqual({
      'requests.cpu': '40',
      'requests.memory': '96Gi',
      'limits.cpu': '80',
      'limits.memory': '160Gi',
      'requests.storage': '500Gi',
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
});

describe('NetworkPolicies', () => {
  const out = synthScope(
    (scope) =>
      new NetworkPolicies(scope, 'np', {
        namespace: 'web',
        flows: [
          { name: 'a-to-b', from: { pods: { app: 'a' } }, to: { pods: { app: 'b' } }, ports: [5432] },
          { name: 'edge-to-a', from: { namespace: 'edge' }, to: { pods: { app: 'a' } }, ports: [8080] },
          { name: 'a-to-api', from: { pods: { app: 'a' } }, to: { cidrs: ['0.0.0.0/0', '::/0'] }, ports: [443] },
          { name: 'dns', from: { pods: {} }, to: { namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } }, ports: [53], protocols: ['UDP', 'TCP'] },
        ],
      }),
  );
  const policies = new Map(resources(out, 'kubernetes_network_policy_v1').map((p) => [metadataName(p), p]));

  it('denies everything by default', () => {
    expect(at(policies.get('default-deny'), 'spec')).toEqual({ pod_selector: {}, policy_types: ['Ingress', 'Egress'] });
  });

  it('opens each flow on both ends that live in the namespace', () => {
    expect([...policies.keys()].sort()).toEqual(['a-to-api-egress', 'a-to-b-egress', 'a-to-b-ingress', 'default-deny', 'dns-egress', 'edge-to-a-ingress']);
    expect(at(policies.get('a-to-b-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'b' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ pod_selector: { match_labels: { app: 'a' } } }], ports: [{ port: '5432', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('a-to-b-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Egress'],
      egress: [{ to: [{ pod_selector: { match_labels: { app: 'b' } } }], ports: [{ port: '5432', protocol: 'TCP' }] }],
    });
    expect(at(policies.get('edge-to-a-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Ingress'],
      ingress: [
        { from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'edge' } } }], ports: [{ port: '8080', protocol: 'TCP' }] },
      ],
    });
    expect(at(policies.get('a-to-api-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: { app: 'a' } },
      policy_types: ['Egress'],
      egress: [{ to: [{ ip_block: { cidr: '0.0.0.0/0' } }, { ip_block: { cidr: '::/0' } }], ports: [{ port: '443', protocol: 'TCP' }] }],
    });
    // From every pod of the namespace, only to kube-dns in kube-system.
    expect(at(policies.get('dns-egress'), 'spec')).toEqual({
      pod_selector: { match_labels: {} },
      policy_types: ['Egress'],
      egress: [
        {
          to: [
            {
              namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              pod_selector: { match_labels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: '53', protocol: 'UDP' },
            { port: '53', protocol: 'TCP' },
          ],
        },
      ],
    });
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
