import { NetworkPolicyV1, type NetworkPolicyV1Spec } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { TerraformStack } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { componentLabels } from '../core/labels';
import { checkName, invalidProp } from '../core/validation';
import type { Peer, PeerSelector } from './connections';

export type Protocol = 'TCP' | 'UDP';

/** One allowed connection: `from` may open connections to `to` on `ports`. */
export interface Flow {
  /** DNS-1123 name; the policies are called `<name>-ingress` and `<name>-egress`. @default "<from>-to-<to>" */
  readonly name?: string;
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly number[];
  /** @default ["TCP"] */
  readonly protocols?: readonly Protocol[];
}

export interface NetworkPoliciesProps {
  readonly namespace: string;
  /**
   * The cluster DNS, which every pod of the namespace may query on port 53 (UDP and TCP).
   * @default kube-dns (`k8s-app: kube-dns`) in kube-system
   */
  readonly dns?: Peer;
}

const KUBE_DNS: Peer = { name: 'kube-dns', selector: { namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } } };
const EVERY_POD: Peer = { name: 'every-pod', selector: { pods: {} } };

const isLocal = (p: PeerSelector): p is { readonly pods: Readonly<Record<string, string>> } => 'pods' in p && !('namespace' in p);

interface Entry {
  readonly flow: Flow;
  readonly ports: number[];
  readonly policies: { spec: () => NetworkPolicyV1Spec; resource: NetworkPolicyV1 }[];
}

const byStack = new WeakMap<TerraformStack, Map<string, NetworkPolicies>>();

/**
 * Default deny for ingress and egress in a namespace, DNS for every pod, then one policy per
 * direction of each flow the constructs declare through their `connections`: the egress side on
 * the client's pods, the ingress side on the server's, for whichever side lives in this namespace.
 * Flows of the same name are merged, their ports added up.
 */
export class NetworkPolicies extends Construct {
  /**
   * The NetworkPolicies of `namespace` in the stack of `scope`, created at the stack's top
   * level on first use.
   */
  static of(scope: IConstruct, namespace: string): NetworkPolicies {
    const stack = TerraformStack.of(scope);
    const existing = byStack.get(stack)?.get(namespace);
    if (existing) return existing;
    const id = stack.node.tryFindChild('network-policies') ? `network-policies-${namespace}` : 'network-policies';
    return new NetworkPolicies(stack, id, { namespace });
  }

  readonly namespace: string;
  private readonly flows = new Map<string, Entry>();

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const stack = TerraformStack.of(this);
    const registry = byStack.get(stack) ?? new Map<string, NetworkPolicies>();
    if (registry.has(props.namespace)) {
      invalidProp(this, 'namespace', props.namespace, `already has its NetworkPolicies at ${registry.get(props.namespace)?.node.path}`);
    }
    byStack.set(stack, registry.set(props.namespace, this));
    this.policy('default-deny', () => ({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    this.addFlow({ name: 'dns', from: EVERY_POD, to: props.dns ?? KUBE_DNS, ports: [53], protocols: ['UDP', 'TCP'] });
  }

  /** Opens `flow` on each end that lives in the namespace. */
  addFlow(flow: Flow): void {
    const name = flow.name ?? `${flow.from.name}-to-${flow.to.name}`;
    // The longer of the two policy names must still be a DNS-1123 label.
    checkName(this, `flow '${name}' policy name`, `${name}-ingress`);
    const existing = this.flows.get(name);
    if (existing) {
      if (JSON.stringify([existing.flow.from, existing.flow.to, existing.flow.protocols]) !== JSON.stringify([flow.from, flow.to, flow.protocols])) {
        invalidProp(this, 'flow name', name, 'is declared twice between different peers; give one of them its own name');
      }
      existing.ports.push(...flow.ports.filter((p) => !existing.ports.includes(p)));
      for (const p of existing.policies) p.resource.putSpec(p.spec());
      return;
    }
    const entry: Entry = { flow, ports: [...flow.ports], policies: [] };
    this.flows.set(name, entry);
    const ports = () => (flow.protocols ?? ['TCP']).flatMap((protocol) => entry.ports.map((port) => ({ port: String(port), protocol })));
    const base = (direction: 'Ingress' | 'Egress', selector: { readonly pods: Readonly<Record<string, string>> }) => ({
      podSelector: { matchLabels: { ...selector.pods } },
      policyTypes: [direction],
    });
    // The ingress side on the server's pods, the egress side on the client's.
    const { from, to } = flow;
    const server = to.selector;
    if (isLocal(server)) {
      entry.policies.push(this.policy(`${name}-ingress`, () => ({ ...base('Ingress', server), ingress: [{ from: peers(from.selector), ports: ports() }] })));
    }
    const client = from.selector;
    if (isLocal(client)) {
      entry.policies.push(this.policy(`${name}-egress`, () => ({ ...base('Egress', client), egress: [{ to: peers(to.selector), ports: ports() }] })));
    }
  }

  private policy(name: string, spec: () => NetworkPolicyV1Spec) {
    const resource = new NetworkPolicyV1(this, name, {
      metadata: { name, namespace: this.namespace, labels: { ...componentLabels(this, 'network-policy') } },
      spec: spec(),
    });
    return { spec, resource };
  }
}

function peers(p: PeerSelector) {
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
