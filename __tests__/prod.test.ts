/**
 * The values prod's users rely on, as prod synthesizes: whether prod sets them in
 * config/environments.ts or inherits them from a default. Each expected value is written here,
 * from the scaling guide (README "The edge", "Configuration"), so a change to any of them fails
 * a test named for it, not only the snapshot.
 */
import { parse } from 'yaml';
import { prod } from '../config/environments';
import { at, fixture, manifests, metadataName, resources, synthesize, type Json } from './helpers';

const stacks = fixture(() => synthesize(prod));

describe('prod as synthesized', () => {
  let platform: Json;
  let app: Json;
  beforeEach(() => ({ platform, app } = stacks()));

  const trafficPolicy = () => at(manifests(app, 'BackendTrafficPolicy')[0], 'spec') as Json;
  const named = (type: string, name: string) => resources(app, type).find((r) => metadataName(r) === name);
  const container = (tier: string) => at(named('kubernetes_deployment_v1', tier), 'spec', 'template', 'spec', 'container', 0) as Json;
  const autoscaler = (tier: string) => at(named('kubernetes_horizontal_pod_autoscaler_v2', tier), 'spec') as Json;
  const cpuAndMemory = (resources: unknown) =>
    Object.fromEntries(['requests', 'limits'].map((part) => [part, { cpu: at(resources, part, 'cpu'), memory: at(resources, part, 'memory') }]));

  describe('edge', () => {
    it('gives an upstream 30 s to accept a connection and 30 s to answer (the guide\'s proxy_connect_timeout and proxy_read_timeout)', () => {
      expect(trafficPolicy().timeout).toEqual({ tcp: { connectTimeout: '30s' }, http: { requestTimeout: '30s' } });
    });

    it('ejects a backend pod for 60 s after 5 consecutive 5xx (the guide\'s circuit breaker), at most half of them', () => {
      expect(trafficPolicy().healthCheck).toEqual({ passive: { consecutive5XxErrors: 5, baseEjectionTime: '60s', maxEjectionPercent: 50 } });
    });

    it('sends each request to the pod with the fewest in flight (the guide\'s least_conn)', () => {
      expect(trafficPolicy().loadBalancer).toEqual({ type: 'LeastRequest' });
    });

    it('limits content generation to 10 POSTs a minute for each client address, IPv4 and IPv6', () => {
      const rule = (cidr: string) => ({
        clientSelectors: [
          {
            methods: [{ value: 'POST' }],
            path: { type: 'RegularExpression', value: '^/api/content/generate(\\?.*)?$' },
            sourceCIDR: { type: 'Distinct', value: cidr },
          },
        ],
        limit: { requests: 10, unit: 'Minute' },
      });
      expect(trafficPolicy().rateLimit).toEqual({ global: { rules: [rule('0.0.0.0/0'), rule('::/0')] } });
    });

    it('counts those limits once across its 3 proxies, in the Valkey the platform runs for Envoy Gateway', () => {
      expect(at(manifests(app, 'EnvoyProxy')[0], 'spec', 'provider', 'kubernetes', 'envoyDeployment', 'replicas')).toBe(3);
      const release = resources(platform, 'helm_release').find((r) => r.name === 'envoy-gateway');
      const values = parse((release?.values as string[])[0]) as Json;
      expect(at(values, 'config', 'envoyGateway', 'rateLimit', 'backend')).toEqual({ type: 'Redis', redis: { url: 'ratelimit-valkey.envoy-gateway-system.svc:6379' } });
      expect(resources(platform, 'kubernetes_deployment_v1').map(metadataName)).toEqual(['ratelimit-valkey']);
    });
  });

  describe('web tiers', () => {
    it('runs the backend at 5 to 20 replicas, each requesting 1 CPU and 2Gi and limited to 2 CPU and 4Gi', () => {
      expect(at(named('kubernetes_deployment_v1', 'backend'), 'spec', 'replicas')).toBe('5');
      expect([autoscaler('backend').min_replicas, autoscaler('backend').max_replicas]).toEqual([5, 20]);
      expect(cpuAndMemory(container('backend').resources)).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    });

    it('runs the frontend at 2 to 6 replicas, each requesting 500m CPU and 1Gi and limited to 1 CPU and 2Gi', () => {
      expect(at(named('kubernetes_deployment_v1', 'frontend'), 'spec', 'replicas')).toBe('2');
      expect([autoscaler('frontend').min_replicas, autoscaler('frontend').max_replicas]).toEqual([2, 6]);
      expect(cpuAndMemory(container('frontend').resources)).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    });

    it.each(['backend', 'frontend'])('scales the %s on 70 % average CPU and 80 % memory of requests', (tier) => {
      const target = (name: string, utilization: number) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', average_utilization: utilization } } });
      expect(autoscaler(tier).metric).toEqual([target('cpu', 70), target('memory', 80)]);
    });

    it.each(['backend', 'frontend'])('scales the %s up at once by 4 pods or 100 % a minute, and down after 5 min by 1 pod or 10 % a minute', (tier) => {
      const rule = (window: number, pods: number, percent: number) => ({
        stabilization_window_seconds: window,
        select_policy: 'Max',
        policy: [
          { type: 'Pods', value: pods, period_seconds: 60 },
          { type: 'Percent', value: percent, period_seconds: 60 },
        ],
      });
      expect(autoscaler(tier).behavior).toEqual({ scale_up: [rule(0, 4, 100)], scale_down: [rule(300, 1, 10)] });
    });

    it('keeps 4 backend pods and 1 frontend pod through a voluntary disruption', () => {
      const minAvailable = (name: string) => at(named('kubernetes_pod_disruption_budget_v1', name), 'spec', 'min_available');
      expect([minAvailable('backend'), minAvailable('frontend')]).toEqual(['4', '1']);
    });

    it('gives each backend process a pool of 20 connections and 30 overflow, one process per pod', () => {
      const env = new Map((container('backend').env as Json[]).map((e) => [e.name, e.value]));
      expect(['DB_POOL_SIZE', 'DB_MAX_OVERFLOW', 'WEB_CONCURRENCY'].map((name) => env.get(name))).toEqual(['20', '30', '1']);
    });
  });

  describe('database', () => {
    it('runs a primary and 2 read replicas with 2 CPU and 8Gi requested, 4 CPU and 8Gi limited, 100Gi each, 400 connections', () => {
      const spec = at(manifests(app, 'Cluster')[0], 'spec') as Json;
      expect(spec.instances).toBe(3);
      expect(cpuAndMemory(spec.resources)).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } });
      expect(spec.storage).toEqual({ size: '100Gi' });
      expect(at(spec, 'postgresql', 'parameters', 'max_connections')).toBe('400');
    });

    it.each(['rw', 'ro'])('pools %s connections in 2 PgBouncers, 90 server connections and 1000 clients each, per transaction', (type) => {
      const pooler = manifests(app, 'Pooler').find((p) => at(p, 'spec', 'type') === type);
      expect(at(pooler, 'spec', 'instances')).toBe(2);
      expect(at(pooler, 'spec', 'pgbouncer')).toEqual({ poolMode: 'transaction', parameters: { default_pool_size: '90', max_client_conn: '1000' } });
    });
  });
});
