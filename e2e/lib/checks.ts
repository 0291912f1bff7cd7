import {
  condition,
  isLive,
  selects,
  type EndpointSlice,
  type Event,
  type Hpa,
  type Kubectl,
  type KubeObject,
  type Node,
  type Pdb,
  type Pod,
  type ResourceQuota,
  type Service,
  type Workload,
} from './kube';
import { observed, type Observation } from './poll';
import type { SynthesizedStack } from './stacks';

const ZONE = 'topology.kubernetes.io/zone';

/** Deployments and StatefulSets: observed, updated, ready and available at their desired replicas. */
export async function workloadsReady(k: Kubectl, ns: string): Promise<Observation> {
  const ws = await k.list<Workload>('deployments,statefulsets', ns);
  const settled = (w: Workload) =>
    w.status.observedGeneration === w.metadata.generation &&
    [w.status.updatedReplicas, w.status.readyReplicas, w.status.availableReplicas, w.status.replicas].every((n) => (n ?? 0) === w.spec.replicas) &&
    (condition(w.status.conditions, 'Available') ?? 'True') === 'True';
  const line = ws.map((w) => `${w.metadata.name} ${w.status.availableReplicas ?? 0}/${w.spec.replicas}`).join(', ');
  return observed(ws.length > 0 && ws.every(settled), line || 'no workloads');
}

/** Every pod Running, on a kwok node (kwok) or a Ready node (another cluster). */
export async function podsRunningOnNodes(k: Kubectl, ns: string, kwok: boolean): Promise<Observation> {
  const nodes = await k.list<Node>('nodes');
  const good = new Set(
    nodes
      .filter((n) => (kwok ? n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake' : condition(n.status.conditions, 'Ready') === 'True'))
      .map((n) => n.metadata.name),
  );
  const pods = (await k.list<Pod>('pods', ns)).filter(isLive);
  // A Job's pod (CloudNativePG's initdb) is done when it Succeeded.
  const finished = (p: Pod) => p.status.phase === 'Succeeded' && (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job');
  const bad = pods.filter((p) => (p.status.phase !== 'Running' && !finished(p)) || !good.has(p.spec.nodeName ?? ''));
  if (pods.length === 0) return observed(false, 'no pods');
  if (bad.length > 0) return observed(false, bad.map((p) => `${p.metadata.name} is ${p.status.phase} on ${p.spec.nodeName ?? 'no node'}`).join(', '));
  return observed(true, `${pods.length} pods on ${new Set(pods.map((p) => p.spec.nodeName)).size} nodes`);
}

/**
 * A pod the namespace's admission (restricted Pod Security, quota) refuses never exists: its
 * controller reports a FailedCreate event. Conflicts on the ResourceQuota's usage (many pods
 * created at once) are retried by the controller, not refusals: counted, not failed.
 */
export async function noFailedCreate(k: Kubectl, ns: string): Promise<Observation> {
  const events = await k.exec(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'json']);
  const items = (JSON.parse(events) as { items: Event[] }).items;
  const refused = items.filter((e) => !/Operation cannot be fulfilled on resourcequotas/.test(e.message ?? ''));
  const retried = items.length - refused.length;
  const note = retried > 0 ? ` (${retried} quota update conflicts, retried)` : '';
  const lines = [...new Set(refused.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${(e.message ?? '').replace(/pods "[^"]+"/, 'pods')}`))];
  return observed(refused.length === 0, refused.length === 0 ? `none${note}` : `${refused.length} events: ${lines.join('; ')}`);
}

/** Ready endpoints per Service; `names` limits the check to those Services. */
export async function servicesHaveEndpoints(k: Kubectl, ns: string, names: readonly string[]): Promise<Observation> {
  const slices = await k.list<EndpointSlice>('endpointslices', ns);
  const ready = (svc: string) =>
    slices
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)
      .flatMap((s) => s.endpoints ?? [])
      .filter((e) => e.conditions?.ready !== false).length;
  const counts = names.map((n) => ({ n, ready: ready(n) }));
  return observed(counts.length > 0 && counts.every((c) => c.ready > 0), counts.map((c) => `${c.n}:${c.ready}`).join(' ') || 'no Services');
}

/** The target exists and the HPA controller could read its scale (AbleToScale). */
export async function hpaTargets(k: Kubectl, ns: string): Promise<Observation> {
  const hpas = await k.list<Hpa>('hpa', ns);
  const ws = await k.list<Workload>('deployments,statefulsets', ns);
  const rows = hpas.map((h) => {
    const t = h.spec.scaleTargetRef;
    const exists = ws.some((w) => w.kind === t.kind && w.metadata.name === t.name);
    const able = condition(h.status?.conditions, 'AbleToScale') ?? 'not yet';
    return { ok: exists && able === 'True', line: `${h.metadata.name} → ${t.kind}/${t.name}${exists ? '' : ' (missing)'}, AbleToScale ${able}` };
  });
  return observed(rows.length > 0 && rows.every((r) => r.ok), rows.map((r) => r.line).join('; ') || 'no HPAs');
}

/** Every PDB the stack defines exists, selects running pods, and the disruption controller counts them. */
export async function pdbsSelectPods(k: Kubectl, ns: string, stack: SynthesizedStack): Promise<Observation> {
  const want = stack.names('kubernetes_pod_disruption_budget_v1');
  const pdbs = await k.list<Pdb>('pdb', ns);
  const pods = (await k.list<Pod>('pods', ns)).filter((p) => isLive(p) && p.status.phase === 'Running');
  const missing = want.filter((n) => !pdbs.some((p) => p.metadata.name === n));
  if (missing.length > 0) return observed(false, `missing: ${missing.join(', ')}`);
  if (want.length === 0) return observed(true, 'none: the stack defines none');
  const rows = pdbs
    .filter((p) => want.includes(p.metadata.name))
    .map((p) => {
      const n = pods.filter((pod) => selects(p.spec.selector, pod.metadata.labels)).length;
      const s = p.status ?? {};
      return {
        ok: n > 0 && s.expectedPods === n && s.observedGeneration === p.metadata.generation,
        line: `${p.metadata.name} selects ${n} pods, ${s.disruptionsAllowed ?? 0} disruptions allowed`,
      };
    });
  return observed(rows.every((r) => r.ok), rows.map((r) => r.line).join('; '));
}

/** Every NetworkPolicy, ResourceQuota and LimitRange the stack defines exists; a default deny; quota usage counted. */
export async function guardRails(k: Kubectl, ns: string, stack: SynthesizedStack, kwok: boolean): Promise<Observation> {
  const kinds = [
    ['networkpolicies', 'kubernetes_network_policy_v1'],
    ['resourcequotas', 'kubernetes_resource_quota_v1'],
    ['limitranges', 'kubernetes_limit_range_v1'],
  ] as const;
  const summary: string[] = [];
  for (const [kind, type] of kinds) {
    const want = stack.names(type);
    if (want.length === 0) return observed(false, `the stack defines no ${kind}`);
    const have = new Set((await k.list<KubeObject>(kind, ns)).map((o) => o.metadata.name));
    const missing = want.filter((n) => !have.has(n));
    if (missing.length > 0) return observed(false, `${kind} missing: ${missing.join(', ')}`);
    summary.push(`${want.length} ${kind}`);
  }
  if (!(await k.get('networkpolicy', 'default-deny', ns))) return observed(false, 'no default-deny NetworkPolicy');
  const quotas = await k.list<ResourceQuota>('resourcequotas', ns);
  if (!quotas.every((q) => q.status?.used !== undefined)) return observed(false, "the quota controller has not counted the namespace's usage");
  return observed(true, summary.join(', ') + (kwok ? ' (policies evaluated by Cyclonus below, not enforced: kwok has no network plugin)' : ''));
}

/**
 * What the API server stored differs from what we sent only where it adds (defaults, status): a
 * field missing from the stored object was pruned because the CRD schema does not know it.
 * Numbers and numeric strings compare equal (int-or-string quantities come back as numbers).
 */
export function droppedOrChanged(sent: unknown, stored: unknown, path: string[]): string[] {
  if (isObject(sent) && isObject(stored)) {
    return Object.entries(sent).flatMap(([key, value]) =>
      key in stored ? droppedOrChanged(value, stored[key], [...path, key]) : [`${[...path, key].join('.')} was dropped`],
    );
  }
  if (Array.isArray(sent) && Array.isArray(stored) && sent.length === stored.length) {
    return sent.flatMap((v, i) => droppedOrChanged(v, stored[i], [...path, String(i)]));
  }
  const same = JSON.stringify(sent) === JSON.stringify(stored) || (typeof sent !== typeof stored && String(sent) === String(stored) && [sent, stored].every((v) => ['number', 'string'].includes(typeof v)));
  return same ? [] : [`${path.join('.')}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every custom resource of the stack exists as sent (spec and labels). */
export async function customResourcesAsSent(k: Kubectl, stack: SynthesizedStack): Promise<Observation> {
  const sent = stack.customResources();
  if (sent.length === 0) return observed(false, 'the stack has no custom resources');
  const bad: string[] = [];
  for (const m of sent) {
    const group = (m.apiVersion ?? '').split('/')[0];
    const live = await k.get<KubeObject & { spec?: unknown }>(`${m.kind}.${group}`, m.metadata.name, m.metadata.namespace);
    if (!live) {
      bad.push(`${m.kind}/${m.metadata.name}: not found`);
      continue;
    }
    const diffs = [
      ...droppedOrChanged((m as { spec?: unknown }).spec, live.spec, ['spec']),
      ...droppedOrChanged(m.metadata.labels, live.metadata.labels, ['metadata', 'labels']),
    ];
    if (diffs.length > 0) bad.push(`${m.kind}/${m.metadata.name}: ${diffs.join('; ')}`);
  }
  const counts = new Map<string, number>();
  for (const m of sent) counts.set(m.kind ?? '?', (counts.get(m.kind ?? '?') ?? 0) + 1);
  const line = [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
  return observed(bad.length === 0, bad.length > 0 ? bad.join('\n') : line);
}

/**
 * Per workload with more than one replica: pods per zone. DoNotSchedule (required) keeps the
 * skew within maxSkew over every zone that has nodes; ScheduleAnyway (preferred) uses more than
 * one zone.
 */
export async function zoneSpread(k: Kubectl, ns: string): Promise<Observation> {
  const nodes = await k.list<Node>('nodes');
  const zoneOf = new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels?.[ZONE]]));
  const zones = [...new Set([...zoneOf.values()].filter((z): z is string => z !== undefined))].sort();
  if (zones.length < 2) throw new Error(`the nodes are not labelled with 2 or more zones (${ZONE}): the spread cannot be shown`);
  const pods = (await k.list<Pod>('pods', ns)).filter((p) => isLive(p) && p.spec.nodeName !== undefined);
  const rows = (await k.list<Workload>('deployments,statefulsets', ns))
    .filter((w) => w.spec.replicas > 1)
    .map((w) => {
      const c = w.spec.template.spec.topologySpreadConstraints?.find((t) => t.topologyKey === ZONE);
      const count = Object.fromEntries(zones.map((z) => [z, 0]));
      for (const p of pods.filter((p) => selects(w.spec.selector, p.metadata.labels))) {
        const z = zoneOf.get(p.spec.nodeName as string);
        if (z !== undefined) count[z] += 1;
      }
      const values = Object.values(count);
      const rule = c === undefined ? 'no zone constraint' : c.whenUnsatisfiable === 'DoNotSchedule' ? `required, maxSkew ${c.maxSkew}` : 'preferred';
      const ok =
        c === undefined
          ? false
          : c.whenUnsatisfiable === 'DoNotSchedule'
            ? Math.max(...values) - Math.min(...values) <= c.maxSkew
            : values.filter((v) => v > 0).length > 1;
      return { ok, line: `${w.metadata.name} ${Object.entries(count).map(([z, n]) => `${z}:${n}`).join(' ')} (${rule})` };
    });
  return observed(rows.length > 0 && rows.every((r) => r.ok), rows.map((r) => r.line).join('; '));
}

export async function gone(k: Kubectl, type: string, name: string, namespace?: string): Promise<Observation> {
  const left = await k.get(type, name, namespace);
  return observed(left === undefined, left === undefined ? 'gone' : `${type}/${name} still exists`);
}

export async function servicesOf(k: Kubectl, ns: string): Promise<Service[]> {
  return k.list<Service>('services', ns);
}
