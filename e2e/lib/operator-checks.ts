import { at } from '../../__tests__/helpers';
import { CNPG_JOB_ROLES } from '../../constructs/database/postgres-cluster';
import {
  isLive,
  selects,
  type KubeObject,
  type Kubectl,
  type LabelSelector,
  type NetworkPolicy,
  type Pod,
  type Secret,
  type Service,
  type Workload,
} from './kube';
import { observed, type Observation } from './poll';
import type { SynthesizedStack } from './stacks';

/**
 * What CloudNativePG makes of the stack's Cluster and Poolers, read from the cluster. The
 * operator's objects are found by what it owns (ownerReferences) and by the names the stack gave
 * its resources, not by labels written here: those labels are what is being checked.
 */

const ownedBy = (o: KubeObject, kind: string, name: string) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name);

const runningPods = async (k: Kubectl, ns: string) => (await k.list<Pod>('pods', ns)).filter((p) => isLive(p) && p.status.phase === 'Running');

/**
 * The pods of Jobs, as flow ends: kwok's pods of Jobs Succeed at once (so they are not Running),
 * and no join Job is ever made (no replica starts), yet their flows are policies to judge. The
 * live pods of the Clusters' Jobs in any phase, and for a role with none a stand-in labelled as
 * CloudNativePG labels that role's pods; the stack's own Jobs' pods once they Succeeded. The
 * real-node mode runs them for real.
 */
export async function jobPods(k: Kubectl, ns: string, stack: SynthesizedStack): Promise<Pod[]> {
  const pods = (await k.list<Pod>('pods', ns)).filter(isLive);
  // The stack's own Jobs' pods (the schema migration's) once they ran; kwok completes them.
  const finished = pods.filter((p) => p.status.phase === 'Succeeded' && (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job'));
  const jobPods = pods.filter((p) => p.metadata.labels?.['cnpg.io/jobRole'] !== undefined);
  const standIns = databaseObjects(stack).clusters.flatMap((cluster) =>
    CNPG_JOB_ROLES.filter((role) => !jobPods.some((p) => p.metadata.labels?.['cnpg.io/cluster'] === cluster && p.metadata.labels['cnpg.io/jobRole'] === role)).map(
      (role): Pod => ({
        metadata: { name: `${cluster}-${role}-stand-in`, namespace: ns, labels: { 'cnpg.io/cluster': cluster, 'cnpg.io/jobRole': role }, ownerReferences: [{ kind: 'Job', name: `${cluster}-${role}` }] },
        spec: { containers: [] },
        status: { phase: 'Running' },
      }),
    ),
  );
  return [...new Set([...jobPods, ...finished]), ...standIns];
}

/** Names of the stack's CloudNativePG Clusters and Poolers. */
export function databaseObjects(stack: SynthesizedStack): { clusters: string[]; poolers: { name: string; instances: number }[] } {
  return {
    clusters: stack.customResources('Cluster').map((c) => c.metadata.name),
    poolers: stack.customResources('Pooler').map((p) => ({ name: p.metadata.name, instances: Number(at(p, 'spec', 'instances') ?? 1) })),
  };
}

/**
 * The Cluster's -rw, -ro and -r Services exist; each selects only the Cluster's instance pods,
 * and the -rw and -r Services select at least the primary.
 */
export async function clusterServices(k: Kubectl, ns: string, cluster: string): Promise<Observation> {
  const all = await runningPods(k, ns);
  const instances = all.filter((p) => ownedBy(p, 'Cluster', cluster));
  if (instances.length === 0) return observed(false, `no Running instance pod of Cluster ${cluster} yet`);
  const lines: string[] = [];
  let ok = true;
  for (const suffix of ['rw', 'ro', 'r']) {
    const svc = await k.get<Service>('service', `${cluster}-${suffix}`, ns);
    if (!svc) {
      ok = false;
      lines.push(`${cluster}-${suffix} missing`);
      continue;
    }
    const selector = svc.spec.selector ?? {};
    const picked = all.filter((p) => Object.keys(selector).length > 0 && selects(selector, p.metadata.labels));
    const strangers = picked.filter((p) => !instances.includes(p));
    const wantSome = suffix !== 'ro';
    if (strangers.length > 0 || (wantSome && picked.length === 0)) ok = false;
    lines.push(
      `${svc.metadata.name} selects ${picked.map((p) => p.metadata.name).join(',') || 'no pod'}` +
        (strangers.length > 0 ? ` (not instances: ${strangers.map((p) => p.metadata.name).join(',')})` : ''),
    );
  }
  return observed(ok, lines.join('; '));
}

/** Each Pooler's Deployment is Available with the Pooler's instances, and its Service selects exactly its pods. */
export async function poolers(k: Kubectl, ns: string, list: readonly { name: string; instances: number }[]): Promise<Observation> {
  const all = await runningPods(k, ns);
  const lines: string[] = [];
  let ok = list.length > 0;
  for (const p of list) {
    const d = await k.get<Workload>('deployment', p.name, ns);
    const svc = await k.get<Service>('service', p.name, ns);
    if (!d || !svc) {
      ok = false;
      lines.push(`${p.name}: ${d ? '' : 'no Deployment '}${svc ? '' : 'no Service'}`.trim());
      continue;
    }
    const pods = all.filter((pod) => selects(d.spec.selector, pod.metadata.labels));
    const bySvc = all.filter((pod) => selects(svc.spec.selector ?? { none: 'none' }, pod.metadata.labels));
    const same = bySvc.length === pods.length && bySvc.every((x) => pods.includes(x));
    const available = d.status.availableReplicas ?? 0;
    if (!same || available !== p.instances || pods.length === 0) ok = false;
    lines.push(`${p.name}: Deployment ${available}/${p.instances} available, Service selects ${bySvc.length} of its ${pods.length} pods${same ? '' : ' (mismatch)'}`);
  }
  return observed(ok, lines.join('; ') || 'the stack has no Poolers');
}

/**
 * Every Secret key the stack's workloads read (env secretKeyRef, read from the live Deployments
 * and StatefulSets the stack defines) exists, in Secrets the stack does not create itself: those
 * are the operator's (postgres-app).
 */
export async function secretKeysPresent(k: Kubectl, ns: string, stack: SynthesizedStack): Promise<Observation> {
  const own = new Set(stack.names('kubernetes_secret_v1'));
  const wanted = new Map<string, Set<string>>();
  for (const [type, kind] of [['kubernetes_deployment_v1', 'deployment'], ['kubernetes_stateful_set_v1', 'statefulset']] as const) {
    for (const name of stack.names(type)) {
      const w = await k.get<Workload>(kind, name, ns);
      if (!w) return observed(false, `${kind}/${name} not found`);
      for (const ref of w.spec.template.spec.containers.flatMap((c) => c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []))) {
        if (own.has(ref.name)) continue;
        wanted.set(ref.name, (wanted.get(ref.name) ?? new Set()).add(ref.key));
      }
    }
  }
  if (wanted.size === 0) return observed(false, "no workload of the stack reads an operator's Secret");
  const lines: string[] = [];
  let ok = true;
  for (const [name, keys] of wanted) {
    const s = await k.get<Secret>('secret', name, ns);
    const missing = [...keys].filter((key) => s?.data?.[key] === undefined);
    if (!s || missing.length > 0) ok = false;
    lines.push(!s ? `${name} missing` : `${name} has ${[...keys].join(', ')}${missing.length ? ` except ${missing.join(', ')}` : ''}`);
  }
  return observed(ok, lines.join('; '));
}

/**
 * Every pod selector the stack's NetworkPolicies (the target and its same-namespace peers) and
 * PodMonitors use picks at least one Running pod: a selector written for the operator's pods
 * with a label the operator does not set selects nothing, silently.
 */
export async function selectorsMatchPods(k: Kubectl, ns: string, stack: SynthesizedStack): Promise<Observation> {
  const jobs = await jobPods(k, ns, stack);
  const pods = [...(await runningPods(k, ns)), ...jobs];
  const names = new Set(stack.names('kubernetes_network_policy_v1'));
  const policies = (await k.list<NetworkPolicy>('networkpolicies', ns)).filter((p) => names.has(p.metadata.name));
  const selectors: { where: string; selector: LabelSelector }[] = [];
  for (const p of policies) {
    selectors.push({ where: `NetworkPolicy ${p.metadata.name}`, selector: (p.spec.podSelector ?? {}) as LabelSelector });
    const rules = [...((p.spec.ingress as { from?: unknown[] }[] | undefined) ?? []).flatMap((r) => r.from ?? []), ...((p.spec.egress as { to?: unknown[] }[] | undefined) ?? []).flatMap((r) => r.to ?? [])];
    for (const peer of rules as { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[]) {
      if (peer.podSelector && !peer.namespaceSelector) selectors.push({ where: `NetworkPolicy ${p.metadata.name} (peer)`, selector: peer.podSelector });
    }
  }
  for (const m of stack.podMonitorSelectors()) selectors.push({ where: `PodMonitor ${m.name}`, selector: { matchLabels: m.selector } });
  const unmatched = selectors.filter((s) => !pods.some((p) => selects(s.selector, p.metadata.labels)));
  if (selectors.length === 0) return observed(false, 'no selectors');
  return observed(
    unmatched.length === 0,
    unmatched.length === 0
      ? `${selectors.length} selectors of ${policies.length} NetworkPolicies and ${stack.podMonitorSelectors().length} PodMonitors each match Running pods or Job pods (${jobs.map((p) => p.metadata.name).join(', ')})`
      : `select no Running pod: ${unmatched.map((u) => `${u.where} ${JSON.stringify(u.selector.matchLabels ?? u.selector)}`).join('; ')}`,
  );
}

/**
 * A server-side dry-run create of an object under a new name: it passes every admission step,
 * CloudNativePG's defaulting and validating webhooks included, and is not stored.
 */
export async function dryRunCreate(k: Kubectl, object: KubeObject): Promise<{ ok: boolean; message: string }> {
  const copy = { ...object, metadata: { ...object.metadata, name: `${object.metadata.name}-dry-run` } };
  const r = await k.tryExec(['create', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(copy));
  return { ok: r.code === 0, message: r.code === 0 ? 'accepted' : r.stderr.trim() };
}
