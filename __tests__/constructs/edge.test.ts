import { EdgeGateway } from '../../constructs/edge/edge-gateway';
import { at, config, manifests, synthScope, type Json } from '../helpers';

function edge(edgeConfig = config('prod').edge) {
  return synthScope(
    (scope) =>
      new EdgeGateway(scope, 'edge', {
        namespace: 'web',
        edge: edgeConfig,
        backend: { serviceName: 'backend', port: 80 },
        frontend: { serviceName: 'frontend', port: 80 },
      }),
  );
}

const byKind = (out: Json, kind: string) => manifests(out, kind);

describe('EdgeGateway', () => {
  const prod = edge();
  const dev = edge(config('dev').edge);

  it('gives Envoy a LoadBalancer Service (ClusterIP in dev) and its replicas', () => {
    expect(at(byKind(prod, 'EnvoyProxy')[0], 'spec', 'provider', 'kubernetes')).toEqual({
      envoyService: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
      envoyDeployment: { replicas: 3 },
      envoyPDB: { minAvailable: 1 },
    });
    expect(at(byKind(dev, 'EnvoyProxy')[0], 'spec', 'provider', 'kubernetes')).toEqual({
      envoyService: { type: 'ClusterIP' },
      envoyDeployment: { replicas: 1 },
    });
  });

  it('binds the Gateway to an Envoy Gateway class and its EnvoyProxy', () => {
    const gateway = byKind(prod, 'Gateway')[0];
    const gatewayClass = byKind(prod, 'GatewayClass')[0];
    expect(at(gatewayClass, 'spec', 'controllerName')).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(at(gateway, 'spec', 'gatewayClassName')).toBe(at(gatewayClass, 'metadata', 'name'));
    const proxy = byKind(prod, 'EnvoyProxy')[0];
    expect(at(gateway, 'spec', 'infrastructure', 'parametersRef')).toEqual({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: at(proxy, 'metadata', 'name') });
    expect(at(proxy, 'metadata', 'namespace')).toBe(at(gateway, 'metadata', 'namespace'));
  });

  it('attaches every route to the Gateway, in its namespace', () => {
    for (const out of [prod, dev]) {
      const gateway = byKind(out, 'Gateway')[0];
      const routes = byKind(out, 'HTTPRoute');
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        expect(at(route, 'metadata', 'namespace')).toBe(at(gateway, 'metadata', 'namespace'));
        for (const ref of at(route, 'spec', 'parentRefs') as Json[]) expect(ref.name).toBe(at(gateway, 'metadata', 'name'));
      }
    }
  });

  it('terminates TLS with the configured certificate and redirects HTTP to HTTPS', () => {
    const listeners = at(byKind(prod, 'Gateway')[0], 'spec', 'listeners') as Json[];
    expect(listeners.map((l) => [l.name, l.port])).toEqual([
      ['http', 80],
      ['https', 443],
    ]);
    expect(at(listeners[1], 'tls', 'certificateRefs')).toEqual([{ kind: 'Secret', name: 'www-example-com-tls' }]);
    const redirect = byKind(prod, 'HTTPRoute').find((r) => at(r, 'metadata', 'name') === 'https-redirect');
    expect(at(redirect, 'spec', 'parentRefs', 0, 'sectionName')).toBe('http');
    expect(at(redirect, 'spec', 'rules', 0, 'filters', 0, 'requestRedirect')).toEqual({ scheme: 'https', statusCode: 301 });
    const web = byKind(prod, 'HTTPRoute').find((r) => at(r, 'metadata', 'name') === 'web');
    expect(at(web, 'spec', 'parentRefs', 0, 'sectionName')).toBe('https');
    expect(at(web, 'spec', 'hostnames')).toEqual(['www.example.com']);
  });

  it('serves plain HTTP for any host without TLS', () => {
    expect((at(byKind(dev, 'Gateway')[0], 'spec', 'listeners') as Json[]).map((l) => l.name)).toEqual(['http']);
    expect(byKind(dev, 'HTTPRoute').map((r) => at(r, 'metadata', 'name'))).toEqual(['web']);
    expect(at(byKind(dev, 'HTTPRoute')[0], 'spec', 'hostnames')).toBeUndefined();
  });

  it('waits for the address unless told not to, a ClusterIP Gateway (dev) too', () => {
    const gatewayResource = (out: Json) =>
      Object.values((out.resource as Record<string, Record<string, Json>>).kubernetes_manifest).find((r) => at(r, 'manifest', 'kind') === 'Gateway');
    // Envoy Gateway gives a ClusterIP Gateway the ClusterIP as its address: without the wait,
    // gateway_address reads "pending" at apply and the next plan changes it.
    for (const out of [prod, dev]) expect(at(gatewayResource(out), 'wait', 'fields')).toEqual({ 'status.addresses[0].value': '^.+$' });
    expect(at(gatewayResource(edge({ ...config('prod').edge, waitForAddress: false })), 'wait')).toBeUndefined();
  });

  it('balances by least request, times out at 30 s, breaks circuits and rate-limits generation', () => {
    const policy = byKind(prod, 'BackendTrafficPolicy')[0];
    expect(at(policy, 'spec')).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }],
      loadBalancer: { type: 'LeastRequest' },
      timeout: { http: { requestTimeout: '30s' }, tcp: { connectTimeout: '10s' } },
      circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxParallelRequests: 1024 },
      rateLimit: {
        type: 'Local',
        local: {
          rules: [
            {
              clientSelectors: [{ path: { type: 'Exact', value: '/api/content/generate' }, methods: [{ value: 'POST' }] }],
              limit: { requests: 10, unit: 'Minute' },
            },
          ],
        },
      },
    });
  });

  it('takes rate limits per route from config, or none', () => {
    const limits = [
      { path: '/api/search', method: 'GET' as const, requestsPerMinute: 120 },
      { path: '/api/upload', method: 'PUT' as const, requestsPerMinute: 5 },
    ];
    const rules = at(byKind(edge({ ...config('prod').edge, rateLimits: limits }), 'BackendTrafficPolicy')[0], 'spec', 'rateLimit', 'local', 'rules') as Json[];
    expect(rules.map((r) => [at(r, 'clientSelectors', 0, 'path', 'value'), at(r, 'limit', 'requests')])).toEqual([
      ['/api/search', 120],
      ['/api/upload', 5],
    ]);
    expect(at(byKind(edge({ ...config('prod').edge, rateLimits: [] }), 'BackendTrafficPolicy')[0], 'spec', 'rateLimit')).toBeUndefined();
  });
});
