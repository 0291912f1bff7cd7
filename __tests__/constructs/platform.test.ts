import { parse } from 'yaml';
import { Testing } from 'cdktf';
import { AppNamespace } from '../../constructs/guardrails/app-namespace';
import { NetworkPolicies } from '../../constructs/guardrails/network-policies';
import { AlertRules } from '../../constructs/monitoring/alert-rules';
import { AppDashboard } from '../../constructs/monitoring/app-dashboard';
import { PrometheusStack } from '../../constructs/monitoring/prometheus-stack';
import type { EnvironmentConfig } from '../../config/schema';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { at, config, manifests, metadataName, resources, synthScope, type Json } from '../helpers';

const prod = config('prod');

function prometheusValues(monitoring = prod.monitoring): Json {
  const out = synthScope((scope) => new PrometheusStack(scope, 'p', { monitoring }));
  return parse((resources(out, 'helm_release')[0].values as string[])[0]) as Json;
}

describe('PrometheusStack', () => {
  it('selects monitors and rules from every namespace', () => {
    expect(at(prometheusValues(), 'prometheus', 'prometheusSpec')).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      retention: '15d',
    });
  });

  it('reads the Alertmanager webhook URL from a mounted Secret', () => {
    const alertmanager = at(prometheusValues(), 'alertmanager') as Json;
    expect(at(alertmanager, 'alertmanagerSpec', 'secrets')).toEqual(['alertmanager-webhook']);
    expect(at(alertmanager, 'config', 'receivers', 0, 'webhook_configs', 0, 'url_file')).toBe('/etc/alertmanager/secrets/alertmanager-webhook/url');
  });

  it('drops the chart\'s default Grafana password and can use an existing Secret', () => {
    expect(at(prometheusValues(), 'grafana', 'adminPassword')).toBeNull();
    const values = prometheusValues({ ...prod.monitoring, grafana: { enabled: true, adminSecretName: 'grafana-admin' } });
    expect(at(values, 'grafana', 'admin', 'existingSecret')).toBe('grafana-admin');
  });
});

describe('AlertRules', () => {
  const out = synthScope((scope) => new AlertRules(scope, 'a', { namespace: 'web', alerts: prod.monitoring.alerts, backendJob: 'backend', databaseCluster: 'postgres' }));
  const rules = (at(manifests(out, 'PrometheusRule')[0], 'spec', 'groups') as Json[]).flatMap((g) => g.rules as Json[]);

  it('covers errors, latency, scaling, readiness, replication and the cache', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'BackendHighErrorRatio',
      'BackendHighLatencyP99',
      'HpaAtMaxReplicas',
      'PodsNotReady',
      'PostgresReplicationLag',
      'PostgresNoPrimary',
      'CacheNearMaxmemory',
      'CacheEvicting',
    ]);
    for (const r of rules) expect(String(r.expr)).toContain('namespace="web"');
  });

  it('uses the configured thresholds', () => {
    const expr = (name: string) => String(rules.find((r) => r.alert === name)?.expr);
    expect(expr('BackendHighErrorRatio')).toMatch(/> 0\.05$/);
    expect(expr('PostgresReplicationLag')).toBe('max by (pod) (cnpg_pg_replication_lag{namespace="web", pod=~"postgres-[0-9]+"}) > 1');
    expect(expr('CacheNearMaxmemory')).toMatch(/> 0\.9$/);
  });
});

describe('AppDashboard', () => {
  it('is a ConfigMap that Grafana loads, with valid dashboard JSON', () => {
    const out = synthScope((scope) => new AppDashboard(scope, 'd', { namespace: 'web', title: 'Web', backendJob: 'backend', databaseCluster: 'postgres' }));
    const map = resources(out, 'kubernetes_config_map_v1')[0];
    expect(at(map, 'metadata', 'labels', 'grafana_dashboard')).toBe('1');
    const dashboard = JSON.parse(at(map, 'data', 'web-topology.json') as string) as Json;
    expect((dashboard.panels as Json[]).length).toBe(8);
  });
});

describe('AppNamespace', () => {
  const out = synthScope((scope) => new AppNamespace(scope, 'ns', { namespace: prod.namespace }));

  it('enforces the restricted Pod Security Standard', () => {
    const labels = at(resources(out, 'kubernetes_namespace_v1')[0], 'metadata', 'labels') as Json;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('sets the quota and container defaults from config, and forbids NodePorts', () => {
    expect(at(resources(out, 'kubernetes_resource_quota_v1')[0], 'spec', 'hard')).toMatchObject({
      'requests.cpu': '40',
      'limits.memory': '160Gi',
      'services.nodeports': '0',
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
    expect(at(policies.get('a-to-b-ingress'), 'spec', 'ingress', 0)).toEqual({
      from: [{ pod_selector: { match_labels: { app: 'a' } } }],
      ports: [{ port: '5432', protocol: 'TCP' }],
    });
    expect(at(policies.get('edge-to-a-ingress'), 'spec', 'ingress', 0, 'from')).toEqual([
      { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'edge' } } },
    ]);
    expect(at(policies.get('a-to-api-egress'), 'spec', 'egress', 0, 'to')).toEqual([{ ip_block: { cidr: '0.0.0.0/0' } }, { ip_block: { cidr: '::/0' } }]);
    expect(at(policies.get('dns-egress'), 'spec', 'egress', 0, 'ports')).toEqual([
      { port: '53', protocol: 'UDP' },
      { port: '53', protocol: 'TCP' },
    ]);
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

  it('writes S3 state per stack with native locking', () => {
    expect(backend({ backend: 's3', bucket: 'tf-state', keyPrefix: 'web', region: 'eu-west-1', encrypt: true, useLockfile: true })).toEqual({
      s3: { bucket: 'tf-state', key: 'web/prod-app.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('writes Kubernetes Secret state per stack', () => {
    expect(backend({ backend: 'kubernetes', namespace: 'kube-system', secretSuffixPrefix: 'web' })).toEqual({
      kubernetes: { secret_suffix: 'web-prod-app', namespace: 'kube-system', config_path: '~/.kube/config', config_context: 'prod' },
    });
  });
});
