/**
 * Who may reach whom, declared by the constructs themselves, in the spirit of AWS CDK's
 * `Connections`: a construct owns a `Connections` for its pods, says what it listens on
 * (`defaultPorts`) and opens each flow it needs (`allowFrom`, `allowTo`, `allowInternally`).
 * Every flow lands in the namespace's {@link NetworkPolicies}, which denies everything else.
 */
import type { IConstruct } from 'constructs';
import type { Labels } from '../core/labels';
import { NetworkPolicies, type Isolation, type Protocol } from './network-policies';

/** Pods of the app namespace, pods (every pod when `pods` is unset) of another namespace, or addresses. */
export type PeerSelector =
  | { readonly pods: Labels }
  | { readonly namespace: string; readonly pods?: Labels }
  | { readonly cidrs: readonly string[] };

/** One end of a flow; its name names the policies (`<from>-to-<to>-ingress`). */
export interface Peer {
  readonly name: string;
  readonly selector: PeerSelector;
}

/** A construct whose pods take part in flows. */
export interface IConnectable {
  readonly connections: Connections;
}

export interface FlowOptions {
  /** Name of the flow's policies. @default "<from>-to-<to>" */
  readonly name?: string;
  /** @default ["TCP"] */
  readonly protocols?: readonly Protocol[];
}

/**
 * The Kubernetes API server. Its address is not known at synth (and differs per cluster), so
 * any address on the two ports API servers listen on.
 */
export const KUBERNETES_API: Peer = { name: 'apiserver', selector: { cidrs: ['0.0.0.0/0', '::/0'] } };
export const KUBERNETES_API_PORTS: readonly number[] = [443, 6443];

/** Every pod of another namespace (an operator, an ingress controller). */
export function namespacePeer(name: string, namespace: string, pods?: Labels): Peer {
  return { name, selector: pods ? { namespace, pods } : { namespace } };
}

const peerOf = (other: IConnectable | Peer): Peer => ('connections' in other ? other.connections.peer : other);

export interface ConnectionsProps {
  /** Namespace of the pods; the flows go to that namespace's NetworkPolicies. */
  readonly namespace: string;
  /** The pods, as the other end of a flow sees them. */
  readonly peer: Peer;
  /** Ports the pods serve their clients on. @default none */
  readonly defaultPorts?: readonly number[];
  /** How the namespace's NetworkPolicies isolate its pods. @default "namespace" */
  readonly isolation?: Isolation;
}

export class Connections {
  readonly peer: Peer;
  readonly defaultPorts: readonly number[];
  /** The NetworkPolicies of the pods' namespace, where their flows land. */
  readonly policies: NetworkPolicies;

  constructor(scope: IConstruct, props: ConnectionsProps) {
    this.peer = props.peer;
    this.defaultPorts = props.defaultPorts ?? [];
    this.policies = NetworkPolicies.of(scope, props.namespace, props.isolation);
    this.policies.isolate(this.peer);
  }

  /** `other` may connect to these pods on `ports`. */
  allowFrom(other: IConnectable | Peer, ports: readonly number[], options: FlowOptions = {}): void {
    this.policies.addFlow({ from: peerOf(other), to: this.peer, ports, ...options });
  }

  /** These pods may connect to `other` on `ports`. */
  allowTo(other: IConnectable | Peer, ports: readonly number[], options: FlowOptions = {}): void {
    this.policies.addFlow({ from: this.peer, to: peerOf(other), ports, ...options });
  }

  /** `other` may connect to what these pods serve. */
  allowDefaultPortFrom(other: IConnectable | Peer, options: FlowOptions = {}): void {
    if (this.defaultPorts.length === 0) throw new Error(`'${this.peer.name}' declares no default port to allow connections to`);
    this.allowFrom(other, this.defaultPorts, options);
  }

  /** The pods may connect to each other on `ports` (replication). */
  allowInternally(ports: readonly number[], options: FlowOptions = {}): void {
    this.policies.addFlow({ from: this.peer, to: this.peer, ports, name: `${this.peer.name}-replication`, ...options });
  }
}
