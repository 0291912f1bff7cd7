import { NetworkPolicyV1, type NetworkPolicyV1Spec } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { TerraformStack } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { componentLabels } from '../core/labels';
import { checkName, invalidProp } from '../core/validation';
import type { Peer, PeerSelector } from './connections';

export type Protocol = 'TCP' | 'UDP';

/**
 * Which pods the policies deny what no flow allows. `namespace`: every pod of the namespace,
 * each with DNS. `declared-pods`: only the pods a `Connections` declares, each with a deny-all
 * policy of its own, in a namespace shared with pods managed elsewhere (an operator's), whose
 * traffic is not ours to cut; their end of a flow gets no policy, and no pod gets DNS unasked.
 */
export type Isolation = 'namespace' | 'declared-pods';

/** One allowed connection: `from` may open connections to `to` on `ports`. */
/** A flow's name, which names its policies, unless the flow gives one. */
export const flowName = (from: string, to: string): string => `${from}-to-${to}`;
/** The server side's policy of flow `name`: the longer of its two policy names. */
export const ingressPolicyName = (name: string): string => `${name}-ingress`;

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
  /** @default "namespace" */
  readonly isolation?: Isolation;
}

const KUBE_DNS: Peer = { name: 'kube-dns', selector: { namespace: 'kube-system', pods: { 'k8s-app': 'kube-dns' } } };
const EVERY_POD: Peer = { name: 'every-pod', selector: { pods: {} } };

type LocalPods = { readonly pods: Readonly<Record<string, string>> };
const isLocal = (p: PeerSelector): p is LocalPods => 'pods' in p && !('namespace' in p);

interface Entry {
  readonly flow: Flow;
  readonly ports: number[];
  readonly policies: { spec: () => NetworkPolicyV1Spec; resource: NetworkPolicyV1 }[];
}

const byStack = new WeakMap<TerraformStack, Map<string, NetworkPolicies>>();

/**
 * Default deny for ingress and egress in a namespace and DNS for every pod (or a deny for each
 * declared pod alone, see {@link Isolation}), then one policy per direction of each flow the
 * constructs declare through their `connections`: the egress side on the client's pods, the
 * ingress side on the server's, for whichever side lives in this namespace.
 * Flows of the same name are merged, their ports added up.
 */
export class NetworkPolicies extends Construct {
  /**
   * The NetworkPolicies of `namespace` in the stack of `scope`, created at the stack's top
   * level on first use.
   */
  static of(scope: IConstruct, namespace: string, isolation: Isolation = 'namespace'): NetworkPolicies {
    const stack = TerraformStack.of(scope);
    const existing = byStack.get(stack)?.get(namespace);
    if (existing) {
      if (existing.isolation !== isolation) {
        invalidProp(scope, 'isolation', isolation, `must be that of namespace '${namespace}''s NetworkPolicies at ${existing.node.path} ("${existing.isolation}")`);
      }
      return existing;
    }
    const id = stack.node.tryFindChild('network-policies') ? `network-policies-${namespace}` : 'network-policies';
    return new NetworkPolicies(stack, id, { namespace, isolation });
  }

  readonly namespace: string;
  readonly isolation: Isolation;
  private readonly flows = new Map<string, Entry>();
  /** Pod selectors (as JSON) of the pods `isolate` was given. */
  private readonly isolated = new Set<string>();

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.isolation = props.isolation ?? 'namespace';
    const stack = TerraformStack.of(this);
    const registry = byStack.get(stack) ?? new Map<string, NetworkPolicies>();
    if (registry.has(props.namespace)) {
      invalidProp(this, 'namespace', props.namespace, `already has its NetworkPolicies at ${registry.get(props.namespace)?.node.path}`);
    }
    byStack.set(stack, registry.set(props.namespace, this));
    if (this.isolation === 'declared-pods') return;
    this.policy('default-deny', () => ({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    this.addFlow({ name: 'dns', from: EVERY_POD, to: props.dns ?? KUBE_DNS, ports: [53], protocols: ['UDP', 'TCP'] });
  }

  /** Denies `peer`'s pods what no flow allows: with `namespace` isolation, every pod already is. */
  isolate(peer: Peer): void {
    if (this.isolation === 'namespace') return;
    const selector = peer.selector;
    if (!isLocal(selector)) invalidProp(this, 'isolated peer', peer.name, `must select pods of namespace '${this.namespace}' alone`);
    const key = JSON.stringify(selector.pods);
    if (this.isolated.has(key)) return;
    this.isolated.add(key);
    const name = `${peer.name}-default-deny`;
    checkName(this, `peer '${peer.name}' policy name`, name);
    this.policy(name, () => ({ podSelector: { matchLabels: { ...selector.pods } }, policyTypes: ['Ingress', 'Egress'] }));
  }

  /** Whether the policies of `selector`'s pods are written here. */
  private owns(selector: PeerSelector): selector is LocalPods {
    return isLocal(selector) && (this.isolation === 'namespace' || this.isolated.has(JSON.stringify(selector.pods)));
  }

  /** Every flow declared in the namespace, DNS included, with its ports merged. */
  get declaredFlows(): Flow[] {
    return [...this.flows.values()].map((e) => ({ ...e.flow, ports: [...e.ports] }));
  }

  /** Opens `flow` on each end that lives in the namespace. */
  addFlow(flow: Flow): void {
    const name = flow.name ?? flowName(flow.from.name, flow.to.name);
    // The longer of the two policy names must still be a DNS-1123 label.
    checkName(this, `flow '${name}' policy name`, ingressPolicyName(name));
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
    const base = (direction: 'Ingress' | 'Egress', selector: LocalPods) => ({
      podSelector: { matchLabels: { ...selector.pods } },
      policyTypes: [direction],
    });
    // The ingress side on the server's pods, the egress side on the client's.
    const { from, to } = flow;
    const server = to.selector;
    if (this.owns(server)) {
      entry.policies.push(this.policy(ingressPolicyName(name), () => ({ ...base('Ingress', server), ingress: [{ from: peers(from.selector), ports: ports() }] })));
    }
    const client = from.selector;
    if (this.owns(client)) {
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
