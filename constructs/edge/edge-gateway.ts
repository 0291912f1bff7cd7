import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { CustomResource } from '../core/custom-resource';
import type { GatewaySpec } from '../core/crds';
import { componentLabels } from '../core/labels';
import { TrafficPolicy } from './traffic-policy';
import { addDependency } from '../core/construct-dependencies';

/** A Service the edge routes to. */
export interface RouteTarget {
  readonly serviceName: string;
  readonly port: number;
}

export interface EdgeGatewayProps {
  /** Namespace of the Gateway, its routes and policies (the app namespace). */
  readonly namespace: string;
  /** Listeners, hostnames, TLS, proxy service type and replicas, timeouts, circuit breaking, rate limits. */
  readonly edge: EnvironmentConfig['edge'];
  /** Receives `/api` (and every rate-limited path under it). */
  readonly backend: RouteTarget;
  /** Receives everything else (`/`). */
  readonly frontend: RouteTarget;
}

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const ENVOY_GATEWAY_API = 'gateway.envoyproxy.io/v1alpha1';
/** The controller name Envoy Gateway answers to. */
const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/**
 * The edge load balancer on Gateway API, implemented by Envoy Gateway: a GatewayClass, an
 * EnvoyProxy that shapes the Envoy Deployment and Service, a Gateway with an HTTP (and optional
 * HTTPS) listener, one HTTPRoute that sends `/api` to the backend and `/` to the frontend, and
 * the BackendTrafficPolicy that balances, times out, breaks circuits and rate-limits it.
 */
export class EdgeGateway extends Construct {
  readonly gateway: CustomResource;
  readonly route: CustomResource;
  readonly gatewayName: string;

  /** The props it was built from, for review tooling. */
  readonly props: EdgeGatewayProps;

  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    this.props = props;
    const { namespace, edge } = props;
    const labels = componentLabels('edge');
    this.gatewayName = 'edge';
    // GatewayClasses are cluster-scoped: the namespace keeps environments sharing a cluster apart.
    const className = `${namespace}-envoy`;
    const proxyName = 'edge-proxy';

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
            // Local keeps the client's source address, which logs and rate limits see.
            envoyService: { type: edge.serviceType, ...(edge.serviceType === 'ClusterIP' ? {} : { externalTrafficPolicy: 'Local' }) },
            envoyDeployment: { replicas: edge.proxyReplicas },
            ...(edge.proxyReplicas > 1 ? { envoyPDB: { minAvailable: 1 } } : {}),
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
    if (edge.tls) {
      listeners.push({
        name: 'https',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: edge.tls.certificateSecretName }] },
        allowedRoutes: { namespaces: { from: 'Same' } },
      });
    }
    this.gateway = new CustomResource(this, 'gateway', {
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
      ...(edge.waitForAddress ? { waitForFields: { 'status.addresses[0].value': '^.+$' } } : {}),
    });
    addDependency(this.gateway, gatewayClass, proxy);

    const hostnames = edge.hostnames.length > 0 ? { hostnames: [...edge.hostnames] } : {};
    const backendRef = (t: RouteTarget) => [{ name: t.serviceName, port: t.port }];
    this.route = new CustomResource(this, 'route', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      name: 'web',
      namespace,
      labels,
      spec: {
        parentRefs: [{ name: this.gatewayName, sectionName: edge.tls ? 'https' : 'http' }],
        ...hostnames,
        // The longest matching prefix wins, whatever the order.
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: backendRef(props.backend) },
          { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: backendRef(props.frontend) },
        ],
      },
    });
    addDependency(this.route, this.gateway);

    if (edge.tls) {
      const redirect = new CustomResource(this, 'https-redirect', {
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        name: 'https-redirect',
        namespace,
        labels,
        spec: {
          parentRefs: [{ name: this.gatewayName, sectionName: 'http' }],
          ...hostnames,
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        },
      });
      addDependency(redirect, this.gateway);
    }

    const policy = new TrafficPolicy(this, 'traffic-policy', { namespace, routeName: 'web', labels, edge });
    addDependency(policy, this.route);
  }
}
