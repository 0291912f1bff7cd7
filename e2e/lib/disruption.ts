import { gone, workloadsReady } from './checks';
import { isLive, selects, selectorArgument, type Kubectl, type Pdb, type Pod, type Workload } from './kube';
import { observed, poll, type Observation } from './poll';

/** Delete one pod of a Deployment; the Deployment is whole again without it. */
export async function podReplaced(k: Kubectl, ns: string, deployment: string, slow: number): Promise<string> {
  const d = await k.get<Workload>('deployment', deployment, ns);
  if (!d) throw new Error(`no Deployment ${deployment}`);
  const [pod] = (await k.list<Pod>('pods', ns, selectorArgument(d.spec.selector.matchLabels ?? {}))).filter(isLive);
  if (!pod) throw new Error(`no ${deployment} pod`);
  await k.exec(['delete', 'pod', pod.metadata.name, '-n', ns, '--wait=false']);
  const ready = await poll(`${pod.metadata.name} replaced`, 120 * slow, async () => {
    const g = await gone(k, 'pod', pod.metadata.name, ns);
    return g.ok ? workloadsReady(k, ns) : g;
  });
  return `deleted ${pod.metadata.name}; ${ready.detail}`;
}

/**
 * Cordon, drain (evictions honour the PDBs) and delete the node of one of the Deployment's pods;
 * every workload of every namespace is whole again on the other nodes. The node is one whose pods
 * can all be evicted: none is protected by a PDB that allows no disruption (CloudNativePG's PDB
 * of the primary, for one).
 */
export async function nodeReplaced(k: Kubectl, namespaces: readonly string[], deployment: string, slow: number): Promise<string> {
  const ns = namespaces[0];
  const d = await k.get<Workload>('deployment', deployment, ns);
  if (!d) throw new Error(`no Deployment ${deployment}`);
  const pods = await k.list<Pod>('pods', '*');
  const blocking = (await k.list<Pdb>('pdb', '*')).filter((p) => (p.status?.disruptionsAllowed ?? 0) === 0);
  const avoid = new Set(
    pods
      .filter((p) => blocking.some((b) => b.metadata.namespace === p.metadata.namespace && selects(b.spec.selector, p.metadata.labels)))
      .map((p) => p.spec.nodeName),
  );
  const node = pods.find((p) => p.metadata.namespace === ns && selects(d.spec.selector, p.metadata.labels) && p.spec.nodeName && !avoid.has(p.spec.nodeName))?.spec.nodeName;
  if (!node) throw new Error(`every node with a ${deployment} pod also holds a pod whose PDB allows no disruption`);
  await k.exec(['cordon', node]);
  const drain = await k.tryExec(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s']);
  if (drain.code !== 0) throw new Error(`drain ${node} failed: ${(drain.stderr || drain.stdout).trim().split('\n').slice(-5).join('\n')}`);
  await k.exec(['delete', 'node', node]);
  await poll(`every workload Available without ${node}`, 180 * slow, async () => {
    const left = (await k.list<Pod>('pods', '*')).filter((p) => p.spec.nodeName === node);
    if (left.length > 0) return observed(false, `pods still on ${node}: ${left.map((p) => p.metadata.name).join(', ')}`);
    for (const n of namespaces) {
      const r = await workloadsReady(k, n);
      if (!r.ok) return observed(false, `${n}: ${r.detail}`);
    }
    return observed(true, 'all Available');
  });
  const evicted = (drain.stdout + drain.stderr).split('\n').filter((l) => l.startsWith('evicting pod')).length;
  return `deleted ${node} (${evicted} pods evicted); ${(await k.list('nodes')).length} nodes left`;
}

function evict(k: Kubectl, ns: string, pod: string) {
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } };
  return k.tryExec(['create', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, '-f', '-'], JSON.stringify(body));
}

async function pdbSettled(k: Kubectl, ns: string, name: string): Promise<Observation<Pdb>> {
  const p = await k.get<Pdb>('pdb', name, ns);
  if (!p) return observed(false, `no PDB ${name}`);
  const s = p.status ?? {};
  const ok =
    s.observedGeneration === p.metadata.generation &&
    (s.expectedPods ?? 0) > 0 &&
    s.currentHealthy === s.expectedPods &&
    s.disruptionsAllowed === (s.currentHealthy ?? 0) - (s.desiredHealthy ?? 0);
  return observed(ok, `${name}: ${s.currentHealthy ?? 0}/${s.expectedPods ?? 0} healthy, ${s.disruptionsAllowed ?? 0} allowed`, p);
}

/**
 * With every node cordoned: evict as many pods as the budget allows, each must succeed; the next
 * one must be refused by the API server because of the budget.
 */
export async function pdbRefusesEviction(k: Kubectl, ns: string, name: string): Promise<string> {
  const settled = await poll(`PDB ${name} settled`, 60, () => pdbSettled(k, ns, name));
  const pdb = settled.value as Pdb;
  const allowed = pdb.status?.disruptionsAllowed ?? 0;
  const pods = (await k.list<Pod>('pods', ns)).filter((p) => isLive(p) && p.status.phase === 'Running' && selects(pdb.spec.selector, p.metadata.labels));
  if (!(allowed >= 1 && pods.length > allowed)) throw new Error(`${allowed} disruptions allowed for ${pods.length} pods: nothing to test`);
  for (let i = 0; i < allowed; i++) {
    const r = await evict(k, ns, pods[i].metadata.name);
    if (r.code !== 0) throw new Error(`eviction ${i + 1} of the ${allowed} allowed was refused: ${r.stderr.trim()}`);
  }
  const next = await evict(k, ns, pods[allowed].metadata.name);
  if (next.code === 0) throw new Error(`evicted ${pods[allowed].metadata.name} beyond the budget`);
  if (!next.stderr.includes('disruption budget')) throw new Error(`refused, but not by the budget: ${next.stderr.trim()}`);
  return `evicted ${allowed} of ${pods.length}, then refused: ${next.stderr.trim().replace(/^Error from server \(TooManyRequests\): /, '')}`;
}

export async function cordonAll(k: Kubectl, cordon: boolean): Promise<void> {
  const nodes = await k.list('nodes');
  await k.exec([cordon ? 'cordon' : 'uncordon', ...nodes.map((n) => n.metadata.name)]);
}
