import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config/schema';
import { CustomResource } from '../core/custom-resource';
import type { BackendTrafficPolicySpec } from '../core/crds';
import type { Labels } from '../core/labels';

export interface TrafficPolicyProps {
  readonly namespace: string;
  /** The HTTPRoute the policy attaches to. */
  readonly routeName: string;
  readonly labels: Labels;
  /** Timeouts, circuit breaker thresholds and per-route rate limits. */
  readonly edge: EnvironmentConfig['edge'];
}

/**
 * Envoy Gateway's BackendTrafficPolicy for the app's route: least-request balancing, request
 * and connect timeouts, circuit breaking, and a local rate limit per configured method and
 * exact path (local limits count per Envoy replica).
 */
export class TrafficPolicy extends Construct {
  readonly policy: CustomResource;

  constructor(scope: Construct, id: string, props: TrafficPolicyProps) {
    super(scope, id);
    const { edge } = props;
    const rateLimit: Pick<BackendTrafficPolicySpec, 'rateLimit'> =
      edge.rateLimits.length === 0
        ? {}
        : {
            rateLimit: {
              type: 'Local',
              local: {
                rules: edge.rateLimits.map((r) => ({
                  clientSelectors: [{ path: { type: 'Exact', value: r.path }, methods: [{ value: r.method }] }],
                  limit: { requests: r.requestsPerMinute, unit: 'Minute' },
                })),
              },
            },
          };
    this.policy = new CustomResource(this, 'policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      name: props.routeName,
      namespace: props.namespace,
      labels: props.labels,
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: props.routeName }],
        loadBalancer: { type: 'LeastRequest' },
        timeout: {
          http: { requestTimeout: `${edge.requestTimeoutSeconds}s` },
          tcp: { connectTimeout: `${edge.connectTimeoutSeconds}s` },
        },
        circuitBreaker: { ...edge.circuitBreaker },
        ...rateLimit,
      },
    });
  }
}
