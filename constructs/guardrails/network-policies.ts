import { NetworkPolicyV1, type NetworkPolicyV1Spec } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { Construct } from 'constructs';
import { componentLabels, type Labels } from '../core/labels';

/** Pods in the app namespace, or pods (all when `pods` is unset) in another namespace. */
export type Peer =
  | { readonly pods: Labels }
  | { readonly namespace: string; readonly pods?: Labels }
  /** Addresses outside the cluster network, e.g. the Kubernetes API or an object store. */
  | { readonly cidrs: readonly string[] };

/** One allowed connection: `from` may open TCP (or UDP) connections to `to` on `ports`. */
export interface Flow {
  /** DNS-1123 name; the policies are called `<name>-ingress` and `<name>-egress`. */
  readonly name: string;
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly number[];
  /** @default ["TCP"] */
  readonly protocols?: readonly ('TCP' | 'UDP')[];
}

export interface NetworkPoliciesProps {
  readonly namespace: string;
  /** Every flow the app needs; everything else is denied in both directions. */
  readonly flows: readonly Flow[];
}

const isLocal = (p: Peer): p is { readonly pods: Labels } => 'pods' in p && !('namespace' in p);

/**
 * Default deny for ingress and egress in the app namespace, then one policy per direction of
 * each allowed flow: the egress side on the client's pods, the ingress side on the server's,
 * for whichever side lives in this namespace.
 */
export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { namespace } = props;
    const labels = { ...componentLabels('network-policy') };
    const policy = (name: string, spec: NetworkPolicyV1Spec) =>
      new NetworkPolicyV1(this, name, { metadata: { name, namespace, labels }, spec });

    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    for (const flow of props.flows) {
      const ports = (flow.protocols ?? ['TCP']).flatMap((protocol) => flow.ports.map((port) => ({ port: String(port), protocol })));
      if (isLocal(flow.to)) {
        policy(`${flow.name}-ingress`, {
          podSelector: { matchLabels: { ...flow.to.pods } },
          policyTypes: ['Ingress'],
          ingress: [{ from: peers(flow.from), ports }],
        });
      }
      if (isLocal(flow.from)) {
        policy(`${flow.name}-egress`, {
          podSelector: { matchLabels: { ...flow.from.pods } },
          policyTypes: ['Egress'],
          egress: [{ to: peers(flow.to), ports }],
        });
      }
    }
  }
}

function peers(p: Peer) {
  if ('cidrs' in p) return p.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  if ('namespace' in p) {
    return [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } },
        ...(p.pods ? { podSelector: { matchLabels: { ...p.pods } } } : {}),
      },
    ];
  }
  return [{ podSelector: { matchLabels: { ...p.pods } } }];
}
