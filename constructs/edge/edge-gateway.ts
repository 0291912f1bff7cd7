import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { Fn } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { GatewaySpec, HTTPRouteSpec } from '../core/crds';
import { componentLabels } from '../core/labels';
import { addDependency } from '../core/construct-dependencies';
import { INT32_MAX, UINT32_MAX, checkInteger, checkName, checkRule, hostnameProblem, requireProp } from '../core/validation';
import { namespacePeer, type IConnectable, type Peer } from '../guardrails/connections';
import { TrafficPolicy, type TrafficSettings } from './traffic-policy';

/**
 * What the edge can route to: a Service in the edge's namespace whose pods admit the proxies
 * through their `connections` (a `WebService`, for one).
 */
export interface IRouteTarget extends IConnectable, IConstruct {
  readonly serviceName: string;
  readonly servicePort: number;
}

/** One rule of the edge's HTTPRoute: a path prefix and the Service it goes to. */
export interface EdgeRoute {
  /**
   * Path prefix, matched element by element: `/api` takes `/api` and `/api/x`, not `/apix`, and
   * a trailing "/" is ignored. The longest matching prefix wins, whatever the order of the routes.
   */
  readonly path: string;
  readonly target: IRouteTarget;
}

export type EnvoyServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

/**
 * The edge, and how Envoy treats the traffic to its routes' targets ({@link TrafficSettings}).
 * Routes are added with {@link EdgeGateway.addRoute}.
 */
export interface EdgeGatewayProps extends TrafficSettings {
  /**
   * Name of the Gateway; also names its EnvoyProxy (`<name>-proxy`) and the proxies in network
   * flows (`<name>-to-<target>`).
   * @default "edge"
   */
  readonly name?: string;
  /** Name of the HTTPRoute that holds the routes, and of its BackendTrafficPolicy. @default "web" */
  readonly routeName?: string;
  /**
   * Namespace of the Gateway, its routes and policies (the app namespace), and of the routes'
   * targets. One EdgeGateway per namespace: its GatewayClass is named for the namespace.
   */
  readonly namespace: string;
  /**
   * Namespace Envoy Gateway runs in. It runs the proxies there too (its default deployment
   * mode), so that is where a route's target admits connections from.
   */
  readonly envoyGatewayNamespace: string;
  /** Kubernetes Service type of the Envoy proxies. @default "LoadBalancer" */
  readonly serviceType?: EnvoyServiceType;
  /** Hostnames the listeners and routes answer for. @default any host */
  readonly hostnames?: readonly string[];
  /** HTTPS on 443 with the certificate in this Secret (type kubernetes.io/tls), HTTP redirected to it. @default HTTP only */
  readonly tls?: { readonly certificateSecretName: string };
  /** Envoy proxy replicas (a PodDisruptionBudget keeps one up from 2 on). @default 2 */
  readonly proxyReplicas?: number;
  /**
   * Proxies in front of Envoy that append the client's address to X-Forwarded-For (a CDN, an
   * L7 load balancer); Envoy takes the client address that many hops from the right of that
   * header. 0: clients connect directly (an L4 load balancer keeps their source address, with
   * `externalTrafficPolicy: Local`), and X-Forwarded-For is not trusted.
   * @default 0
   */
  readonly trustedProxies?: number;
  /**
   * Wait after apply until Envoy Gateway has given the Gateway an address, and read it back
   * ({@link EdgeGateway.address}); needs Envoy Gateway running. The wait needs a
   * `kubernetes_manifest`, so every plan of the stack then reads and converts the cluster's whole
   * OpenAPI document (about 1.5 s on a small cluster, README "Plan speed").
   * @default false
   */
  readonly waitForAddress?: boolean;
}

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const ENVOY_GATEWAY_API = 'gateway.envoyproxy.io/v1alpha1';
/** The controller name Envoy Gateway answers to. */
const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Gateway API's cap on hostnames per listener route. */
export const MAX_HOSTNAMES = 16;
/** The defaults of {@link EdgeGatewayProps} beyond the traffic settings. */
export const EDGE_GATEWAY_DEFAULTS = {
  name: 'edge',
  routeName: 'web',
  serviceType: 'LoadBalancer',
  hostnames: [],
  proxyReplicas: 2,
  trustedProxies: 0,
  waitForAddress: false,
} as const;
/**
 * The labels Envoy Gateway (v1.9.1) gives the proxy pods of one Gateway: its EnvoyAppLabel
 * (internal/infrastructure/kubernetes/proxy/resource.go) and the owning Gateway's name and
 * namespace (OwningGatewayNameLabel and OwningGatewayNamespaceLabel, internal/gatewayapi/translator.go).
 */
function proxyPodLabels(gateway: string, namespace: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'app.kubernetes.io/managed-by': 'envoy-gateway',
    'gateway.envoyproxy.io/owning-gateway-name': gateway,
    'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
  };
}

/** Bounds of the proxy replicas (an int32 of the API) and trusted proxies (an Envoy Gateway uint32), with their units. */
export const EDGE_GATEWAY_BOUNDS = {
  proxyReplicas: { min: 1, max: INT32_MAX, unit: 'pods' },
  trustedProxies: { min: 0, max: UINT32_MAX, unit: 'proxies' },
} as const;
/** Gateway API's cap on an HTTPRoute's rules. */
const MAX_ROUTES = 16;
/** Gateway API's cap on a path match value. */
const MAX_PATH_LENGTH = 1024;
/** Gateway API's characters of a PathPrefix value: RFC 3986 path characters and %-escapes. */
const PATH_CHARACTERS = /^\/(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})*$/;
/** What Gateway API refuses in a PathPrefix value besides other characters. */
const PATH_SEGMENT_ERRORS = /\/\/|\/\.\.?(\/|$)|%2f/i;
/** Gateway API ignores a trailing "/" of a prefix: `/api/` is the prefix `/api` (and `/` compares as ""). */
const samePrefix = (path: string) => path.replace(/\/$/, '');

/**
 * The edge load balancer on Gateway API, implemented by Envoy Gateway: a GatewayClass, an
 * EnvoyProxy that shapes the Envoy Deployment and Service, a Gateway with an HTTP (and optional
 * HTTPS) listener, one HTTPRoute holding the routes added with {@link addRoute}, the
 * BackendTrafficPolicy that balances, times out, ejects failing pods and rate-limits it, and
 * (behind trusted proxies) a ClientTrafficPolicy that finds the client address.
 */
export class EdgeGateway extends Construct {
  readonly gatewayName: string;
  /**
   * The address Envoy Gateway wrote to the Gateway's status, read after the wait; undefined
   * unless `waitForAddress`. Read without the wait it would be "pending" at apply and change at
   * the next plan.
   */
  readonly address?: string;
  readonly proxyReplicas: number;
  /**
   * This Gateway's Envoy proxies, as a network flow sees them: the pods Envoy Gateway labels as
   * its proxies and as owned by this Gateway, not its controller or rate limit service.
   */
  readonly proxies: Peer;
  private readonly added: EdgeRoute[] = [];
  private readonly route: CustomResource;
  private readonly routeSpec: HTTPRouteSpec;

  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    const d = EDGE_GATEWAY_DEFAULTS;
    const {
      name = d.name,
      routeName = d.routeName,
      namespace,
      envoyGatewayNamespace,
      serviceType = d.serviceType,
      hostnames = d.hostnames,
      tls,
      proxyReplicas = d.proxyReplicas,
      trustedProxies = d.trustedProxies,
      waitForAddress = d.waitForAddress,
      ...traffic
    } = props;
    checkName(this, 'name', name);
    checkName(this, 'routeName', routeName);
    this.proxyReplicas = proxyReplicas;
    for (const [prop, value] of [['proxyReplicas', proxyReplicas], ['trustedProxies', trustedProxies]] as const) {
      const b = EDGE_GATEWAY_BOUNDS[prop];
      checkInteger(this, prop, value, b.min, b.max, b.unit);
    }
    requireProp(this, 'hostnames', hostnames.length, hostnames.length <= MAX_HOSTNAMES, `must list at most ${MAX_HOSTNAMES} hostnames`);
    hostnames.forEach((h, i) => checkRule(this, `hostnames[${i}]`, h, hostnameProblem));

    const labels = componentLabels(this, name);
    this.gatewayName = name;
    this.proxies = namespacePeer(name, envoyGatewayNamespace, proxyPodLabels(name, namespace));
    // GatewayClasses are cluster-scoped: the namespace keeps environments sharing a cluster apart.
    const className = `${namespace}-envoy`;
    const proxyName = `${name}-proxy`;

    // Clients connecting directly: Local keeps their source address. Behind trusted proxies the
    // address comes from X-Forwarded-For, so the Service may spread over every node.
    const externalTrafficPolicy = serviceType === 'ClusterIP' ? {} : { externalTrafficPolicy: trustedProxies === 0 ? ('Local' as const) : ('Cluster' as const) };
    const proxy = new CustomResource(this, 'envoy-proxy', {
      apiVersion: ENVOY_GATEWAY_API,
      kind: 'EnvoyProxy',
      name: proxyName,
      namespace,
      labels,
      spec: {
        provider: {
          type: 'Kubernetes',
          kubernetes: {
            envoyService: { type: serviceType, ...externalTrafficPolicy },
            envoyDeployment: { replicas: this.proxyReplicas },
            ...(this.proxyReplicas > 1 ? { envoyPDB: { minAvailable: 1 } } : {}),
          },
        },
      },
    });

    const gatewayClass = new CustomResource(this, 'gateway-class', {
      apiVersion: GATEWAY_API,
      kind: 'GatewayClass',
      name: className,
      labels,
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    });

    const listeners: GatewaySpec['listeners'] = [
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
    ];
    if (tls) {
      listeners.push({
        name: 'https',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: tls.certificateSecretName }] },
        allowedRoutes: { namespaces: { from: 'Same' } },
      });
    }
    const gateway = new CustomResource(this, 'gateway', {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      name: this.gatewayName,
      namespace,
      labels,
      spec: {
        gatewayClassName: className,
        infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: proxyName } },
        listeners,
      },
      ...(waitForAddress ? { waitForFields: { 'status.addresses[0].value': '^.+$' } } : {}),
    });
    addDependency(gateway, gatewayClass, proxy);
    if (waitForAddress) {
      const status = new DataKubernetesResource(this, 'gateway-status', {
        apiVersion: GATEWAY_API,
        kind: 'Gateway',
        metadata: { name: this.gatewayName, namespace },
        dependsOn: [gateway.resource],
      });
      this.address = Fn.try([Fn.lookupNested(status.object, ['status', 'addresses', 0, 'value']), 'pending']);
    }

    const hostnameSpec = hostnames.length > 0 ? { hostnames: [...hostnames] } : {};
    // Its rules come with each addRoute.
    this.routeSpec = { parentRefs: [{ name: this.gatewayName, sectionName: tls ? 'https' : 'http' }], ...hostnameSpec };
    this.route = new CustomResource(this, 'route', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      name: routeName,
      namespace,
      labels,
      spec: this.routeSpec,
    });
    addDependency(this.route, gateway);
    this.node.addValidation({ validate: () => (this.added.length === 0 ? ['has no route: add one with addRoute'] : []) });

    if (tls) {
      const redirect = new CustomResource(this, 'https-redirect', {
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        name: 'https-redirect',
        namespace,
        labels,
        spec: {
          parentRefs: [{ name: this.gatewayName, sectionName: 'http' }],
          ...hostnameSpec,
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        },
      });
      addDependency(redirect, gateway);
    }

    if (trustedProxies > 0) {
      const clientPolicy = new CustomResource(this, 'client-address', {
        apiVersion: ENVOY_GATEWAY_API,
        kind: 'ClientTrafficPolicy',
        name: this.gatewayName,
        namespace,
        labels,
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: this.gatewayName }],
          clientIPDetection: { xForwardedFor: { numTrustedHops: trustedProxies } },
        },
      });
      addDependency(clientPolicy, gateway);
    }

    const policy = new TrafficPolicy(this, 'traffic-policy', { ...traffic, namespace, routeName, labels });
    addDependency(policy, this.route);
  }

  /** The routes, in the order they were added. */
  get routes(): readonly EdgeRoute[] {
    return [...this.added];
  }

  /**
   * Sends requests under `route.path` to `route.target`, and lets the proxies reach the target's
   * pods on their default ports. The edge is applied after the targets it routes to.
   */
  addRoute(route: EdgeRoute): EdgeRoute {
    const { path, target } = route;
    const at = `routes[${this.added.length}]`;
    requireProp(this, 'routes', this.added.length + 1, this.added.length < MAX_ROUTES, `must hold at most ${MAX_ROUTES} routes (Gateway API's limit on an HTTPRoute's rules)`);
    requireProp(this, `${at}.path`, path, path.startsWith('/'), 'must start with "/"');
    requireProp(this, `${at}.path`, path, path.length <= MAX_PATH_LENGTH, `must be at most ${MAX_PATH_LENGTH} characters (Gateway API's limit)`);
    requireProp(this, `${at}.path`, path, PATH_CHARACTERS.test(path), 'must hold only URL path characters and %-escapes (no space, query or fragment)');
    requireProp(this, `${at}.path`, path, !PATH_SEGMENT_ERRORS.test(path), 'must not contain "//", a "." or ".." segment, or an escaped "/" (%2F)');
    const earlier = this.added.findIndex((r) => samePrefix(r.path) === samePrefix(path));
    requireProp(this, `${at}.path`, path, earlier < 0, `must differ from routes[${earlier}].path (${JSON.stringify(this.added[earlier]?.path)}); Gateway API ignores a trailing "/"`);
    checkInteger(this, `${at}.target.servicePort`, target.servicePort, 1, 65535);

    const added: EdgeRoute = { path, target };
    this.added.push(added);
    this.route.putSpec({
      ...this.routeSpec,
      rules: this.added.map((r) => ({
        matches: [{ path: { type: 'PathPrefix', value: r.path } }],
        backendRefs: [{ name: r.target.serviceName, port: r.target.servicePort }],
      })),
    });
    target.connections.allowDefaultPortFrom(this.proxies);
    addDependency(this, target);
    return added;
  }
}
