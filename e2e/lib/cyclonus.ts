import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selects, type Labels, type LabelSelector, type NetworkPolicy, type Pod } from './kube';
import { run } from './processes';

/**
 * The NetworkPolicies judged by Cyclonus (tools/build.sh cyclonus), a NetworkPolicy engine of its own:
 * kwok runs no network plugin, so nothing enforces them, and the verdicts here are Cyclonus's,
 * not a re-implementation of the policy semantics.
 */

/** One end of a connection, as Cyclonus's traffic files take it. */
export interface Peer {
  /** For the log: which pod or what this stands for. */
  readonly label: string;
  readonly internal?: { readonly namespace: string; readonly namespaceLabels: Labels; readonly podLabels: Labels };
  readonly ip: string;
}

export interface Connection {
  readonly from: Peer;
  readonly to: Peer;
  readonly port: number;
  readonly protocol: string;
}

/** An address outside the cluster (TEST-NET-3, RFC 5737). */
export const INTERNET_IP = '203.0.113.10';

export function podPeer(pod: Pod, namespaceLabels: Labels): Peer {
  const ns = pod.metadata.namespace as string;
  return {
    label: `${ns}/${pod.metadata.name}`,
    internal: { namespace: ns, namespaceLabels, podLabels: pod.metadata.labels ?? {} },
    ip: pod.status.podIP ?? '10.244.254.1',
  };
}

/** A pod that does not exist: of another namespace, with the given labels. */
export function syntheticPeer(namespace: string, podLabels: Labels, label: string): Peer {
  return {
    label,
    internal: { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, podLabels },
    ip: '10.244.253.1',
  };
}

export const internet: Peer = { label: `internet (${INTERNET_IP})`, ip: INTERNET_IP };

/** The container ports of a pod (every one: a denied pair must be denied on each). */
export function podPorts(pod: Pod): { port: number; protocol: string }[] {
  return pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** Asks Cyclonus (query-traffic mode) about each connection under the given policies. */
export async function verdicts(binary: string, dir: string, policies: readonly NetworkPolicy[], connections: readonly Connection[]): Promise<boolean[]> {
  const policyFile = join(dir, 'policies.json');
  const trafficFile = join(dir, 'traffic.json');
  writeFileSync(policyFile, JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items: policies }));
  const peer = (p: Peer) => ({
    Internal: p.internal ? { PodLabels: p.internal.podLabels, NamespaceLabels: p.internal.namespaceLabels, Namespace: p.internal.namespace } : null,
    IP: p.ip,
  });
  writeFileSync(
    trafficFile,
    JSON.stringify(connections.map((c) => ({ Source: peer(c.from), Destination: peer(c.to), ResolvedPort: c.port, ResolvedPortName: '', Protocol: c.protocol }))),
  );
  const r = await run(binary, ['analyze', '--mode', 'query-traffic', '--policy-path', policyFile, '--traffic-path', trafficFile], { timeoutSeconds: 300 });
  if (r.code !== 0) throw new Error(`cyclonus analyze --mode query-traffic: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  // One "Is traffic allowed?" table per connection, in order; its footer holds the verdict.
  const found = [...r.stdout.matchAll(/IS ALLOWED\?\s*\|\s*(TRUE|FALSE)/gi)].map((m) => m[1].toUpperCase() === 'TRUE');
  if (found.length !== connections.length) throw new Error(`cyclonus answered ${found.length} verdicts for ${connections.length} connections:\n${r.stdout.slice(0, 2000)}`);
  return found;
}

/**
 * The connectivity matrix of a namespace's live pods (one per owner) under the given policies:
 * a row per source, a column per destination port, each cell Cyclonus's verdict (query-traffic
 * mode). Its probe mode would draw this from the cluster itself, but v0.5.6 crashes rendering a
 * table when a pod has more than one container with ports (renderTableHelper stops checking the
 * ports' uniformity at the first multi-port cell), as the cache's and PostgreSQL's pods have.
 */
export async function matrix(binary: string, dir: string, policies: readonly NetworkPolicy[], pods: readonly Pod[], nsLabels: Labels): Promise<string> {
  const live = onePerOwner(pods);
  const columns = live.flatMap((to) => podPorts(to).map((p) => ({ to, ...p })));
  const connections = live.flatMap((from) => columns.map((c) => ({ from: podPeer(from, nsLabels), to: podPeer(c.to, nsLabels), port: c.port, protocol: c.protocol })));
  const allowed = await verdicts(binary, dir, policies, connections);
  const headers = columns.map((c) => `${c.to.metadata.name}:${c.port}`);
  const width = Math.max(...live.map((p) => p.metadata.name.length));
  const lines = headers.map((h, i) => `${' '.repeat(width + 3)}${'|  '.repeat(i)}${h}`);
  live.forEach((from, row) => {
    const cells = columns.map((_, col) => (allowed[row * columns.length + col] ? 'Y' : '.'));
    lines.push(`${from.metadata.name.padEnd(width)}   ${cells.join('  ')}`);
  });
  return `${lines.join('\n')}\n(rows: from; columns: to, in the order above; Y allowed, . denied)`;
}

/** One live pod per owner (the pods of a ReplicaSet share their labels), so the matrix stays small. */
export function onePerOwner(pods: readonly Pod[]): Pod[] {
  const seen = new Map<string, Pod>();
  for (const p of pods) {
    const owner = p.metadata.ownerReferences?.[0];
    const key = owner ? `${owner.kind}/${owner.name}` : p.metadata.name;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()];
}

interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string };
}
interface PolicyRule {
  readonly from?: readonly PolicyPeer[];
  readonly to?: readonly PolicyPeer[];
  readonly ports?: readonly { readonly port?: number | string; readonly protocol?: string }[];
}
interface PolicySpec {
  readonly podSelector: LabelSelector;
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
}

/**
 * The connections the policies declare, as concrete traffic: each rule's peers are the live pods
 * of the namespace its selectors pick (one per owner), a pod of the named namespace for a
 * namespace selector, an outside address for an IPv4 block; each on every port of the rule.
 * Throws when a selector picks no live pod: a flow to or from nothing is a wrong label.
 */
export function declaredConnections(policies: readonly NetworkPolicy[], pods: readonly Pod[], nsLabels: Labels): Connection[] {
  const live = onePerOwner(pods);
  const pick = (selector: LabelSelector, what: string): Peer[] => {
    const chosen = live.filter((p) => selects(selector, p.metadata.labels));
    if (chosen.length === 0) throw new Error(`${what}: selector ${JSON.stringify(selector)} matches no live pod`);
    return chosen.map((p) => podPeer(p, nsLabels));
  };
  const peers = (peer: PolicyPeer, what: string): Peer[] => {
    if (peer.ipBlock) return peer.ipBlock.cidr.includes(':') ? [] : [{ label: `ipBlock ${peer.ipBlock.cidr}`, ip: addressIn(peer.ipBlock.cidr) }];
    if (peer.namespaceSelector) {
      const name = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? 'any-namespace';
      return [syntheticPeer(name, peer.podSelector?.matchLabels ?? {}, `${name}/${JSON.stringify(peer.podSelector?.matchLabels ?? {})}`)];
    }
    return pick(peer.podSelector ?? {}, what);
  };
  const out: Connection[] = [];
  for (const policy of policies) {
    const spec = policy.spec as unknown as PolicySpec;
    const name = policy.metadata.name;
    for (const [direction, rules] of [['ingress', spec.ingress], ['egress', spec.egress]] as const) {
      for (const rule of rules ?? []) {
        const selected = pick(spec.podSelector, `${name} (podSelector)`);
        const others = (direction === 'ingress' ? rule.from : rule.to) ?? [];
        if (others.length === 0) throw new Error(`${name}: an ${direction} rule without peers (everyone) is not a flow this check can list`);
        // Every rule of ours names numeric ports; anything else would need resolving against pods.
        const ports = rule.ports ?? [];
        const unresolved = ports.length === 0 ? ['(all ports)'] : ports.filter((p) => !/^\d+$/.test(String(p.port))).map((p) => String(p.port));
        if (unresolved.length > 0) throw new Error(`${name}: ${direction} port ${unresolved.join(', ')} is not a port number; this check cannot resolve it`);
        for (const other of others.flatMap((p) => peers(p, `${name} (${direction} peer)`))) {
          for (const self of selected) {
            for (const port of ports) {
              const [from, to] = direction === 'ingress' ? [other, self] : [self, other];
              out.push({ from, to, port: Number(port.port), protocol: port.protocol ?? 'TCP' });
            }
          }
        }
      }
    }
  }
  return out;
}

/** An address inside an IPv4 block (a public one for 0.0.0.0/0). */
function addressIn(cidr: string): string {
  const [base, bits] = cidr.split('/');
  if (Number(bits) === 0) return INTERNET_IP;
  const n = base.split('.').reduce((a, o) => a * 256 + Number(o), 0) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export const describeConnection = (c: Connection): string => `${c.from.label} → ${c.to.label}:${c.port}/${c.protocol}`;

