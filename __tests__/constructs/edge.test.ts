import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Testing, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { ConfigError, loadEnvironment } from '../../config/load';
import { dev, prod } from '../../config/environments';
import { PropError } from '../../constructs/core/validation';
import { EdgeGateway, type EdgeGatewayProps, type IRouteTarget } from '../../constructs/edge/edge-gateway';
import { RateLimitStore } from '../../constructs/edge/rate-limit-store';
import { pathWithAnyQuery, TrafficPolicy, type TrafficPolicyProps } from '../../constructs/edge/traffic-policy';
import { Connections } from '../../constructs/guardrails/connections';
import { at, customResource, DIGEST, firstDeployment, fixture, manifests, networkPolicies, resources, synthesize, synthScope, withValue, type Json } from '../helpers';
import { refusalOf } from '../refusal';

const BASE = { namespace: 'web', envoyGatewayNamespace: 'envoy-gateway-system' };
/** The labels Envoy Gateway 1.9.1 puts on the proxy pods of Gateway `name` in `namespace`. */
const ENVOY_PROXY_OF = (name: string, namespace: string) => ({
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
  'app.kubernetes.io/name': 'envoy',
  'gateway.envoyproxy.io/owning-gateway-name': name,
  'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
});

/** A Service whose pods listen on `containerPort`, as a route's target. */
class Target extends Construct implements IRouteTarget {
  readonly connections: Connections;
  constructor(
    scope: Construct,
    readonly serviceName: string,
    readonly servicePort: number,
    containerPort = 8000,
  ) {
    super(scope, `target-${serviceName}`);
    const pods = { app: serviceName };
    new ServiceV1(this, 'service', { metadata: { name: serviceName, namespace: 'web' }, spec: { selector: pods, port: [{ port: servicePort, targetPort: String(containerPort) }] } });
    this.connections = new Connections(this, { namespace: 'web', peer: { name: serviceName, selector: { pods } }, defaultPorts: [containerPort] });
  }
}

/** An edge sending /api to the Service "api" and / to "site". */
function edgeIn(scope: Construct, props: Partial<EdgeGatewayProps> = {}): EdgeGateway {
  const gateway = new EdgeGateway(scope, 'edge', { ...BASE, ...props });
  gateway.addRoute({ path: '/api', target: new Target(scope, 'api', 80) });
  gateway.addRoute({ path: '/', target: new Target(scope, 'site', 8080, 3000) });
  return gateway;
}

function edge(props: Partial<EdgeGatewayProps> = {}): Json {
  return synthScope((scope) => edgeIn(scope, props));
}

const newScope = () => new TerraformStack(Testing.app(), 'stack');
const byKind = (out: Json, kind: string) => manifests(out, kind);
const only = (out: Json, kind: string) => {
  const all = byKind(out, kind);
  expect(all).toHaveLength(1);
  return all[0];
};
const policySpec = (props: Partial<TrafficPolicyProps> = {}) =>
  at(only(synthScope((scope) => new TrafficPolicy(scope, 'policy', { namespace: 'web', routeName: 'web', ...props })), 'BackendTrafficPolicy'), 'spec') as Json;

/** The message of the PropError synth stops with, or undefined if it does not. */
const synthError = (build: () => unknown) => refusalOf(build, PropError);

describe('EdgeGateway', () => {
  const sharedTls = fixture(() => edge({ hostnames: ['www.example.com'], tls: { certificateSecretName: 'www-tls' }, proxyReplicas: 3 }));
  const sharedPlain = fixture(() => edge({ serviceType: 'ClusterIP', proxyReplicas: 1 }));
  let tls: Json;
  let plain: Json;
  beforeEach(() => {
    tls = sharedTls();
    plain = sharedPlain();
  });

  it('gives Envoy a LoadBalancer Service that keeps the client address, its replicas and a PDB', () => {
    expect(at(only(tls, 'EnvoyProxy'), 'spec', 'provider', 'kubernetes')).toEqual({
      envoyService: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
      envoyDeployment: { replicas: 3 },
      envoyPDB: { minAvailable: 1 },
    });
    expect(at(only(plain, 'EnvoyProxy'), 'spec', 'provider', 'kubernetes')).toEqual({
      envoyService: { type: 'ClusterIP' },
      envoyDeployment: { replicas: 1 },
    });
  });

  it('defaults to two proxies behind a LoadBalancer', () => {
    expect(at(only(edge(), 'EnvoyProxy'), 'spec', 'provider', 'kubernetes')).toEqual({
      envoyService: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
      envoyDeployment: { replicas: 2 },
      envoyPDB: { minAvailable: 1 },
    });
  });

  it('binds the Gateway to an Envoy Gateway class and its EnvoyProxy', () => {
    const gateway = only(tls, 'Gateway');
    const gatewayClass = only(tls, 'GatewayClass');
    expect(at(gatewayClass, 'spec', 'controllerName')).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(at(gateway, 'spec', 'gatewayClassName')).toBe(at(gatewayClass, 'metadata', 'name'));
    const proxy = only(tls, 'EnvoyProxy');
    expect(at(gateway, 'spec', 'infrastructure', 'parametersRef')).toEqual({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: at(proxy, 'metadata', 'name') });
    expect(at(proxy, 'metadata', 'namespace')).toBe(at(gateway, 'metadata', 'namespace'));
  });

  it('sends /api to the backend and / to the frontend', () => {
    const web = byKind(plain, 'HTTPRoute').find((r) => at(r, 'metadata', 'name') === 'web');
    expect(at(web, 'spec', 'rules')).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'site', port: 8080 }] },
    ]);
  });

  describe('routes', () => {
    it('name prop: names the Gateway, its EnvoyProxy, labels and the proxies\' flows; routeName the HTTPRoute and its policy', () => {
      const out = edge({ name: 'public', routeName: 'site-routes', trustedProxies: 1 });
      const gateway = only(out, 'Gateway');
      expect(at(gateway, 'metadata', 'name')).toBe('public');
      expect(at(only(out, 'EnvoyProxy'), 'metadata', 'name')).toBe('public-proxy');
      expect(at(gateway, 'spec', 'infrastructure', 'parametersRef', 'name')).toBe('public-proxy');
      expect(at(only(out, 'ClientTrafficPolicy'), 'metadata', 'name')).toBe('public');
      expect(at(only(out, 'HTTPRoute'), 'metadata', 'name')).toBe('site-routes');
      expect(at(only(out, 'HTTPRoute'), 'spec', 'parentRefs', 0, 'name')).toBe('public');
      expect(at(only(out, 'BackendTrafficPolicy'), 'spec', 'targetRefs', 0, 'name')).toBe('site-routes');
      expect(at(gateway, 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('public');
      expect([...networkPolicies(out).keys()].filter((n) => n.startsWith('public-'))).toEqual(['public-to-api-ingress', 'public-to-site-ingress']);
    });

    it('defaults to the Gateway "edge", its EnvoyProxy "edge-proxy" and the route "web"', () => {
      expect([at(only(plain, 'Gateway'), 'metadata', 'name'), at(only(plain, 'EnvoyProxy'), 'metadata', 'name'), at(only(plain, 'HTTPRoute'), 'metadata', 'name')]).toEqual(['edge', 'edge-proxy', 'web']);
    });

    it('addRoute opens the flow: the target\'s pods admit the proxies on their default port, and nothing else from them', () => {
      const policies = networkPolicies(plain);
      // Envoy Gateway's proxies of this Gateway only, as Envoy Gateway 1.9.1 labels them: not its controller or rate limit service.
      const proxies = [
        {
          namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
          pod_selector: { match_labels: ENVOY_PROXY_OF('edge', 'web') },
        },
      ];
      expect(at(policies.get('edge-to-api-ingress'), 'spec')).toEqual({
        pod_selector: { match_labels: { app: 'api' } },
        policy_types: ['Ingress'],
        ingress: [{ from: proxies, ports: [{ port: '8000', protocol: 'TCP' }] }],
      });
      expect(at(policies.get('edge-to-site-ingress'), 'spec', 'ingress', 0, 'ports')).toEqual([{ port: '3000', protocol: 'TCP' }]);
      // The proxies live in Envoy Gateway's namespace: no egress policy lands in the app's.
      expect([...policies.keys()].filter((n) => n.startsWith('edge-'))).toEqual(['edge-to-api-ingress', 'edge-to-site-ingress']);
    });

    it('exposes the proxies\' peer: the Gateway\'s own proxy pods in Envoy Gateway\'s namespace, named for the Gateway', () => {
      expect(edgeIn(newScope(), { name: 'public' }).proxies).toEqual({ name: 'public', selector: { namespace: 'envoy-gateway-system', pods: ENVOY_PROXY_OF('public', 'web') } });
    });

    it('returns the route, whose path is the one the HTTPRoute matches', () => {
      const scope = newScope();
      const gateway = new EdgeGateway(scope, 'edge', BASE);
      const api = gateway.addRoute({ path: '/api/v2', target: new Target(scope, 'api', 80) });
      expect(api.path).toBe('/api/v2');
      const out = JSON.parse(Testing.synth(scope)) as Json;
      expect(at(only(out, 'HTTPRoute'), 'spec', 'rules', 0, 'matches', 0, 'path')).toEqual({ type: 'PathPrefix', value: api.path });
    });

    it('is applied after the Services it routes to', () => {
      const service = resources(plain, 'kubernetes_service_v1').find((r) => at(r, 'metadata', 'name') === 'site');
      expect(customResource(plain, 'HTTPRoute')?.depends_on).toContain(`kubernetes_service_v1.${String(service?.__name)}`);
    });

    it('stops synth without a route', () => {
      const scope = newScope();
      new EdgeGateway(scope, 'edge', BASE);
      expect(() => Testing.synth(scope, true)).toThrow('[stack/edge] has no route: add one with addRoute');
    });

    it('validates with one route', () => {
      const scope = newScope();
      const gateway = new EdgeGateway(scope, 'edge', BASE);
      gateway.addRoute({ path: '/', target: new Target(scope, 'site', 3000) });
      expect(gateway.node.validate()).toEqual([]);
    });
  });

  it('exposes its replicas and routes for review', () => {
    const gateway = edgeIn(newScope(), { proxyReplicas: 4 });
    expect(gateway.proxyReplicas).toBe(4);
    expect(gateway.routes.map((r) => [r.path, r.target.serviceName])).toEqual([
      ['/api', 'api'],
      ['/', 'site'],
    ]);
  });

  it('attaches every route to the Gateway, in its namespace', () => {
    for (const out of [tls, plain]) {
      const gateway = only(out, 'Gateway');
      const routes = byKind(out, 'HTTPRoute');
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        expect(at(route, 'metadata', 'namespace')).toBe(at(gateway, 'metadata', 'namespace'));
        for (const ref of at(route, 'spec', 'parentRefs') as Json[]) expect(ref.name).toBe(at(gateway, 'metadata', 'name'));
      }
    }
  });

  it('terminates TLS with the configured certificate and redirects HTTP to HTTPS', () => {
    const listeners = at(only(tls, 'Gateway'), 'spec', 'listeners') as Json[];
    expect(listeners.map((l) => [l.name, l.port])).toEqual([
      ['http', 80],
      ['https', 443],
    ]);
    expect(at(listeners[1], 'tls', 'certificateRefs')).toEqual([{ kind: 'Secret', name: 'www-tls' }]);
    const redirect = byKind(tls, 'HTTPRoute').find((r) => at(r, 'metadata', 'name') === 'https-redirect');
    expect(at(redirect, 'spec', 'parentRefs', 0, 'sectionName')).toBe('http');
    expect(at(redirect, 'spec', 'rules', 0, 'filters', 0, 'requestRedirect')).toEqual({ scheme: 'https', statusCode: 301 });
    const web = byKind(tls, 'HTTPRoute').find((r) => at(r, 'metadata', 'name') === 'web');
    expect(at(web, 'spec', 'parentRefs', 0, 'sectionName')).toBe('https');
    expect(at(web, 'spec', 'hostnames')).toEqual(['www.example.com']);
  });

  it('serves plain HTTP for any host without TLS', () => {
    expect((at(only(plain, 'Gateway'), 'spec', 'listeners') as Json[]).map((l) => l.name)).toEqual(['http']);
    expect(byKind(plain, 'HTTPRoute').map((r) => at(r, 'metadata', 'name'))).toEqual(['web']);
    expect(at(byKind(plain, 'HTTPRoute')[0], 'spec', 'hostnames')).toBeUndefined();
  });

  it('takes routes from its own namespace only, on each listener', () => {
    for (const listener of at(only(tls, 'Gateway'), 'spec', 'listeners') as Json[]) expect(listener.allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
  });

  it('labels the Gateway, its routes and policies as the edge\'s', () => {
    for (const kind of ['EnvoyProxy', 'GatewayClass', 'Gateway', 'HTTPRoute', 'BackendTrafficPolicy']) {
      expect([kind, at(byKind(tls, kind)[0], 'metadata', 'labels', 'app.kubernetes.io/name')]).toEqual([kind, 'edge']);
    }
  });

  it('creates the route after the Gateway it attaches to', () => {
    const gateway = customResource(plain, 'Gateway');
    const route = customResource(plain, 'HTTPRoute');
    expect(route?.depends_on).toContain(`${String(gateway?.__type)}.${String(gateway?.__name)}`);
  });

  it('does not wait for the address by default, so no plan reads the cluster\'s OpenAPI document', () => {
    for (const out of [tls, plain]) {
      expect(customResource(out, 'Gateway')?.__type).toBe('kubectl_manifest');
      expect(at(out, 'data')).toBeUndefined();
    }
  });

  it('when told to wait, waits for the address and reads it back only after the wait', () => {
    // Envoy Gateway gives a ClusterIP Gateway the ClusterIP as its address: without the wait,
    // the address reads "pending" at apply and the next plan changes it. Only
    // kubernetes_manifest can wait.
    const scope = newScope();
    const gateway = edgeIn(scope, { serviceType: 'ClusterIP', waitForAddress: true });
    new TerraformOutput(scope, 'address', { value: gateway.address });
    const out = JSON.parse(Testing.synth(scope)) as Json;
    const manifest = customResource(out, 'Gateway');
    expect(manifest?.__type).toBe('kubernetes_manifest');
    expect(at(manifest, 'wait', 'fields')).toEqual({ 'status.addresses[0].value': '^.+$' });
    const [name, status] = Object.entries(at(out, 'data', 'kubernetes_resource') as Json)[0] as [string, Json];
    expect(status.depends_on).toContain(`kubernetes_manifest.${manifest?.__name}`);
    expect([status.api_version, status.kind, status.metadata]).toEqual(['gateway.networking.k8s.io/v1', 'Gateway', { name: 'edge', namespace: 'web' }]);
    expect(at(out, 'output', 'address', 'value')).toBe(`\${try(data.kubernetes_resource.${name}.object.status.addresses.0.value, "pending")}`);
    expect(edgeIn(newScope()).address).toBeUndefined();
  });

  describe('client address', () => {
    it('trusts no X-Forwarded-For by default: clients connect directly', () => {
      expect(byKind(tls, 'ClientTrafficPolicy')).toEqual([]);
    });

    it('behind N trusted proxies, takes the address N hops from the right of X-Forwarded-For', () => {
      const out = edge({ trustedProxies: 2 });
      expect(at(only(out, 'ClientTrafficPolicy'), 'spec')).toEqual({
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: at(only(out, 'Gateway'), 'metadata', 'name') }],
        clientIPDetection: { xForwardedFor: { numTrustedHops: 2 } },
      });
      // The address no longer depends on the node the connection arrived at.
      expect(at(only(out, 'EnvoyProxy'), 'spec', 'provider', 'kubernetes', 'envoyService')).toEqual({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' });
    });
  });

  it('attaches the traffic policy to its route, with the settings it was given', () => {
    const out = edge({ connectTimeoutSeconds: 5, rateLimits: [{ path: '/api/x', requestsPerMinute: 3 }] });
    const policy = only(out, 'BackendTrafficPolicy');
    expect(at(policy, 'spec', 'targetRefs')).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }]);
    expect(at(policy, 'spec', 'timeout', 'tcp', 'connectTimeout')).toBe('5s');
    expect(at(policy, 'spec', 'rateLimit', 'local', 'rules', 0, 'limit')).toEqual({ requests: 3, unit: 'Minute' });
  });

  describe('refuses props the API would refuse, naming path, prop, value and rule', () => {
    it.each([
      [{ proxyReplicas: 0 }, "edge: 'proxyReplicas' (0) must be a whole number of pods from 1 to 2147483647"],
      [{ proxyReplicas: 1.5 }, "'proxyReplicas' (1.5) must be a whole number"],
      [{ trustedProxies: -1 }, "'trustedProxies' (-1) must be a whole number of proxies from 0 to 4294967295"],
      [{ hostnames: ['Www.Example.com'] }, '\'hostnames[0]\' ("Www.Example.com") must be a DNS hostname'],
      [{ connectionLimits: { maxConnections: 1e10 } }, "edge/traffic-policy: 'connectionLimits.maxConnections' (10000000000) must be a whole number of connections from 1 to 4294967295"],
      [{ connectionLimits: { maxPendingRequests: 0 } }, "edge/traffic-policy: 'connectionLimits.maxPendingRequests' (0) must be a whole number of requests from 1 to 4294967295"],
      [{ requestTimeoutSeconds: 100000 }, "'requestTimeoutSeconds' (100000) must be a whole number of seconds from 1 to 99999"],
      [{ outlierDetection: { maxEjectionPercent: 101 } }, "'outlierDetection.maxEjectionPercent' (101) must be a whole number of percent from 1 to 100"],
      [{ connectRetries: Number.NaN }, "'connectRetries' (NaN) must be a whole number"],
      [{ rateLimits: [{ path: '/a', requestsPerMinute: 2 ** 32 }] }, "'rateLimits[0].requestsPerMinute' (4294967296) must be a whole number of requests per minute from 1 to 4294967295"],
      [{ rateLimits: [{ path: '/a?b=1', requestsPerMinute: 1 }] }, '\'rateLimits[0].path\' ("/a?b=1") must be a URL path starting with "/", without query or fragment'],
      [{ hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }, "edge: 'hostnames' (17) must list at most 16 hostnames"],
      [{ hostnames: [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`] }, "edge: 'hostnames[0]' (\"aaa"],
      [{ connectTimeoutSeconds: 0 }, "edge/traffic-policy: 'connectTimeoutSeconds' (0) must be a whole number of seconds from 1 to 99999"],
      [{ outlierDetection: { consecutiveServerErrors: 0 } }, "edge/traffic-policy: 'outlierDetection.consecutiveServerErrors' (0) must be a whole number of responses from 1 to 4294967295"],
      [{ outlierDetection: { ejectionSeconds: 0 } }, "edge/traffic-policy: 'outlierDetection.ejectionSeconds' (0) must be a whole number of seconds from 1 to 99999"],
      [
        { rateLimits: Array.from({ length: 9 }, (_, i) => ({ path: `/api/${i}`, requestsPerMinute: 1 })) },
        'edge/traffic-policy: \'rateLimits\' (9) must hold at most 8 limits with rateLimitScope "local" (Envoy Gateway allows 16 rules, two per limit)',
      ],
    ] as [Partial<EdgeGatewayProps>, string][])('%j', (props, message) => {
      expect(synthError(() => edge(props))).toContain(message);
    });

    it.each([
      [{ name: 'Edge' }, "edge: 'name' (\"Edge\") must be a DNS-1123 label"],
      [{ routeName: 'web_routes' }, "edge: 'routeName' (\"web_routes\") must be a DNS-1123 label"],
    ] as [Partial<EdgeGatewayProps>, string][])('%j', (props, message) => {
      expect(synthError(() => edge(props))).toContain(message);
    });

    /** The message addRoute stops with when the edge already routes /api. */
    const routeError = (path: string, servicePort = 80) =>
      synthError(() => {
        const scope = newScope();
        edgeIn(scope).addRoute({ path, target: new Target(scope, 'other', servicePort) });
      });

    it.each([
      ['api', 'must start with "/"'],
      ['/api/', 'must differ from routes[0].path ("/api"); Gateway API ignores a trailing "/"'],
      ['/', 'must differ from routes[1].path ("/")'],
      ['/a?b=1', 'must hold only URL path characters and %-escapes (no space, query or fragment)'],
      ['/a#b', 'must hold only URL path characters'],
      ['/a b', 'must hold only URL path characters'],
      ['/a%zz', 'must hold only URL path characters'],
      ['/a//b', 'must not contain "//", a "." or ".." segment, or an escaped "/" (%2F)'],
      ['/a/./b', 'must not contain "//"'],
      ['/a/..', 'must not contain "//"'],
      ['/a%2Fb', 'must not contain "//"'],
      [`/${'a'.repeat(1024)}`, "must be at most 1024 characters (Gateway API's limit)"],
    ])('a route on %j', (path, rule) => {
      expect(routeError(path)).toContain(`edge: 'routes[2].path' (${JSON.stringify(path)}) ${rule}`);
    });

    it('takes the paths Gateway API takes', () => {
      for (const path of ['/api/v2', '/a.b/c..d/%2e', `/${'a'.repeat(1023)}`, "/~!$&'()*+,;=:@-_"]) expect(routeError(path)).toBeUndefined();
    });

    it('a target whose Service port is out of range', () => {
      expect(routeError('/other', 0)).toContain("edge: 'routes[2].target.servicePort' (0) must be a whole number from 1 to 65535");
    });

    it('more routes than an HTTPRoute holds', () => {
      const scope = newScope();
      const gateway = new EdgeGateway(scope, 'edge', BASE);
      const target = new Target(scope, 'api', 80);
      for (let i = 0; i < 16; i++) gateway.addRoute({ path: `/r${i}`, target });
      expect(() => gateway.addRoute({ path: '/r16', target })).toThrow("edge: 'routes' (17) must hold at most 16 routes (Gateway API's limit on an HTTPRoute's rules)");
    });

    it('takes as many hostnames and as long a hostname and path as the API does', () => {
      const hostnames = Array.from({ length: 16 }, (_, i) => `h${i}.example.com`);
      expect(at(only(edge({ hostnames }), 'HTTPRoute'), 'spec', 'hostnames')).toEqual(hostnames);
      const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
      expect(at(only(edge({ hostnames: [longest] }), 'HTTPRoute'), 'spec', 'hostnames')).toEqual([longest]);
      // The match is the path escaped, anchored and followed by any query: 9 characters more.
      const path = `/${'a'.repeat(1014)}`;
      expect(pathWithAnyQuery(path)).toHaveLength(1024);
      expect(() => edge({ rateLimits: [{ path, requestsPerMinute: 1 }] })).not.toThrow();
      expect(synthError(() => edge({ rateLimits: [{ path: `${path}a`, requestsPerMinute: 1 }] }))).toContain(
        `edge/traffic-policy: 'rateLimits[0].path' ("${path}a") must be short enough for Envoy Gateway's 1024-character path match`,
      );
    });

    it('a path longer than Envoy Gateway matches', () => {
      expect(synthError(() => edge({ rateLimits: [{ path: `/${'a'.repeat(1020)}`, requestsPerMinute: 1 }] }))).toContain(
        "must be short enough for Envoy Gateway's 1024-character path match",
      );
    });

    it('two limits for the same method and path', () => {
      const twice = [
        { path: '/api/generate', requestsPerMinute: 10 },
        { path: '/api/generate', method: 'POST' as const, requestsPerMinute: 20 },
      ];
      expect(synthError(() => edge({ rateLimits: twice }))).toContain(
        "edge/traffic-policy: 'rateLimits[1]' (\"POST /api/generate\") must not repeat the method and path of 'rateLimits[0]'",
      );
      // Another method on the same path is another limit.
      expect(() => edge({ rateLimits: [twice[0], { ...twice[1], method: 'GET' }] })).not.toThrow();
    });

    it('more limits than Envoy Gateway takes rules for (two rules per limit)', () => {
      const limits = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/api/${i}`, requestsPerMinute: 1 }));
      expect(() => edge({ rateLimits: limits(8) })).not.toThrow();
      expect(synthError(() => edge({ rateLimits: limits(9) }))).toContain('must hold at most 8 limits with rateLimitScope "local"');
      expect(() => edge({ rateLimits: limits(128), rateLimitScope: 'global' })).not.toThrow();
      expect(synthError(() => edge({ rateLimits: limits(129), rateLimitScope: 'global' }))).toContain('must hold at most 128 limits');
    });
  });
});

describe('TrafficPolicy', () => {
  it('balances by least request, times out at 30 s, caps connections and ejects failing pods like the guide', () => {
    expect(policySpec()).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }],
      loadBalancer: { type: 'LeastRequest' },
      timeout: { http: { requestTimeout: '30s' }, tcp: { connectTimeout: '30s' } },
      circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxParallelRequests: 1024 },
      healthCheck: { passive: { consecutive5XxErrors: 5, baseEjectionTime: '60s', maxEjectionPercent: 50 } },
      retry: { numRetries: 2, retryOn: { triggers: ['connect-failure', 'refused-stream'] } },
    });
  });

  it('takes outlier detection and connection limits from props', () => {
    const spec = policySpec({ outlierDetection: { consecutiveServerErrors: 3, ejectionSeconds: 120, maxEjectionPercent: 100 }, connectionLimits: { maxPendingRequests: 64 } });
    expect(spec.healthCheck).toEqual({ passive: { consecutive5XxErrors: 3, baseEjectionTime: '120s', maxEjectionPercent: 100 } });
    expect(spec.circuitBreaker).toEqual({ maxConnections: 1024, maxPendingRequests: 64, maxParallelRequests: 1024 });
  });

  it('retries only what never reached a backend, so a POST is never sent twice; 0 turns retries off', () => {
    const triggers = at(policySpec(), 'retry', 'retryOn', 'triggers') as string[];
    for (const repeatsWork of ['5xx', 'gateway-error', 'reset', 'retriable-status-codes', 'retriable-4xx']) expect(triggers).not.toContain(repeatsWork);
    expect(policySpec({ connectRetries: 0 }).retry).toBeUndefined();
  });

  it('limits each client address on its own, IPv4 and IPv6, on the method and path only', () => {
    const spec = policySpec({ rateLimits: [{ path: '/api/content/generate', requestsPerMinute: 10 }] });
    const selector = (cidr: string) => ({
      clientSelectors: [
        {
          path: { type: 'RegularExpression', value: '^/api/content/generate(\\?.*)?$' },
          methods: [{ value: 'POST' }],
          sourceCIDR: { type: 'Distinct', value: cidr },
        },
      ],
      limit: { requests: 10, unit: 'Minute' },
    });
    expect(spec.rateLimit).toEqual({ local: { rules: [selector('0.0.0.0/0'), selector('::/0')] } });
  });

  it('counts in the global rate limit service when the scope is global', () => {
    const spec = policySpec({ rateLimits: [{ path: '/api/x', method: 'PUT', requestsPerMinute: 5 }], rateLimitScope: 'global' });
    const rules = at(spec, 'rateLimit', 'global', 'rules') as Json[];
    expect(rules.map((r) => [at(r, 'clientSelectors', 0, 'sourceCIDR'), at(r, 'clientSelectors', 0, 'methods'), r.limit])).toEqual([
      [{ type: 'Distinct', value: '0.0.0.0/0' }, [{ value: 'PUT' }], { requests: 5, unit: 'Minute' }],
      [{ type: 'Distinct', value: '::/0' }, [{ value: 'PUT' }], { requests: 5, unit: 'Minute' }],
    ]);
    expect(at(spec, 'rateLimit', 'local')).toBeUndefined();
  });

  it('has no rate limit without limits', () => {
    expect(policySpec({ rateLimits: [] }).rateLimit).toBeUndefined();
  });

  it('matches the limited path with or without a query string, and nothing else', () => {
    const match = new RegExp(pathWithAnyQuery('/api/content.v2/generate'));
    expect(['/api/content.v2/generate', '/api/content.v2/generate?x=1', '/api/content.v2/generate?'].filter((p) => !match.test(p))).toEqual([]);
    expect(['/api/content.v2/generateX', '/api/contentXv2/generate', '/api/content.v2/generate/x', '/x/api/content.v2/generate'].filter((p) => match.test(p))).toEqual([]);
  });
});

describe('RateLimitStore', () => {
  const store = fixture(() => synthScope((scope) => new RateLimitStore(scope, 'store', { namespace: 'envoy-gateway-system', image: 'valkey/valkey:8.1.10-alpine' })));
  let out: Json;
  let deployment: Json;
  let pod: Json;
  let container: Json;
  beforeEach(() => {
    out = store();
    ({ deployment, pod, container } = firstDeployment(out));
  });

  it('runs one Valkey without persistence', () => {
    expect(at(deployment, 'spec', 'replicas')).toBe('1');
    const args = container.command as string[];
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect([option('--save'), option('--appendonly')]).toEqual(['', 'no']);
    expect(container.volume_mount).toEqual([{ mount_path: '/tmp', name: 'tmp' }]);
  });

  it('meets the restricted pod security profile', () => {
    expect(at(pod, 'security_context')).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
    expect(at(container, 'security_context')).toMatchObject({
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('admits only Envoy Gateway\'s rate limit pods, on the Valkey port, and sends nothing', () => {
    const policies = networkPolicies(out);
    const store = at(deployment, 'spec', 'selector', 'match_labels');
    expect(at(policies.get('ratelimit-valkey-default-deny'), 'spec')).toEqual({ pod_selector: { match_labels: store }, policy_types: ['Ingress', 'Egress'] });
    expect(at(policies.get('envoy-ratelimit-to-ratelimit-valkey-ingress'), 'spec')).toEqual({
      pod_selector: { match_labels: store },
      policy_types: ['Ingress'],
      ingress: [
        {
          from: [{ pod_selector: { match_labels: { 'app.kubernetes.io/name': 'envoy-ratelimit', 'app.kubernetes.io/component': 'ratelimit' } } }],
          ports: [{ port: '6379', protocol: 'TCP' }],
        },
      ],
    });
  });

  it('restricts only its own pods in Envoy Gateway\'s namespace: no namespace-wide deny, no DNS, no policy on the rate limit pods', () => {
    const policies = networkPolicies(out);
    expect([...policies.keys()].sort()).toEqual(['envoy-ratelimit-to-ratelimit-valkey-ingress', 'ratelimit-valkey-default-deny']);
    for (const policy of policies.values()) expect(at(policy, 'metadata', 'namespace')).toBe('envoy-gateway-system');
  });

  it('declares its flows through Connections, as the store\'s pods on the Valkey port', () => {
    const store = new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine' });
    expect(store.connections.peer).toEqual({ name: 'ratelimit-valkey', selector: { pods: store.podSelector } });
    expect(store.connections.defaultPorts).toEqual([6379]);
    expect(store.connections.policies.isolation).toBe('declared-pods');
  });

  it('is a workload of one pod, counted with its requests and limits', () => {
    const store = new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine' });
    expect(store.footprint).toEqual({
      name: 'ratelimit-valkey',
      namespace: 'eg',
      minReplicas: 1,
      maxReplicas: 1,
      containers: [{ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } }],
    });
    expect(container.resources).toEqual(store.footprint.containers[0]);
  });

  it('listens on 6379 for any address, keeps counters in memory up to 96 MB and evicts those closest to expiry', () => {
    expect(container.command).toEqual([
      'valkey-server', '--port', '6379', '--bind', '*', '-::*', '--protected-mode', 'no', '--dir', '/tmp', '--save', '', '--appendonly', 'no',
      '--maxmemory', '96mb', '--maxmemory-policy', 'volatile-ttl',
    ]);
    expect(container).toMatchObject({ name: 'valkey', image: 'valkey/valkey:8.1.10-alpine', port: [{ name: 'valkey', container_port: 6379 }] });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
  });

  it('pulls an image pinned by a tag at every start, one pinned by a digest only when the node lacks it', () => {
    expect(container.image_pull_policy).toBe('Always');
    const pinned = synthScope((scope) => new RateLimitStore(scope, 'store', { namespace: 'envoy-gateway-system', image: `valkey/valkey@${DIGEST}` }));
    expect(firstDeployment(pinned).container.image_pull_policy).toBe('IfNotPresent');
  });

  it('replaces its one pod rather than running two that would split the counters', () => {
    expect(at(deployment, 'spec', 'strategy')).toEqual({ type: 'Recreate' });
  });

  it('is started when its port opens, ready when it answers PING, and restarted when the port closes', () => {
    expect(container.startup_probe).toEqual({ tcp_socket: [{ port: 'valkey' }], period_seconds: 2, failure_threshold: 30 });
    expect(container.readiness_probe).toEqual({ exec: { command: ['valkey-cli', '-e', '-p', '6379', 'ping'] }, period_seconds: 5, timeout_seconds: 2 });
    expect(container.liveness_probe).toEqual({ tcp_socket: [{ port: 'valkey' }], period_seconds: 10, failure_threshold: 3 });
  });

  it('labels its Deployment, pods and Service with its name', () => {
    const named = (o: Json) => [at(o, 'metadata', 'name'), at(o, 'metadata', 'labels', 'app.kubernetes.io/name')];
    const service = resources(out, 'kubernetes_service_v1')[0];
    expect([deployment, service].map(named)).toEqual(Array(2).fill(['ratelimit-valkey', 'ratelimit-valkey']));
    expect(at(deployment, 'metadata', 'namespace')).toBe('envoy-gateway-system');
    expect(at(deployment, 'spec', 'template', 'metadata', 'labels', 'app.kubernetes.io/name')).toBe('ratelimit-valkey');
    expect(at(service, 'spec')).toEqual({
      type: 'ClusterIP',
      selector: at(deployment, 'spec', 'selector', 'match_labels'),
      port: [{ name: 'valkey', port: 6379, target_port: 'valkey', protocol: 'TCP' }],
    });
  });

  it('refuses a name that cannot be a Service name, naming the prop', () => {
    for (const name of ['Store', '1store', 'store-', 'a'.repeat(64)]) {
      expect(() => new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine', name })).toThrow(`/store: 'name' (${JSON.stringify(name)}) must be a DNS-1035 label`);
    }
    for (const name of ['s', 'a'.repeat(36), 'rl-2']) expect(new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine', name }).serviceName).toBe(name);
  });

  it('refuses a name too long for its NetworkPolicy\'s name, naming the prop, the bound and the policy', () => {
    const name = 'a'.repeat(37);
    expect(() => new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine', name })).toThrow(
      `/store: 'name' ("${name}") must be at most 36 characters: its NetworkPolicy "envoy-ratelimit-to-${name}-ingress" must fit in the 63 of a label`,
    );
  });

  it('serves the address it gives Envoy Gateway', () => {
    const service = resources(out, 'kubernetes_service_v1')[0];
    const store = new RateLimitStore(newScope(), 'store', { namespace: 'eg', image: 'valkey/valkey:8.1.10-alpine' });
    expect(store.url).toBe(`${store.serviceName}.eg.svc:${store.port}`);
    expect(at(service, 'spec', 'port', 0, 'port')).toBe(store.port);
  });
});

describe('edge configuration', () => {
  const failure = (input: typeof prod) => refusalOf(() => loadEnvironment(input, {}), ConfigError);

  it('follows the guide by default: 30 s timeouts, 5 errors eject for 60 s, direct clients, local counting', () => {
    const e = loadEnvironment(dev, {}).edge;
    expect([e.requestTimeoutSeconds, e.connectTimeoutSeconds]).toEqual([30, 30]);
    expect(e.outlierDetection).toEqual({ consecutiveServerErrors: 5, ejectionSeconds: 60, maxEjectionPercent: 50 });
    expect([e.trustedProxies, e.rateLimitScope, e.connectRetries]).toEqual([0, 'local', 2]);
  });

  it('counts prod\'s limits globally, across its three proxies', () => {
    expect(loadEnvironment(prod, {}).edge.rateLimitScope).toBe('global');
  });

  it('refuses two rate limits for the same method and path', () => {
    const limits = [
      { path: '/api/content/generate', requestsPerMinute: 10 },
      { path: '/api/content/generate', method: 'POST', requestsPerMinute: 99 },
    ];
    expect(failure(withValue(prod, 'edge.rateLimits', limits))).toContain('edge.rateLimits.1 = {"path":"/api/content/generate","method":"POST","requestsPerMinute":99}: must not repeat the method and path of rateLimits.0');
  });

  it.each([
    ['edge.connectionLimits.maxConnections', 1e10, 'must be a whole number of connections from 1 to 4294967295'],
    ['edge.rateLimits', [{ path: '/api/x', requestsPerMinute: 2 ** 32 }], 'edge.rateLimits.0.requestsPerMinute = 4294967296: must be a whole number of requests per minute from 1 to 4294967295'],
    ['edge.rateLimits', [{ path: '/api/x?y', requestsPerMinute: 1 }], 'edge.rateLimits.0.path = "/api/x?y": must be a URL path starting with "/", without query or fragment'],
    ['edge.trustedProxies', -1, 'edge.trustedProxies = -1: must be a whole number of proxies from 0 to 4294967295'],
    ['edge.connectTimeoutSeconds', 100000, 'edge.connectTimeoutSeconds = 100000: must be a whole number of seconds from 1 to 99999'],
    ['edge.outlierDetection.maxEjectionPercent', 0, 'edge.outlierDetection.maxEjectionPercent = 0: must be a whole number of percent from 1 to 100'],
    ['edge.rateLimitScope', 'cluster', 'edge.rateLimitScope = "cluster"'],
    ['edge.circuitBreaker', { maxConnections: 10 }, 'edge.circuitBreaker = {"maxConnections":10}: is not a known setting'],
  ])('refuses %s = %j', (path, value, message) => {
    expect(failure(withValue(prod, path, value))).toContain(message);
  });

  it('refuses more local limits than Envoy Gateway takes, and accepts them globally', () => {
    const limits = Array.from({ length: 9 }, (_, i) => ({ path: `/api/${i}`, requestsPerMinute: 1 }));
    expect(failure(withValue(withValue(prod, 'edge.rateLimits', limits), 'edge.rateLimitScope', 'local'))).toContain('edge.rateLimits = ');
    expect(loadEnvironment(withValue(prod, 'edge.rateLimits', limits), {}).edge.rateLimits).toHaveLength(9);
  });
});

describe('global rate limits in the platform stack', () => {
  const sharedGlobal = fixture(() => synthesize(prod).platform);
  const sharedLocal = fixture(() => synthesize(dev).platform);
  let global: Json;
  let local: Json;
  beforeEach(() => {
    global = sharedGlobal();
    local = sharedLocal();
  });
  const envoyGatewayValues = (platform: Json) =>
    resources(platform, 'helm_release').find((r) => r.chart === 'gateway-helm')?.values as string[] | undefined;

  it('deploys the Valkey store next to Envoy Gateway and points its rate limit service at it', () => {
    const service = resources(global, 'kubernetes_service_v1')[0];
    expect(at(service, 'metadata', 'namespace')).toBe('envoy-gateway-system');
    const values = parse(envoyGatewayValues(global)?.[0] ?? '') as Json;
    expect(at(values, 'config', 'envoyGateway', 'rateLimit', 'backend')).toEqual({
      type: 'Redis',
      redis: { url: `${at(service, 'metadata', 'name')}.envoy-gateway-system.svc:${at(service, 'spec', 'port', 0, 'port')}` },
    });
    expect(resources(global, 'kubernetes_deployment_v1')).toHaveLength(1);
    expect(resources(global, 'kubernetes_network_policy_v1')).toHaveLength(2);
  });

  it('creates the store and its NetworkPolicies after the release that creates their namespace', () => {
    const release = resources(global, 'helm_release').find((r) => r.chart === 'gateway-helm');
    const objects = resources(global).filter((r) => r.__type.startsWith('kubernetes_'));
    expect(objects.map((r) => r.__type).sort()).toEqual(['kubernetes_deployment_v1', 'kubernetes_network_policy_v1', 'kubernetes_network_policy_v1', 'kubernetes_service_v1']);
    for (const r of objects) expect(r.depends_on).toContain(`helm_release.${release?.__name}`);
  });

  it('deploys nothing for local limits', () => {
    expect(resources(local).filter((r) => r.__type.startsWith('kubernetes_'))).toEqual([]);
    expect(envoyGatewayValues(local)).toEqual(['{}\n']);
  });
});
