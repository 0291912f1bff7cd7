import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import { VALKEY_PORT, valkeyArguments, valkeyContainer, valkeyDirectives } from '../cache/valkey-pod';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import type { ResourceRequirements } from '../core/resources';
import { LABEL_MAX, requireProp } from '../core/validation';
import { flowName, ingressPolicyName } from '../guardrails/network-policies';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, type IConnectable, type Peer } from '../guardrails/connections';
import { restrictedPodSettings, TMP_MOUNT, TMP_VOLUME, UNPRIVILEGED } from '../workload/pod-security';

export interface RateLimitStoreProps {
  /** Namespace of Envoy Gateway, where its rate limit service runs. */
  readonly namespace: string;
  /** Valkey image (pinned). */
  readonly image: string;
  /** Name of the Deployment and Service; at most 36 characters, for its NetworkPolicy `envoy-ratelimit-to-<name>-ingress`. @default "ratelimit-valkey" */
  readonly name?: string;
}

/** The rate limit pods Envoy Gateway creates (labels from internal/infrastructure/kubernetes/ratelimit). */
const ENVOY_RATELIMIT: Peer = { name: 'envoy-ratelimit', selector: { pods: { 'app.kubernetes.io/name': 'envoy-ratelimit', 'app.kubernetes.io/component': 'ratelimit' } } };
/** A counter per client and limit is a few hundred bytes: 96 MiB hold hundreds of thousands of clients. */
const RESOURCES: ResourceRequirements = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } };
/** What Valkey may fill before it evicts, below the memory limit to leave room for its own overhead. */
const MAXMEMORY = '96mb';

/**
 * The store behind Envoy Gateway's global rate limits: one Valkey (Redis protocol) with no
 * persistence (counters live a minute; a restart forgets them, which errs on the side of the
 * client), restricted pod security, and NetworkPolicies that admit only Envoy Gateway's rate
 * limit pods. Point Envoy Gateway at `url` (its `rateLimit.backend.redis.url`).
 */
export class RateLimitStore extends Construct implements IConnectable, Workload {
  readonly serviceName: string;
  readonly port: number = VALKEY_PORT;
  /** `host:port` for Envoy Gateway's rate limit service (same namespace). */
  readonly url: string;
  readonly podSelector: Labels;
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: RateLimitStoreProps) {
    super(scope, id);
    const { namespace } = props;
    const name = props.name ?? 'ratelimit-valkey';
    requireProp(this, 'name', name, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name), 'must be a DNS-1035 label (a Service name): lowercase letters, digits and "-", starting with a letter');
    const policy = ingressPolicyName(flowName(ENVOY_RATELIMIT.name, name));
    requireProp(this, 'name', name, policy.length <= LABEL_MAX, `must be at most ${name.length + LABEL_MAX - policy.length} characters: its NetworkPolicy "${policy}" must fit in the ${LABEL_MAX} of a label`);
    const labels = componentLabels(this, name);
    this.podSelector = selectorLabels(this, name);
    this.serviceName = name;
    this.url = `${name}.${namespace}.svc:${VALKEY_PORT}`;
    this.footprint = { name, namespace, minReplicas: 1, maxReplicas: 1, containers: [RESOURCES] };
    // Envoy Gateway's namespace holds the pods it manages: deny the store's pods alone.
    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } }, defaultPorts: [VALKEY_PORT], isolation: 'declared-pods' });
    // Only the rate limit service talks to the store, and the store talks to no one.
    this.connections.allowDefaultPortFrom(ENVOY_RATELIMIT);

    // Counters only: evict the keys closest to expiry when full. No password: Envoy Gateway is
    // given `url` alone, and the NetworkPolicies admit only its rate limit pods.
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
  }
}
