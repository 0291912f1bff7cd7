import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import { VALKEY_PORT, valkeyArguments, valkeyContainer, valkeyDirectives } from '../cache/valkey-pod';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { requireProp } from '../core/validation';
import { restrictedPodSettings, TMP_MOUNT, TMP_VOLUME, UNPRIVILEGED } from '../workload/pod-security';

export interface RateLimitStoreProps {
  /** Namespace of Envoy Gateway, where its rate limit service runs. */
  readonly namespace: string;
  /** Valkey image (pinned). */
  readonly image: string;
  /** Name of the Deployment and Service. @default "ratelimit-valkey" */
  readonly name?: string;
}

/** Labels of the rate limit pods Envoy Gateway creates (internal/infrastructure/kubernetes/ratelimit). */
const ENVOY_RATELIMIT_PODS: Labels = { 'app.kubernetes.io/name': 'envoy-ratelimit', 'app.kubernetes.io/component': 'ratelimit' };
/** A counter per client and limit is a few hundred bytes: 96 MiB hold hundreds of thousands of clients. */
const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } } as const;
/** What Valkey may fill before it evicts, below the memory limit to leave room for its own overhead. */
const MAXMEMORY = '96mb';

/**
 * The store behind Envoy Gateway's global rate limits: one Valkey (Redis protocol) with no
 * persistence (counters live a minute; a restart forgets them, which errs on the side of the
 * client), restricted pod security, and a NetworkPolicy that admits only Envoy Gateway's rate
 * limit pods. Point Envoy Gateway at `url` (its `rateLimit.backend.redis.url`).
 */
export class RateLimitStore extends Construct {
  readonly serviceName: string;
  readonly port: number = VALKEY_PORT;
  /** `host:port` for Envoy Gateway's rate limit service (same namespace). */
  readonly url: string;
  readonly podSelector: Labels;

  constructor(scope: Construct, id: string, props: RateLimitStoreProps) {
    super(scope, id);
    const { namespace } = props;
    const name = props.name ?? 'ratelimit-valkey';
    requireProp(this, 'name', name, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name), 'must be a DNS-1035 label (a Service name): lowercase letters, digits and "-", starting with a letter');
    const labels = componentLabels(this, name);
    this.podSelector = selectorLabels(this, name);
    this.serviceName = name;
    this.url = `${name}.${namespace}.svc:${VALKEY_PORT}`;

    // Counters only: evict the keys closest to expiry when full. No password: Envoy Gateway is
    // given `url` alone, and the NetworkPolicy admits only its rate limit pods.
    const directives = valkeyDirectives({ protectedMode: false, dir: '/tmp', maxmemory: MAXMEMORY, maxmemoryPolicy: 'volatile-ttl' });
    new DeploymentV1(this, 'deployment', {
      metadata: { name, namespace, labels: { ...labels } },
      spec: {
        replicas: '1',
        // Two stores side by side would split the counters.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { ...this.podSelector } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            ...restrictedPodSettings(UNPRIVILEGED),
            container: [
              valkeyContainer({
                image: props.image,
                command: ['valkey-server', ...valkeyArguments(directives)],
                resources: { requests: { ...RESOURCES.requests }, limits: { ...RESOURCES.limits } },
                volumeMounts: [TMP_MOUNT],
              }),
            ],
            volume: [TMP_VOLUME],
          },
        },
      },
    });

    new ServiceV1(this, 'service', {
      metadata: { name, namespace, labels: { ...labels } },
      spec: { type: 'ClusterIP', selector: { ...this.podSelector }, port: [{ name: 'valkey', port: VALKEY_PORT, targetPort: 'valkey', protocol: 'TCP' }] },
    });

    // Only the rate limit service talks to the store, and the store talks to no one.
    new NetworkPolicyV1(this, 'network-policy', {
      metadata: { name, namespace, labels: { ...labels } },
      spec: {
        podSelector: { matchLabels: { ...this.podSelector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { ...ENVOY_RATELIMIT_PODS } } }], ports: [{ port: String(VALKEY_PORT), protocol: 'TCP' }] }],
      },
    });
  }
}
