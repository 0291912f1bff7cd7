import { DataKubernetesResource } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resource';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { GatewaySpec } from '../core/crds';
import { componentLabels } from '../core/labels';
import { addDependency } from '../core/construct-dependencies';
import { INT32_MAX, UINT32_MAX, checkInteger, requireProp } from '../core/validation';
import { TrafficPolicy, type TrafficSettings } from './traffic-policy';

/** A Service the edge routes to. */
export interface RouteTarget {
  readonly serviceName: string;
  readonly port: number;
}

/** One path prefix of the edge's HTTPRoute and the Service it goes to. */
export interface EdgeRoute {
  readonly pathPrefix: string;
  readonly target: RouteTarget;
}

export type EnvoyServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

/** The edge, and how Envoy treats the traffic to the backend and frontend ({@link TrafficSettings}). */
export interface EdgeGatewayProps extends TrafficSettings {
  /** Namespace of the Gateway, its routes and policies (the app namespace). */
  readonly namespace: string;
  /** Receives `/api` (and every rate-limited path under it). */
  readonly backend: RouteTarget;
  /** Receives everything else (`/`). */
  readonly frontend: RouteTarget;
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
const MAX_HOSTNAMES = 16;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The edge load balancer on Gateway API, implemented by Envoy Gateway: a GatewayClass, an
 * EnvoyProxy that shapes the Envoy Deployment and Service, a Gateway with an HTTP (and optional
 * HTTPS) listener, one HTTPRoute that sends `/api` to the backend and `/` to the frontend, the
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
  /** The route's path prefixes, longest first (the longest matching prefix wins). */
  readonly routes: readonly EdgeRoute[];

  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    const { namespace, backend, frontend, serviceType = 'LoadBalancer', hostnames = [], tls, proxyReplicas = 2, trustedProxies = 0, waitForAddress = false, ...traffic } = props;
    this.proxyReplicas = proxyReplicas;
    checkInteger(this, 'proxyReplicas', this.proxyReplicas, 1, INT32_MAX);
    checkInteger(this, 'trustedProxies', trustedProxies, 0, UINT32_MAX);
    requireProp(this, 'hostnames', hostnames.length, hostnames.length <= MAX_HOSTNAMES, `must list at most ${MAX_HOSTNAMES} hostnames`);
    hostnames.forEach((h, i) =>
      requireProp(this, `hostnames[${i}]`, h, h.length <= 253 && HOSTNAME.test(h), 'must be a DNS hostname (lowercase DNS-1123 labels, optionally starting with "*.")'),
    );
    checkInteger(this, 'backend.port', backend.port, 1, 65535);
    checkInteger(this, 'frontend.port', frontend.port, 1, 65535);

    const labels = componentLabels(this, 'edge');
    this.gatewayName = 'edge';
    this.routes = [
      { pathPrefix: '/api', target: backend },
      { pathPrefix: '/', target: frontend },
    ];
    // GatewayClasses are cluster-scoped: the namespace keeps environments sharing a cluster apart.
    const className = `${namespace}-envoy`;
    const proxyName = 'edge-proxy';

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
    const routeName = 'web';
    const route = new CustomResource(this, 'route', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      name: routeName,
      namespace,
      labels,
      spec: {
        parentRefs: [{ name: this.gatewayName, sectionName: tls ? 'https' : 'http' }],
        ...hostnameSpec,
        rules: this.routes.map((r) => ({
          matches: [{ path: { type: 'PathPrefix', value: r.pathPrefix } }],
          backendRefs: [{ name: r.target.serviceName, port: r.target.port }],
        })),
      },
    });
    addDependency(route, gateway);

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
    addDependency(policy, route);
  }
}
