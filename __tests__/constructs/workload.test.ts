import type { Construct } from 'constructs';
import { PropError } from '../../constructs/core/validation';
import { namespacePeer } from '../../constructs/guardrails/connections';
import { Autoscaler } from '../../constructs/workload/autoscaler';
import { DisruptionBudget } from '../../constructs/workload/disruption-budget';
import { HOST, spreadConstraint, spreadOver, ZONE } from '../../constructs/workload/topology-spread';
import { WebService, type WebServiceProps } from '../../constructs/workload/web-service';
import { at, DIGEST, firstDeployment, fixture, manifests, metadataName, networkPolicies, resources, synthScope, type Json } from '../helpers';
import { refusalOf } from '../refusal';

const prometheus = namespacePeer('prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' });

const props: WebServiceProps = {
  name: 'api',
  namespace: 'web',
  image: 'registry.example.com/api:1.0.0',
  replicas: { min: 3, max: 6 },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  metrics: { port: 9090, scrapedBy: prometheus },
  disruptionBudget: { minAvailable: 2 },
  zoneSpread: 'required',
  env: [{ name: 'EXTRA', value: '1' }],
};

function webService(overrides: Partial<WebServiceProps> = {}) {
  return synthScope((scope) => new WebService(scope, 'web', { ...props, ...overrides }));
}

const containerOf = (out: Json) => at(resources(out, 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec', 'container', 0) as Json;

describe('WebService', () => {
  const service = fixture(() => webService());
  let out: Json;
  let deployment: Json;
  let pod: Json;
  let container: Json;
  beforeEach(() => {
    out = service();
    ({ deployment, pod, container } = firstDeployment(out));
  });

  it('rolls out without losing capacity', () => {
    expect(at(deployment, 'spec', 'strategy')).toEqual({ type: 'RollingUpdate', rolling_update: { max_surge: '25%', max_unavailable: '0' } });
  });

  it('names its ports http and metrics, and the Service forwards both', () => {
    expect(container.port).toEqual([
      { name: 'http', container_port: 8080 },
      { name: 'metrics', container_port: 9090 },
    ]);
    const service = resources(out, 'kubernetes_service_v1')[0];
    expect(at(service, 'spec', 'type')).toBe('ClusterIP');
    expect(at(service, 'spec', 'port')).toEqual([
      { name: 'http', port: 80, target_port: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, target_port: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('has no metrics port, monitor or scrape flow when it serves no metrics', () => {
    const plain = webService({ metrics: undefined });
    expect((at(containerOf(plain), 'port') as Json[]).map((p) => p.name)).toEqual(['http']);
    expect(at(resources(plain, 'kubernetes_service_v1')[0], 'spec', 'port')).toEqual([{ name: 'http', port: 80, target_port: 'http', protocol: 'TCP' }]);
    expect(manifests(plain, 'ServiceMonitor')).toEqual([]);
    expect(networkPolicies(plain).has('prometheus-to-api-ingress')).toBe(false);
  });

  it('makes its own ServiceMonitor for the metrics port, on its Service', () => {
    const monitor = manifests(out, 'ServiceMonitor')[0];
    expect(at(monitor, 'metadata', 'name')).toBe('api');
    expect(at(monitor, 'spec', 'selector', 'matchLabels')).toEqual(at(deployment, 'spec', 'selector', 'match_labels'));
    expect(at(monitor, 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const custom = manifests(webService({ metrics: { port: 9100, path: '/stats', scrapedBy: prometheus } }), 'ServiceMonitor')[0];
    expect(at(custom, 'spec', 'endpoints', 0, 'path')).toBe('/stats');
  });

  it('lets Prometheus in on the metrics port only', () => {
    expect(at(networkPolicies(out).get('prometheus-to-api-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: at(deployment, 'spec', 'selector', 'match_labels') },
      policy_types: ['Ingress'],
      ingress: [
        {
          from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'monitoring' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'prometheus' } } }],
          ports: [{ port: '9090', protocol: 'TCP' }],
        },
      ],
    });
  });

  it('is ready on /health but alive as long as its port answers, so a dependency outage restarts nothing', () => {
    const timing = (periodSeconds: number, failureThreshold: number) => ({ period_seconds: periodSeconds, failure_threshold: failureThreshold, timeout_seconds: 2 });
    const tcp = { tcp_socket: [{ port: 'http' }] };
    expect(at(container, 'startup_probe')).toEqual({ ...tcp, ...timing(2, 30) });
    expect(at(container, 'readiness_probe')).toEqual({ http_get: { path: '/health', port: 'http' }, ...timing(5, 3) });
    expect(at(container, 'liveness_probe')).toEqual({ ...tcp, ...timing(10, 3) });
  });

  it('probes liveness on its own path when given one, readiness on the configured path', () => {
    const c = containerOf(webService({ livenessPath: '/live', readinessPath: '/ready' }));
    expect(at(c, 'liveness_probe', 'http_get')).toEqual({ path: '/live', port: 'http' });
    expect(at(c, 'startup_probe', 'http_get')).toEqual({ path: '/live', port: 'http' });
    expect(at(c, 'readiness_probe', 'http_get')).toEqual({ path: '/ready', port: 'http' });
  });

  it('sizes the container, ephemeral storage included', () => {
    expect(container.resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
      limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '2Gi' },
    });
    const sized = containerOf(webService({ ephemeralStorage: { request: '1Gi', limit: '4Gi' } }));
    expect(at(sized, 'resources', 'limits', 'ephemeral-storage')).toBe('4Gi');
  });

  it('runs as non-root with a read-only root and a writable /tmp', () => {
    expect(at(container, 'volume_mount')).toEqual([{ name: 'tmp', mount_path: '/tmp' }]);
    expect(at(pod, 'volume')).toEqual([{ name: 'tmp', empty_dir: { size_limit: '1Gi' } }]);
    expect(at(pod, 'security_context', 'run_as_user')).toBe('10001');
  });

  it('meets the restricted Pod Security profile, in the pod and in the container', () => {
    expect(at(pod, 'security_context')).toEqual({
      run_as_non_root: true,
      run_as_user: '10001',
      run_as_group: '10001',
      fs_group: '10001',
      seccomp_profile: { type: 'RuntimeDefault' },
    });
    expect(at(container, 'security_context')).toEqual({
      run_as_non_root: true,
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccomp_profile: { type: 'RuntimeDefault' },
    });
    // No Service variables in its environment.
    expect(pod.enable_service_links).toBe(false);
  });

  it('pulls an image pinned by a tag at every start, one pinned by a digest only when the node lacks it', () => {
    expect(container.image_pull_policy).toBe('Always');
    expect(containerOf(webService({ image: `registry.example.com/api:1.0.0@${DIGEST}` })).image_pull_policy).toBe('IfNotPresent');
  });

  it('leaves the replica count to its HPA, so a deploy does not scale it back', () => {
    expect(at(deployment, 'lifecycle', 'ignore_changes')).toEqual(['spec[0].replicas']);
  });

  it('labels every object as its own, and its Service and HPA point at its pods and Deployment', () => {
    const types = ['kubernetes_deployment_v1', 'kubernetes_service_v1', 'kubernetes_horizontal_pod_autoscaler_v2', 'kubernetes_pod_disruption_budget_v1'];
    expect(types.map((t) => at(resources(out, t)[0], 'metadata', 'labels', 'app.kubernetes.io/name'))).toEqual(['api', 'api', 'api', 'api']);
    const service = resources(out, 'kubernetes_service_v1')[0];
    expect([at(service, 'spec', 'type'), at(service, 'spec', 'selector')]).toEqual(['ClusterIP', at(deployment, 'spec', 'selector', 'match_labels')]);
    const hpa = resources(out, 'kubernetes_horizontal_pod_autoscaler_v2')[0];
    expect(at(hpa, 'spec', 'scale_target_ref')).toEqual({ api_version: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect((at(hpa, 'spec', 'metric') as Json[]).map((m) => [m.type, at(m, 'resource', 'target', 'type')])).toEqual([
      ['Resource', 'Utilization'],
      ['Resource', 'Utilization'],
    ]);
  });

  it('has its own ServiceAccount without an API token', () => {
    const account = resources(out, 'kubernetes_service_account_v1')[0];
    expect(account.automount_service_account_token).toBe(false);
    expect(pod.service_account_name).toBe(metadataName(account));
    expect(pod.automount_service_account_token).toBe(false);
  });

  it('spreads over zones (hard when required) and hosts', () => {
    const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
      label_selector: [{ match_labels: at(deployment, 'spec', 'selector', 'match_labels') }],
      match_label_keys: ['pod-template-hash'],
      max_skew: 1,
      topology_key: topologyKey,
      when_unsatisfiable: whenUnsatisfiable,
    });
    expect(pod.topology_spread_constraint).toEqual([constraint('topology.kubernetes.io/zone', 'DoNotSchedule'), constraint('kubernetes.io/hostname', 'ScheduleAnyway')]);
    const preferred = at(resources(webService({ zoneSpread: undefined }), 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec') as Json;
    expect(at(preferred, 'topology_spread_constraint', 0, 'when_unsatisfiable')).toBe('ScheduleAnyway');
  });

  it('passes its variables in order, Secret references as references', () => {
    const env = [
      { name: 'API_KEY', secretKeyRef: { secretName: 'api', key: 'key' } },
      { name: 'URL', value: 'http://x/$(API_KEY)' },
    ];
    expect(at(containerOf(webService({ env })), 'env')).toEqual([
      { name: 'API_KEY', value_from: { secret_key_ref: { name: 'api', key: 'key' } } },
      { name: 'URL', value: 'http://x/$(API_KEY)' },
    ]);
  });

  it('scales on CPU and memory with explicit behaviour', () => {
    const hpa = resources(out, 'kubernetes_horizontal_pod_autoscaler_v2')[0];
    expect(at(hpa, 'spec', 'min_replicas')).toBe(3);
    expect(at(hpa, 'spec', 'max_replicas')).toBe(6);
    expect((at(hpa, 'spec', 'metric') as Json[]).map((m) => [at(m, 'resource', 'name'), at(m, 'resource', 'target', 'average_utilization')])).toEqual([
      ['cpu', 70],
      ['memory', 80],
    ]);
    const rule = (stabilizationWindowSeconds: number, pods: number, percent: number) => ({
      select_policy: 'Max',
      stabilization_window_seconds: stabilizationWindowSeconds,
      policy: [
        { type: 'Pods', value: pods, period_seconds: 60 },
        { type: 'Percent', value: percent, period_seconds: 60 },
      ],
    });
    expect(at(hpa, 'spec', 'behavior')).toEqual({ scale_up: [rule(0, 4, 100)], scale_down: [rule(300, 1, 10)] });
    expect(hpa.depends_on).toEqual([`kubernetes_deployment_v1.${deployment.__name}`]);
    const targeted = resources(webService({ autoscaling: { cpuUtilization: 150 } }), 'kubernetes_horizontal_pod_autoscaler_v2')[0];
    expect(at(targeted, 'spec', 'metric', 0, 'resource', 'target', 'average_utilization')).toBe(150);
  });

  it('protects the tier with a PDB only when asked', () => {
    const pdb = resources(out, 'kubernetes_pod_disruption_budget_v1')[0];
    expect(at(pdb, 'spec', 'min_available')).toBe('2');
    expect(at(pdb, 'spec', 'selector', 'match_labels')).toEqual(at(deployment, 'spec', 'selector', 'match_labels'));
    expect(resources(webService({ disruptionBudget: undefined }), 'kubernetes_pod_disruption_budget_v1')).toEqual([]);
  });

  it('exposes where it is reached', () => {
    let web: WebService | undefined;
    synthScope((scope) => (web = new WebService(scope, 'web', props)));
    expect({ host: web?.host, url: web?.url, port: web?.containerPort, service: web?.serviceName }).toEqual({
      host: 'api.web.svc',
      url: 'http://api.web.svc:80',
      port: 8080,
      service: 'api',
    });
  });

  it('admits a client on its http port through its connections', () => {
    const policies = networkPolicies(
      synthScope((scope: Construct) => {
        const api = new WebService(scope, 'api', props);
        const client = new WebService(scope, 'client', { ...props, name: 'client' });
        api.connections.allowDefaultPortFrom(client);
      }),
    );
    expect(at(policies.get('client-to-api-ingress'), 'spec', 'ingress', 0, 'ports')).toEqual([{ port: '8080', protocol: 'TCP' }]);
    expect(at(policies.get('client-to-api-egress'), 'spec', 'egress', 0, 'to')).toEqual([{ pod_selector: { match_labels: { 'app.kubernetes.io/name': 'api' } } }]);
  });
});

describe('WebService props', () => {
  it.each([
    ['replicas above the maximum', { replicas: { min: 5, max: 2 } }, `: 'replicas.min' (5) must be less than or equal to 'replicas.max' (2)`],
    ['no replicas', { replicas: { min: 0, max: 2 } }, `: 'replicas.min' (0) must be a whole number of replicas from 1 to 2147483647`],
    ['a CPU that is not a quantity', { resources: { requests: { cpu: 'lots', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }, `: 'resources.requests.cpu' ("lots") must be a positive Kubernetes quantity`],
    ['requests above limits', { resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }, `: 'resources.requests.cpu' ("2") must be less than or equal to 'resources.limits.cpu' ("1")`],
    ['ephemeral storage request above its limit', { ephemeralStorage: { request: '3Gi', limit: '1Gi' } }, `: 'ephemeralStorage.request' ("3Gi") must be less than or equal to 'ephemeralStorage.limit' ("1Gi")`],
    ['an unpinned image', { image: 'nginx' }, `: 'image' ("nginx") must be pinned with a tag or a digest`],
    ['a privileged port', { port: 80 }, `: 'port' (80) must be a whole number from 1024 to 65535`],
    ['metrics on the http port', { metrics: { port: 8080, scrapedBy: prometheus } }, `: 'metrics.port' (8080) must differ from 'port' (8080)`],
    ['a relative liveness path', { livenessPath: 'live' }, `: 'livenessPath' ("live") must be an absolute path starting with "/"`],
    ['a PDB that blocks drains', { disruptionBudget: { minAvailable: 3 } }, `: 'disruptionBudget.minAvailable' (3) must be less than 'replicas.min' (3)`],
    ['a name that is not a DNS label', { name: 'Backend_API' }, `: 'name' ("Backend_API") must be a DNS-1123 label`],
    ['a utilization target of 0', { autoscaling: { cpuUtilization: 0 } }, `/autoscaler: 'cpuUtilization' (0) must be a whole number of percent from 1 to 1000`],
    ['a memory target above 1000 %', { autoscaling: { memoryUtilization: 1001 } }, `/autoscaler: 'memoryUtilization' (1001) must be a whole number of percent from 1 to 1000`],
    ['a maximum of no replicas', { replicas: { min: 1, max: 0 } }, `: 'replicas.max' (0) must be a whole number of replicas from 1 to 2147483647`],
    ['a scale-up window over an hour', { autoscaling: { scaleUp: { ...{ stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 }, stabilizationWindowSeconds: 3601 } } }, `/autoscaler: 'scaleUp.stabilizationWindowSeconds' (3601) must be a whole number of seconds from 0 to 3600`],
    ['a scale-up step of no pods', { autoscaling: { scaleUp: { ...{ stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 }, pods: 0 } } }, `/autoscaler: 'scaleUp.pods' (0) must be a whole number of pods from 1 to 2147483647`],
    ['a scale-down step of no percent', { autoscaling: { scaleDown: { ...{ stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 }, percent: 0 } } }, `/autoscaler: 'scaleDown.percent' (0) must be a whole number of percent from 1 to 1000`],
    ['a scale-down period over 30 minutes', { autoscaling: { scaleDown: { ...{ stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 }, periodSeconds: 1801 } } }, `/autoscaler: 'scaleDown.periodSeconds' (1801) must be a whole number of seconds from 1 to 1800`],
    ['a metrics port below 1024', { metrics: { port: 80, scrapedBy: prometheus } }, `: 'metrics.port' (80) must be a whole number from 1024 to 65535`],
    ['a Service port above 65535', { servicePort: 65536 }, `: 'servicePort' (65536) must be a whole number from 1 to 65535`],
    ['a PDB of no pods', { disruptionBudget: { minAvailable: 0 } }, `: 'disruptionBudget.minAvailable' (0) must be a whole number of pods from 1 to 2147483647`],
  ] as [string, Partial<WebServiceProps>, string][])('refuses %s, naming the construct path', (_, overrides, message) => {
    expect(() => webService(overrides)).toThrow(`/web${message}`);
  });
});

describe('the parts of a web service, used alone', () => {
  const refusal = (build: (scope: Construct) => unknown) => refusalOf(() => synthScope(build), PropError);

  it('Autoscaler refuses a replica range upside down, naming its prop', () => {
    expect(refusal((scope) => new Autoscaler(scope, 'hpa', { namespace: 'web', deploymentName: 'api', replicas: { min: 5, max: 2 } }))).toContain(
      "/hpa: 'replicas.min' (5) must be less than or equal to 'replicas.max' (2)",
    );
  });

  it('DisruptionBudget refuses a bad name and a minimum below one pod, naming each prop', () => {
    const budget = { namespace: 'web', selector: { app: 'api' } };
    expect(refusal((scope) => new DisruptionBudget(scope, 'pdb', { ...budget, name: 'API', minAvailable: 1 }))).toContain("/pdb: 'name' (\"API\")");
    expect(refusal((scope) => new DisruptionBudget(scope, 'pdb', { ...budget, name: 'api', minAvailable: 0 }))).toContain("/pdb: 'minAvailable' (0) must be a whole number of pods from 1 to 2147483647");
  });

  it('spreads by every pod of the selector unless told to count only the rolling ReplicaSet', () => {
    expect(spreadConstraint(ZONE, 'DoNotSchedule', { app: 'api' })).toEqual({
      maxSkew: 1,
      topologyKey: ZONE,
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'api' } },
    });
    expect(spreadOver(HOST, 'ScheduleAnyway', { app: 'api' })).toEqual({
      maxSkew: 1,
      topologyKey: HOST,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: [{ matchLabels: { app: 'api' } }],
    });
    expect(spreadOver(HOST, 'ScheduleAnyway', { app: 'api' }, true).matchLabelKeys).toEqual(['pod-template-hash']);
  });
});
