import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ChildProcess } from 'node:child_process';
import { parse, parseAllDocuments } from 'yaml';
import { resources, type Json } from '../../__tests__/helpers';
import { PROMETHEUS_RELEASE } from '../../constructs/monitoring/prometheus-stack';
import { freePort, tail } from './cnpg';
import { isLive, selects, type Event, type KubeObject, type Kubectl, type LabelSelector, type Pod, type Workload } from './kube';
import { databaseObjects } from './operator-checks';
import { observed, poll, type Observation } from './poll';
import { run, start } from './processes';
import { jobTargets, type Discovered, type Target } from './scrape-targets';
import type { SynthesizedStack } from './stacks';

export interface RunningPrometheusOperator {
  readonly process: ChildProcess;
  readonly log: string;
}

/** GET /healthz on the operator's web server. */
function healthy(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * The operator's own CRDs (`operator crds`, embedded in the binary at the built version) that the
 * cluster lacks: tools/crds.sh installs only the monitors and rules the app stacks create, the
 * operator needs its Prometheus CRD too. Server-side: the Prometheus CRD is too large for the
 * last-applied annotation.
 */
async function installMissingCrds(kubectl: Kubectl, binary: string): Promise<void> {
  const printed = await run(binary, ['crds'], { timeoutSeconds: 60 });
  if (printed.code !== 0) throw new Error(`${binary} crds: ${printed.stderr.trim()}`);
  const present = new Set((await kubectl.list<KubeObject>('customresourcedefinitions')).map((c) => c.metadata.name));
  const missing = parseAllDocuments(printed.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((c): c is KubeObject => c !== null && !present.has(c.metadata.name));
  if (missing.length === 0) return;
  await kubectl.exec(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: missing }));
  await kubectl.exec(['wait', '--for=condition=Established', '--timeout=60s', ...missing.map((c) => `crd/${c.metadata.name}`)]);
}

/**
 * Runs prometheus-operator (tools/build.sh promop) out of cluster against the test cluster:
 * it reads KUBECONFIG, watches every namespace and serves /healthz on a loopback port. It needs no
 * admission webhook: it only turns Prometheus resources and the monitors and rules they select
 * into configuration.
 */
export async function startPrometheusOperator(kubectl: Kubectl, binary: string, dir: string, kubeconfig: string): Promise<RunningPrometheusOperator> {
  await installMissingCrds(kubectl, binary);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = join(dir, 'prometheus-operator.log');
  const fd = openSync(log, 'a');
  const operator = start(binary, [`--web.listen-address=127.0.0.1:${port}`], { ...process.env, KUBECONFIG: kubeconfig }, fd, dir);
  closeSync(fd);
  await poll('prometheus-operator answers /healthz', 120, async () => {
    if (operator.exitCode !== null) throw new Error(`prometheus-operator exited (${operator.exitCode}); see ${log}:\n${tail(log)}`);
    const status = await healthy(url);
    return observed(status === 200, `GET ${url}/healthz: ${status || 'no answer'}`);
  });
  return { process: operator, log };
}

/** The Prometheus resource's fields that decide which monitors and rules it loads. */
export interface PrometheusSelectors {
  readonly serviceMonitorSelector: LabelSelector;
  readonly serviceMonitorNamespaceSelector: LabelSelector;
  readonly podMonitorSelector: LabelSelector;
  readonly podMonitorNamespaceSelector: LabelSelector;
  readonly ruleSelector: LabelSelector;
  readonly ruleNamespaceSelector: LabelSelector;
}

/**
 * The selectors kube-prometheus-stack writes into its Prometheus resource, from the values the
 * synthesized platform stack gives its release. This follows the chart's
 * templates/prometheus/prometheus.yaml: a non-empty `<x>Selector` value is used as is; else
 * `<x>SelectorNilUsesHelmValues` (chart default true) selects the release's own label; else `{}`
 * (everything). The namespace selectors are copied (chart default `{}`: every namespace).
 */
export function chartSelectors(platform: SynthesizedStack): PrometheusSelectors {
  const release = resources(platform.json, 'helm_release').find((r) => r.name === PROMETHEUS_RELEASE);
  if (release === undefined) throw new Error(`${platform.name}: no helm_release ${PROMETHEUS_RELEASE}`);
  const values = parse((release.values as string[])[0]) as Json;
  const spec = ((values.prometheus as Json | undefined)?.prometheusSpec ?? {}) as Record<string, unknown>;
  const nonEmpty = (v: unknown): v is LabelSelector => typeof v === 'object' && v !== null && Object.keys(v).length > 0;
  const selector = (x: string): LabelSelector => {
    const given = spec[`${x}Selector`];
    if (nonEmpty(given)) return given;
    return spec[`${x}SelectorNilUsesHelmValues`] === false ? {} : { matchLabels: { release: PROMETHEUS_RELEASE } };
  };
  const namespaces = (x: string): LabelSelector => {
    const given = spec[`${x}NamespaceSelector`];
    return nonEmpty(given) ? given : {};
  };
  return {
    serviceMonitorSelector: selector('serviceMonitor'),
    serviceMonitorNamespaceSelector: namespaces('serviceMonitor'),
    podMonitorSelector: selector('podMonitor'),
    podMonitorNamespaceSelector: namespaces('podMonitor'),
    ruleSelector: selector('rule'),
    ruleNamespaceSelector: namespaces('rule'),
  };
}

/** A Prometheus resource with the chart's selectors; kwok runs no container, so nothing scrapes. */
export function prometheusResource(name: string, namespace: string, selectors: PrometheusSelectors): KubeObject & { spec: object } {
  return { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name, namespace }, spec: { replicas: 1, ...selectors } };
}

/**
 * The ServiceAccount and cluster-wide read access a running Prometheus needs for Kubernetes
 * service discovery, as kube-prometheus-stack gives its own (templates/prometheus/clusterrole.yaml).
 */
export function prometheusAccess(namespace: string, name: string): object[] {
  const role = `web-topology-e2e-${name}`;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
}

/** One scrape job of the generated prometheus.yaml: the fields the checks read. */
export interface ScrapeJob {
  readonly job_name: string;
  readonly metrics_path?: string;
  readonly kubernetes_sd_configs?: readonly { readonly role: string; readonly namespaces?: { readonly names?: readonly string[] } }[];
  readonly relabel_configs?: readonly RelabelConfig[];
}
export interface RelabelConfig {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string | number;
  readonly target_label?: string;
  readonly replacement?: string | number;
  readonly modulus?: number;
  readonly action?: string;
}
export interface GeneratedConfig {
  readonly scrape_configs?: readonly ScrapeJob[];
  readonly rule_files?: readonly string[];
}

/**
 * The configuration the operator generated for a Prometheus: the gzipped prometheus.yaml of the
 * `prometheus-<name>` Secret. `$(SHARD)` is what the config reloader fills in from the pod's
 * environment; with one shard, it is 0.
 */
export async function generatedConfig(k: Kubectl, namespace: string, name: string): Promise<GeneratedConfig | undefined> {
  const secret = await k.get<KubeObject & { data?: Record<string, string> }>('secret', `prometheus-${name}`, namespace);
  const gz = secret?.data?.['prometheus.yaml.gz'];
  if (gz === undefined) return undefined;
  const text = gunzipSync(Buffer.from(gz, 'base64')).toString('utf8').replaceAll('$(SHARD)', '0');
  return parse(text) as GeneratedConfig;
}

/** The rule files the operator wrote for a Prometheus, by ConfigMap: file name → content. */
export async function ruleFiles(k: Kubectl, namespace: string, name: string): Promise<Map<string, Record<string, string>>> {
  const maps = await k.list<KubeObject & { data?: Record<string, string> }>('configmaps', namespace);
  return new Map(maps.filter((m) => m.metadata.name.startsWith(`prometheus-${name}-rulefiles-`)).map((m) => [m.metadata.name, m.data ?? {}]));
}

/**
 * Each PrometheusRule is in a rule file the generated configuration loads (rule_files), and the
 * operator reported no InvalidConfiguration event for it.
 */
export async function rulesLoaded(
  k: Kubectl,
  config: GeneratedConfig,
  prometheus: { namespace: string; name: string },
  rules: readonly { namespace: string; name: string }[],
): Promise<Observation> {
  const files = await ruleFiles(k, prometheus.namespace, prometheus.name);
  const loadedMaps = [...files.keys()].filter((m) => (config.rule_files ?? []).some((f) => f.includes(`/${m}/`)));
  const lines: string[] = [];
  let ok = rules.length > 0;
  for (const r of rules) {
    const live = await k.get<KubeObject & { metadata: { uid?: string } }>('prometheusrule', r.name, r.namespace);
    const file = live && `${r.namespace}-${r.name}-${live.metadata.uid}.yaml`;
    const inMap = loadedMaps.find((m) => file !== undefined && files.get(m)?.[file] !== undefined);
    const rejected = await rejections(k, r.namespace, 'PrometheusRule', r.name);
    if (!inMap || rejected.length > 0) ok = false;
    lines.push(`${r.namespace}/${r.name}: ${inMap ? `loaded from ${inMap}` : 'in no loaded rule file'}${rejected.length ? `, rejected: ${rejected.join('; ')}` : ''}`);
  }
  return observed(ok, lines.join('; ') || 'no PrometheusRule');
}

/** The operator's InvalidConfiguration events about one object. */
export async function rejections(k: Kubectl, namespace: string, kind: string, name: string): Promise<string[]> {
  const events = await k.list<Event & { reason?: string }>('events', namespace);
  return events
    .filter((e) => e.reason === 'InvalidConfiguration' && e.involvedObject.kind === kind && e.involvedObject.name === name)
    .map((e) => e.message ?? '');
}

/** The operator's job name for endpoint 0 of a ServiceMonitor or PodMonitor. */
export const jobName = (monitor: KubeObject): string =>
  `${monitor.kind === 'ServiceMonitor' ? 'serviceMonitor' : 'podMonitor'}/${monitor.metadata.namespace}/${monitor.metadata.name}/0`;

/** The path of a monitor's first endpoint, as the stack wrote it. */
const monitorPath = (monitor: KubeObject): string | undefined => {
  const spec = (monitor as KubeObject & { spec?: { endpoints?: { path?: string }[]; podMetricsEndpoints?: { path?: string }[] } }).spec;
  return (spec?.endpoints ?? spec?.podMetricsEndpoints)?.[0]?.path;
};

/** A monitor's verdict: its job exists, has the monitor's path, and reaches pods on a port they expose. */
export interface JobVerdict {
  readonly ok: boolean;
  readonly detail: string;
  readonly targets: readonly Target[];
}

/** What the generated job of one monitor scrapes, judged on the live objects. */
export function judgeMonitor(config: GeneratedConfig, monitor: KubeObject, byNamespace: ReadonlyMap<string, Discovered>): JobVerdict {
  const name = jobName(monitor);
  const job = (config.scrape_configs ?? []).find((j) => j.job_name === name);
  if (job === undefined) return { ok: false, detail: `${name}: no such job`, targets: [] };
  const targets = jobTargets(job, byNamespace);
  const path = job.metrics_path ?? '/metrics';
  const unexposed = targets.filter((t) => t.portName === '');
  const wantPath = monitorPath(monitor) ?? '/metrics';
  const ok = targets.length > 0 && unexposed.length === 0 && path === wantPath;
  const where = targets.map((t) => `${t.pod}:${t.port}${t.portName ? `(${t.portName})` : ' (no container port)'}`).join(', ');
  return { ok, detail: `${name} ${path}${path === wantPath ? '' : ` (want ${wantPath})`} → ${where || 'no target'}`, targets };
}

/**
 * The workloads that must be scraped, each with its live pods: the backend Deployment, every
 * StatefulSet of the stack (the cache), every CloudNativePG Cluster (its instance pods) and
 * every Pooler (its Deployment's pods).
 */
async function scrapedWorkloads(k: Kubectl, stack: SynthesizedStack, backend: string): Promise<{ what: string; pods: Set<string> }[]> {
  const ns = stack.namespace;
  const pods = (await k.list<Pod>('pods', ns)).filter(isLive);
  const byWorkload = async (kind: string, name: string) => {
    const w = await k.get<Workload>(kind, name, ns);
    return new Set(pods.filter((p) => w !== undefined && selects(w.spec.selector, p.metadata.labels)).map((p) => p.metadata.name));
  };
  const db = databaseObjects(stack);
  return [
    { what: `Deployment ${backend}`, pods: await byWorkload('deployment', backend) },
    ...(await Promise.all(stack.names('kubernetes_stateful_set_v1').map(async (s) => ({ what: `StatefulSet ${s}`, pods: await byWorkload('statefulset', s) })))),
    ...db.clusters.map((c) => ({
      what: `Cluster ${c}`,
      pods: new Set(pods.filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Cluster' && o.name === c)).map((p) => p.metadata.name)),
    })),
    ...(await Promise.all(db.poolers.map(async (p) => ({ what: `Pooler ${p.name}`, pods: await byWorkload('deployment', p.name) })))),
  ];
}

/** Each workload that must be scraped has a monitor whose job passes and reaches its pods. */
export async function workloadsScraped(
  k: Kubectl,
  stack: SynthesizedStack,
  backend: string,
  config: GeneratedConfig,
  byNamespace: ReadonlyMap<string, Discovered>,
): Promise<Observation> {
  const verdicts = stack.customResources().filter((m) => m.kind === 'ServiceMonitor' || m.kind === 'PodMonitor').map((m) => judgeMonitor(config, m, byNamespace));
  const lines: string[] = [];
  let ok = true;
  for (const w of await scrapedWorkloads(k, stack, backend)) {
    const by = verdicts.filter((v) => v.ok && v.targets.some((t) => w.pods.has(t.pod)));
    if (w.pods.size === 0 || by.length === 0) ok = false;
    lines.push(`${w.what} (${w.pods.size} pods): ${by.map((v) => v.detail.split(' ')[0]).join(', ') || 'no passing job'}`);
  }
  return observed(ok, lines.join('; '));
}
