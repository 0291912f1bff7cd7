import { WebService } from '../../constructs/workload/web-service';
import { at, config, metadataName, resources, synthScope, type Json } from '../helpers';

const prod = config('prod');
const dev = config('dev');

function webService(tier = prod.backend, env = [{ name: 'EXTRA', value: '1' }]) {
  return synthScope((scope) => new WebService(scope, 'web', { name: 'backend', namespace: 'web', tier, env }));
}

describe('WebService', () => {
  const out = webService();
  const deployment = resources(out, 'kubernetes_deployment_v1')[0];
  const pod = at(deployment, 'spec', 'template', 'spec') as Json;
  const container = at(pod, 'container', 0) as Json;

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
    // Port 80 is what the edge routes and the other tiers' URLs use (the construct's servicePort).
    expect(at(service, 'spec', 'port')).toEqual([
      { name: 'http', port: 80, target_port: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, target_port: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('has no metrics port when the tier serves none', () => {
    const frontend = webService(prod.frontend);
    expect((at(resources(frontend, 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'port') as Json[]).map((p) => p.name)).toEqual(['http']);
    expect(at(resources(frontend, 'kubernetes_service_v1')[0], 'spec', 'port')).toEqual([{ name: 'http', port: 80, target_port: 'http', protocol: 'TCP' }]);
  });

  it('probes /health: a minute to start, then readiness every 5 s and liveness every 10 s', () => {
    const probe = (periodSeconds: number, failureThreshold: number) => ({
      http_get: { path: '/health', port: 'http' },
      period_seconds: periodSeconds,
      failure_threshold: failureThreshold,
      timeout_seconds: 2,
    });
    expect(at(container, 'startup_probe')).toEqual(probe(2, 30));
    expect(at(container, 'readiness_probe')).toEqual(probe(5, 3));
    expect(at(container, 'liveness_probe')).toEqual(probe(10, 3));
  });

  it('sizes the container from the tier', () => {
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  });

  it('runs as non-root with a read-only root and a writable /tmp', () => {
    expect(at(container, 'volume_mount')).toEqual([{ name: 'tmp', mount_path: '/tmp' }]);
    expect(at(pod, 'volume')).toEqual([{ name: 'tmp', empty_dir: { size_limit: '1Gi' } }]);
    expect(at(pod, 'security_context', 'run_as_user')).toBe('10001');
  });

  it('has its own ServiceAccount without an API token', () => {
    const account = resources(out, 'kubernetes_service_account_v1')[0];
    expect(account.automount_service_account_token).toBe(false);
    expect(pod.service_account_name).toBe(metadataName(account));
    expect(pod.automount_service_account_token).toBe(false);
  });

  it('spreads over zones (hard in prod) and hosts', () => {
    const spread = pod.topology_spread_constraint as Json[];
    // Counted per ReplicaSet (pod-template-hash), so a rollout's new pods spread by themselves.
    const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
      label_selector: [{ match_labels: at(deployment, 'spec', 'selector', 'match_labels') }],
      match_label_keys: ['pod-template-hash'],
      max_skew: 1,
      topology_key: topologyKey,
      when_unsatisfiable: whenUnsatisfiable,
    });
    expect(spread).toEqual([constraint('topology.kubernetes.io/zone', 'DoNotSchedule'), constraint('kubernetes.io/hostname', 'ScheduleAnyway')]);
    const devPod = at(resources(webService(dev.backend), 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec') as Json;
    expect(at(devPod, 'topology_spread_constraint', 0, 'when_unsatisfiable')).toBe('ScheduleAnyway');
  });

  it('puts secret references first, then stack variables, then plain variables', () => {
    const tier = { ...prod.backend, env: { LOG_LEVEL: 'info' }, secretEnv: { API_KEY: { secretName: 'api', key: 'key' } } };
    const env = at(resources(webService(tier), 'kubernetes_deployment_v1')[0], 'spec', 'template', 'spec', 'container', 0, 'env') as Json[];
    expect(env).toEqual([
      { name: 'API_KEY', value_from: { secret_key_ref: { name: 'api', key: 'key' } } },
      { name: 'EXTRA', value: '1' },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
  });

  it('scales on CPU and memory with explicit behaviour', () => {
    const hpa = resources(out, 'kubernetes_horizontal_pod_autoscaler_v2')[0];
    expect(at(hpa, 'spec', 'min_replicas')).toBe(5);
    expect(at(hpa, 'spec', 'max_replicas')).toBe(20);
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
  });

  it('protects the tier with a PDB only when configured', () => {
    const pdb = resources(out, 'kubernetes_pod_disruption_budget_v1')[0];
    expect(at(pdb, 'spec', 'min_available')).toBe('4');
    expect(at(pdb, 'spec', 'selector', 'match_labels')).toEqual(at(deployment, 'spec', 'selector', 'match_labels'));
    expect(resources(webService(dev.backend), 'kubernetes_pod_disruption_budget_v1')).toEqual([]);
  });
});
