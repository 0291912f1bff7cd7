/**
 * `cdktf deploy` the app stacks to a real Kubernetes API server, assert what the API and the
 * operators report and what Cyclonus makes of the NetworkPolicies, disrupt the workloads, plan
 * again, `cdktf destroy`, and check that nothing is left. Global setup built the toolchain,
 * started the cluster (and on kwok CloudNativePG and Envoy Gateway) and synthesized the stacks; see README
 * "End-to-end deploy test".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cdktf, cdktnDiff, outDir, outputs, plan, projectPlan, stateList, PROJECT_ROOT } from './lib/cdktf';
import * as checks from './lib/checks';
import * as cyclonus from './lib/cyclonus';
import * as edge from './lib/gateway-checks';
import { cordonAll, nodeReplaced, pdbRefusesEviction, podReplaced } from './lib/disruption';
import { Kubectl, isLive, selects, type KubeObject, type Labels, type NetworkPolicy, type Pod, type Workload } from './lib/kube';
import { clusterDown, remember, stopOperator } from './lib/lifecycle';
import * as operator from './lib/operator-checks';
import * as promop from './lib/prometheus-operator';
import { expectNow, observed, type Observation } from './lib/poll';
import { recordTiming, say } from './lib/report';
import { phaseTests } from './lib/phases';
import { deployWithCacheSecret } from './lib/secrets';
import { loadRunState } from './lib/settings';
import { SimulatedControllers } from './lib/simulated';
import { discover } from './lib/scrape-targets';
import { SynthesizedStack } from './lib/stacks';

const state = loadRunState();
const { settings } = state;
const k = new Kubectl(state.context);
const kwok = settings.mode === 'kwok';
const slow = settings.slowdown;
const apps = settings.environments.map((env) => SynthesizedStack.load(outDir(state), `${env}-app`));
const stacks = settings.environments.flatMap((env) => [...(settings.platform ? [`${env}-platform`] : []), `${env}-app`]);
/** The app's web tiers, by their Deployments' names (the app's own names for them). */
const FRONTEND = 'frontend';
const BACKEND = 'backend';
const PART_OF = 'app.kubernetes.io/part-of=web-topology';
/** CDK Terrain's synth output: beside the run's, so its stacks use the same local state. */
const CDKTN_OUT = join(state.dir, 'out-cdktn');

let deployed = false;
/** On kwok: the load balancer addresses and volume binding that no controller here provides. */
let simulated: SimulatedControllers | undefined;
const requireDeployed = () => {
  if (!deployed) throw new Error('not checked: cdktf deploy did not succeed');
};

const { phase, pollTest, nowTest } = phaseTests(state, requireDeployed);

/** Every object of every listable type in every namespace with this label. */
async function labelledObjects(selector: string): Promise<Observation> {
  const types = (await k.exec(['api-resources', '--verbs=list', '-o', 'name'])).split('\n').filter((t) => t !== '');
  const r = await k.tryExec(['get', types.join(','), '-A', '-l', selector, '-o', 'name']);
  if (r.code !== 0) return observed(false, r.stderr.split('\n').filter((l) => !l.startsWith('Warning:')).slice(-3).join(' '));
  const left = r.stdout.split('\n').filter((l) => l !== '');
  return observed(left.length === 0, left.length === 0 ? `none in ${types.length} resource types` : `left: ${left.join(', ')}`);
}

/** `npm run plan` of every app stack answers `expected` (0: no changes, 2: changes), timed for BENCHMARKS.md. */
function projectPlanSays(expected: 0 | 2, label: string): void {
  for (const app of apps) {
    test(`${app.name}: npm run plan exits ${expected} (${expected === 0 ? 'no changes' : 'changes'}) ${label}`, async () => {
      if (expected === 0) requireDeployed();
      const t0 = Date.now();
      const p = await projectPlan(state, app.name);
      recordTiming(state.dir, `  npm run plan ${app.name} (${label})`, (Date.now() - t0) / 1000);
      if (p.code !== expected) throw new Error(`exit ${p.code}, expected ${expected}:\n${p.output.trim().split('\n').slice(-30).join('\n')}`);
      say(`  ${app.name}: npm run plan exit ${expected} ${label}`);
    });
  }
}

phase('plan before deploy', () => {
  projectPlanSays(2, 'before deploy');
  // The same check as after deploy ("CDK Terrain on cdktf's state"), shown able to fail: nothing deployed yet.
  const cdktn = state.cdktn;
  const first = apps[0] as SynthesizedStack;
  if (cdktn !== undefined) {
    test(`${first.name}: CDK Terrain's npm run plan before deploy exits 2 (changes)`, async () => {
      const p = await projectPlan(state, first.name, cdktn, CDKTN_OUT);
      if (p.code !== 2) throw new Error(`exit ${p.code}, expected 2:\n${p.output.trim().split('\n').slice(-30).join('\n')}`);
      say(`  ${first.name}: CDK Terrain's plan exit 2 before deploy`);
    });
  }
});

phase('deploy', () => {
  // One stack at a time (what cdktf does with several anyway), each timed for BENCHMARKS.md.
  beforeAll(() => {
    remember(state.dir, { deployed: stacks });
    if (kwok) simulated = new SimulatedControllers(k, apps.map((a) => a.namespace));
  });
  let failed = false;
  for (const name of stacks) {
    test(`cdktf deploy ${name}`, async () => {
      if (failed) throw new Error('not deployed: an earlier stack failed');
      const t0 = Date.now();
      try {
        const deploy = cdktf(state, 'deploy', [name], kwok ? 600 : 1800);
        const app = apps.find((a) => a.name === name);
        await (app ? deployWithCacheSecret(deploy, k, app.namespace) : deploy);
      } catch (error) {
        failed = true;
        throw error;
      }
      recordTiming(state.dir, `  cdktf deploy ${name}`, (Date.now() - t0) / 1000);
      deployed = name === stacks[stacks.length - 1];
    });
  }
});

phase('assert rollout', () => {
  for (const app of apps) {
    const ns = app.namespace;
    pollTest(`${ns}: every Deployment and StatefulSet is Available with its desired replicas`, 120, () => checks.workloadsReady(k, ns));
    pollTest(`${ns}: every pod is Running (a Job's: Succeeded) on a ${kwok ? 'kwok' : 'Ready'} node`, 60, () => checks.podsRunningOnNodes(k, ns, kwok));
    nowTest(`${ns}: no pod was refused (no FailedCreate events, e.g. from restricted Pod Security)`, () => checks.noFailedCreate(k, ns));
    pollTest(`${ns}: every Service of the stack has ready endpoints`, 60, () => checks.servicesHaveEndpoints(k, ns, app.names('kubernetes_service_v1')));
    pollTest(`${ns}: every HPA's target exists and the HPA can scale it`, 90, () => checks.hpaTargets(k, ns));
    pollTest(`${ns}: every PDB of the stack exists and its selector matches running pods`, 60, () => checks.pdbsSelectPods(k, ns, app));
    pollTest(`${ns}: NetworkPolicies (default deny + flows), ResourceQuota and LimitRange are in place`, 60, () => checks.guardRails(k, ns, app, kwok));
    nowTest(`${app.name}: every custom resource was accepted as written (nothing pruned by its CRD schema or changed by a webhook)`, () =>
      checks.customResourcesAsSent(k, app),
    );
  }
});

phase('Envoy Gateway', () => {
  for (const app of apps) {
    const ns = app.namespace;
    const certificates = edge.listenerCertificates(app);
    if (kwok && certificates.length > 0) {
      test(`${ns}: the TLS Secrets ${certificates.join(', ')} of the Gateway's listeners are created (self-signed, as the cluster's operator would)`, async () => {
        requireDeployed();
        await edge.createListenerCertificates(k, app, state.dir);
      });
    }
    pollTest(`${ns}: Envoy Gateway accepted the GatewayClass and programmed the Gateway and each listener`, 120, () => edge.gatewayProgrammed(k, app));
    pollTest(`${ns}: Envoy Gateway accepted every HTTPRoute with its references resolved`, 60, () => edge.routesAccepted(k, app));
    pollTest(`${ns}: Envoy Gateway accepted every BackendTrafficPolicy and ClientTrafficPolicy, none overridden or conflicting`, 60, () => edge.policiesAccepted(k, app));
    pollTest(`${ns}: the Gateway's address is the one Envoy Gateway took from its proxy Service`, 60, () => edge.addressFromProxyService(k, app));
    test(`${ns}: the deploy's outputs name the Gateway${app.outputNames().includes('gateway_address') ? ' and hold the address it waited for' : ''}`, async () => {
      requireDeployed();
      await expectNow('the outputs are right', async () => edge.outputsNameGateway(k, app, await outputs(state, app.dir)));
    });
    pollTest(`${ns}: Envoy Gateway's proxy Deployment, Service and PDB have the replicas, Service type and externalTrafficPolicy of the EnvoyProxy`, 120, () =>
      edge.proxyAsAsked(k, app),
    );
    test(`${ns}: Envoy Gateway reports a deliberately broken HTTPRoute (missing backend) and a conflicting BackendTrafficPolicy`, async () => {
      requireDeployed();
      const o = await expectNow('the broken objects are reported', () => edge.brokenEdgeReported(k, app, 60 * slow));
      say(`  ${ns}: ${o.detail}`);
    });
  }
});

phase('CloudNativePG', () => {
  for (const app of apps) {
    const ns = app.namespace;
    const db = operator.databaseObjects(app);
    for (const cluster of db.clusters) {
      pollTest(`${ns}: CloudNativePG made ${cluster}-rw, -ro and -r, selecting only ${cluster}'s instance pods (-rw and -r the primary)`, 180, () =>
        operator.clusterServices(k, ns, cluster),
      );
    }
    pollTest(`${ns}: each Pooler's Deployment is Available and its Service selects exactly its pods`, 180, () => operator.poolers(k, ns, db.poolers));
    pollTest(`${ns}: the Secrets the stack's workloads read (the operator's, and the cache's, created as a user would) hold every key they read`, 120, () => operator.secretKeysPresent(k, ns, app));
    pollTest(`${ns}: every pod selector of the NetworkPolicies and PodMonitors matches Running pods (the operator's labels included)`, 120, () =>
      operator.selectorsMatchPods(k, ns, app),
    );
    nowTest(`${ns}: the Cluster and Poolers as sent pass CloudNativePG's defaulting and validating webhooks (server-side dry run)`, async () => {
      const results = await Promise.all(
        [...app.customResources('Cluster'), ...app.customResources('Pooler')].map(async (o) => ({ o, r: await operator.dryRunCreate(k, o) })),
      );
      const refused = results.filter((x) => !x.r.ok);
      return observed(
        results.length > 0 && refused.length === 0,
        refused.length === 0 ? `${results.length} accepted` : refused.map((x) => `${x.o.kind}/${x.o.metadata.name}: ${x.r.message}`).join('; '),
      );
    });
    nowTest(`${ns}: CloudNativePG's webhook refuses a deliberately invalid Cluster (a fixed PostgreSQL parameter)`, async () => {
      const [cluster] = app.customResources('Cluster') as (KubeObject & { spec: { postgresql?: { parameters?: Labels } } })[];
      const broken = { ...cluster, spec: { ...cluster.spec, postgresql: { ...cluster.spec.postgresql, parameters: { ...cluster.spec.postgresql?.parameters, listen_addresses: '*' } } } };
      const r = await operator.dryRunCreate(k, broken);
      // The CRD schema has no such rule: only the operator's validating webhook says this.
      const byWebhook = r.message.includes("Can't set fixed configuration parameter");
      return observed(!r.ok && byWebhook, r.ok ? 'accepted' : r.message.split('\n')[0]);
    });
  }
});

phase('Prometheus selection', () => {
  if (!kwok) {
    test.skip(`Prometheus selection: prometheus-operator is started only on kwok (${state.context} runs the platform stack's)`, () => undefined);
    return;
  }
  /** Where the test's Prometheus resources live: one per environment, named after it. */
  const MONITORING = 'web-topology-e2e-monitoring';
  const configs = new Map<string, promop.GeneratedConfig>();
  const discoverAll = async () => new Map(await Promise.all([...apps.map((a) => a.namespace), MONITORING].map(async (ns) => [ns, await discover(k, ns)] as const)));
  /** A copy of one of the stack's objects under another name, without the stack's labels (so cleanup checks ignore it). */
  const copyOf = (o: KubeObject, name: string, namespace: string, spec: object): KubeObject & { spec: object } => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, namespace },
    spec,
  });
  beforeAll(async () => {
    if (deployed) await k.exec(['create', 'namespace', MONITORING]);
  });
  afterAll(async () => {
    await k.tryExec(['delete', 'namespace', MONITORING, '--ignore-not-found', '--wait=false']);
  });
  settings.environments.forEach((env, i) => {
    const app = apps[i];
    const ns = app.namespace;
    const platform = SynthesizedStack.load(outDir(state), `${env}-platform`);
    const monitors = app.customResources().filter((m) => m.kind === 'ServiceMonitor' || m.kind === 'PodMonitor');
    const config = () => {
      const c = configs.get(env);
      if (c === undefined) throw new Error(`no configuration generated for Prometheus ${env}`);
      return c;
    };
    pollTest(`${env}: prometheus-operator generates the configuration of a Prometheus with ${platform.name}'s kube-prometheus-stack selectors, with a job per monitor of ${ns}`, 120, async () => {
      const selectors = promop.chartSelectors(platform);
      if (!(await k.get('prometheus', env, MONITORING))) await k.exec(['apply', '-f', '-'], JSON.stringify(promop.prometheusResource(env, MONITORING, selectors)));
      const c = await promop.generatedConfig(k, MONITORING, env);
      if (c === undefined) return observed(false, `no Secret prometheus-${env} with prometheus.yaml.gz yet`);
      const jobs = (c.scrape_configs ?? []).map((j) => j.job_name);
      const missing = monitors.map(promop.jobName).filter((j) => !jobs.includes(j));
      if (missing.length === 0) configs.set(env, c);
      return observed(missing.length === 0, `selectors ${JSON.stringify(selectors)}; jobs ${jobs.join(', ') || 'none'}${missing.length ? `; missing ${missing.join(', ')}` : ''}`);
    });
    for (const m of monitors) {
      nowTest(`${ns}: the job of ${m.kind} ${m.metadata.name} scrapes its pods on a port they expose, at the stack's path`, async () =>
        promop.judgeMonitor(config(), m, await discoverAll()),
      );
    }
    nowTest(`${ns}: the backend, PostgreSQL, every pooler and the cache each have a scrape job reaching their pods`, async () =>
      promop.workloadsScraped(k, app, BACKEND, config(), await discoverAll()),
    );
    pollTest(`${ns}: every PrometheusRule of the stack is loaded (in a rule file of rule_files), none rejected`, 60, async () =>
      promop.rulesLoaded(k, config(), { namespace: MONITORING, name: env }, app.customResources('PrometheusRule').map((r) => ({ namespace: ns, name: r.metadata.name }))),
    );
    const [backendMonitor] = monitors.filter((m) => m.kind === 'ServiceMonitor' && m.metadata.name === BACKEND) as (KubeObject & { spec: { endpoints: object[] } })[];
    /** Applies a broken monitor, waits for its job, and expects the check to fail on it. */
    const brokenMonitor = (name: string, broken: () => KubeObject) =>
      pollTest(`${ns}: ${name}: its job reaches no pod, so the check fails`, 120, async () => {
        const object = broken();
        await k.exec(['apply', '-f', '-'], JSON.stringify(object));
        const c = await promop.generatedConfig(k, MONITORING, env);
        const verdict = c && promop.judgeMonitor(c, object, await discoverAll());
        if (!verdict || verdict.detail.endsWith('no such job')) return observed(false, verdict?.detail ?? 'no configuration');
        return observed(!verdict.ok && verdict.targets.length === 0, `check fails as it must: ${verdict.detail}`);
      });
    brokenMonitor(`a copy of the backend's ServiceMonitor with a port name the Service lacks`, () =>
      copyOf(backendMonitor, `${BACKEND}-wrong-port`, ns, { ...backendMonitor.spec, endpoints: backendMonitor.spec.endpoints.map((e) => ({ ...e, port: 'no-such-port' })) }),
    );
    brokenMonitor(`a copy of the backend's ServiceMonitor in another namespace (${MONITORING})`, () => copyOf(backendMonitor, `${BACKEND}-${env}`, MONITORING, backendMonitor.spec));
    pollTest(`${ns}: a copy of the PrometheusRule with an invalid expression is rejected by the operator and loaded from no rule file`, 120, async () => {
      const [rule] = app.customResources('PrometheusRule') as (KubeObject & { spec: { groups: { name: string; rules: object[] }[] } })[];
      const name = `${rule.metadata.name}-broken`;
      const groups = rule.spec.groups.map((g, gi) => (gi === 0 ? { ...g, rules: [{ ...g.rules[0], expr: 'sum(' }, ...g.rules.slice(1)] } : g));
      await k.exec(['apply', '-f', '-'], JSON.stringify(copyOf(rule, name, ns, { ...rule.spec, groups })));
      const rejected = await promop.rejections(k, ns, 'PrometheusRule', name);
      const loaded = await promop.rulesLoaded(k, config(), { namespace: MONITORING, name: env }, [{ namespace: ns, name }]);
      return observed(rejected.length > 0 && !loaded.ok, `${rejected[0] ?? 'no InvalidConfiguration event'}; ${loaded.detail}`);
    });
  });
});

phase('NetworkPolicies (Cyclonus)', () => {
  const binary = join(state.toolsBin, 'cyclonus');
  for (const app of apps) {
    const ns = app.namespace;
    /** The stack's live policies, the namespace's Running pods and its Jobs' pods. */
    const live = async () => {
      const names = new Set(app.names('kubernetes_network_policy_v1'));
      const policies = (await k.list<NetworkPolicy>('networkpolicies', ns)).filter((p) => names.has(p.metadata.name));
      const running = (await k.list<Pod>('pods', ns)).filter((p) => isLive(p) && p.status.phase === 'Running' && p.metadata.labels?.['cnpg.io/jobRole'] === undefined);
      const pods = [...running, ...(await operator.jobPods(k, ns, app))];
      const nsLabels = (await k.get<KubeObject>('namespace', ns))?.metadata.labels ?? {};
      return { policies, pods, nsLabels };
    };
    const judge = async (policies: NetworkPolicy[], connections: cyclonus.Connection[]) => {
      const allowed = await cyclonus.verdicts(binary, state.dir, policies, connections);
      return connections.map((c, i) => ({ c, allowed: allowed[i] }));
    };
    /** Pods of a Deployment/StatefulSet (by the workload's own selector), one per owner. */
    const podsOf = async (kind: string, names: readonly string[], pods: readonly Pod[]) => {
      const out: Pod[] = [];
      for (const name of names) {
        const w = await k.get<Workload>(kind, name, ns);
        if (w) out.push(...pods.filter((p) => selects(w.spec.selector, p.metadata.labels)));
      }
      return cyclonus.onePerOwner(out);
    };
    const denied = (name: string, pairs: (l: Awaited<ReturnType<typeof live>>) => Promise<cyclonus.Connection[]>) =>
      nowTest(`${ns}: Cyclonus denies ${name}`, async () => {
        const l = await live();
        const connections = await pairs(l);
        if (connections.length === 0) return observed(false, 'no pods to test');
        const results = await judge(l.policies, connections);
        const open = results.filter((r) => r.allowed).map((r) => cyclonus.describeConnection(r.c));
        return observed(open.length === 0, open.length === 0 ? `${connections.length} connections denied` : `allowed: ${open.join('; ')}`);
      });
    const { clusters } = operator.databaseObjects(app);
    const postgresPods = (l: { pods: readonly Pod[] }) =>
      l.pods.filter((p) => clusters.some((c) => (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Cluster' && o.name === c)));
    const toEveryPort = (from: readonly Pod[], to: readonly Pod[], nsLabels: Labels): cyclonus.Connection[] =>
      from.flatMap((f) => to.flatMap((t) => cyclonus.podPorts(t).map((p) => ({ from: cyclonus.podPeer(f, nsLabels), to: cyclonus.podPeer(t, nsLabels), ...p }))));

    nowTest(`${ns}: Cyclonus allows every flow the NetworkPolicies declare, on its port`, async () => {
      const l = await live();
      say(`  ${ns}: Cyclonus's connectivity matrix of the live pods (one per owner, every container port):\n${await cyclonus.matrix(binary, state.dir, l.policies, l.pods, l.nsLabels)}`);
      const connections = cyclonus.declaredConnections(l.policies, l.pods, l.nsLabels);
      const results = await judge(l.policies, connections);
      const closed = results.filter((r) => !r.allowed).map((r) => cyclonus.describeConnection(r.c));
      return observed(closed.length === 0, closed.length === 0 ? `${connections.length} declared connections allowed` : `denied: ${closed.join('; ')}`);
    });
    nowTest(`${ns}: with only the default deny, Cyclonus denies every declared flow (the analyzer's verdicts can fail)`, async () => {
      const l = await live();
      const connections = cyclonus.declaredConnections(l.policies, l.pods, l.nsLabels);
      const results = await judge(l.policies.filter((p) => p.metadata.name === 'default-deny'), connections);
      const open = results.filter((r) => r.allowed).map((r) => cyclonus.describeConnection(r.c));
      return observed(connections.length > 0 && open.length === 0, open.length === 0 ? `${connections.length} connections denied` : `allowed: ${open.join('; ')}`);
    });
    denied('frontend → PostgreSQL', async (l) => toEveryPort(await podsOf('deployment', [FRONTEND], l.pods), postgresPods(l), l.nsLabels));
    denied('cache → PostgreSQL', async (l) => toEveryPort(await podsOf('statefulset', app.names('kubernetes_stateful_set_v1'), l.pods), postgresPods(l), l.nsLabels));
    denied('backend → PostgreSQL directly (not through a pooler)', async (l) => toEveryPort(await podsOf('deployment', [BACKEND], l.pods), postgresPods(l), l.nsLabels));
    denied("another namespace's pod (even one labelled like the backend) → backend", async (l) => {
      const backends = await podsOf('deployment', [BACKEND], l.pods);
      const strangers = [
        cyclonus.syntheticPeer('web-topology-e2e-elsewhere', {}, 'another namespace/any pod'),
        ...backends.map((b) => cyclonus.syntheticPeer('web-topology-e2e-elsewhere', b.metadata.labels ?? {}, 'another namespace/backend look-alike')),
      ];
      return strangers.flatMap((s) => backends.flatMap((b) => cyclonus.podPorts(b).map((p) => ({ from: s, to: cyclonus.podPeer(b, l.nsLabels), ...p }))));
    });
    denied('the app (frontend, backend) → the internet', async (l) => {
      const app = [...(await podsOf('deployment', [FRONTEND], l.pods)), ...(await podsOf('deployment', [BACKEND], l.pods))];
      return app.flatMap((p) => [80, 443].map((port) => ({ from: cyclonus.podPeer(p, l.nsLabels), to: cyclonus.internet, port, protocol: 'TCP' })));
    });
  }
});

/** Plans of every app stack (one after the other: each is timed for BENCHMARKS.md). */
function plansShowNoChanges(suffix: string, label: string): void {
  for (const app of apps) {
    test(`${app.name}: a second plan reports no changes${suffix}`, async () => {
      requireDeployed();
      const t0 = Date.now();
      const p = await plan(state, app.dir);
      recordTiming(state.dir, `  plan ${app.name} (${label})`, (Date.now() - t0) / 1000);
      const lines = [...p.changes.map((c) => `${c.address}: ${c.actions.join('/')}`), ...p.outputs.map((o) => `output ${o}`)];
      if (lines.length > 0) throw new Error(`would change:\n${lines.slice(0, 30).join('\n')}`);
      say(`  ${app.name}: no changes${suffix}`);
    });
  }
}

phase('plan again', () => {
  plansShowNoChanges('', 'after deploy');
  projectPlanSays(0, 'after deploy');
  if (apps.length > 1) {
    test(`npm run plan of ${apps.map((a) => a.name).join(', ')} at once exits 0 and prints each stack's plan whole, in the named order`, async () => {
      requireDeployed();
      const t0 = Date.now();
      const p = await projectPlan(state, apps.map((a) => a.name));
      recordTiming(state.dir, `  npm run plan of ${apps.length} app stacks at once (after deploy)`, (Date.now() - t0) / 1000);
      const headers = apps.map((a) => p.output.indexOf(`── plan of ${a.name} ──`));
      const inOrder = headers.every((at, n) => at >= 0 && (n === 0 || at > (headers[n - 1] as number)));
      // Each plan's own verdict sits between its header and the next one.
      const whole = apps.every((_app, n) => p.output.slice(headers[n], headers[n + 1] ?? p.output.length).includes('No changes.'));
      if (p.code !== 0 || !inOrder || !whole) throw new Error(`exit ${p.code}, headers at ${headers.join(', ')}:\n${p.output.trim().split('\n').slice(-40).join('\n')}`);
      say(`  ${apps.length} app stacks planned at once: no changes, each plan printed whole`);
    });
  }
});

// README "Running on CDK Terrain": state written by cdktf needs no migration. The same project on
// CDK Terrain synthesizes next to the run's output, so its stacks use the same local state.
phase('CDK Terrain on cdktf’s state', () => {
  const cdktn = state.cdktn;
  if (cdktn === undefined) {
    test.skip(`CDK Terrain plans on kwok only (${settings.mode}: the kwok run proves the shared state)`, () => undefined);
    return;
  }
  for (const app of apps) {
    test(`${app.name}: CDK Terrain's npm run plan against the state cdktf deployed exits 0 (no changes)`, async () => {
      requireDeployed();
      const t0 = Date.now();
      const p = await projectPlan(state, app.name, cdktn, CDKTN_OUT);
      recordTiming(state.dir, `  npm run plan ${app.name} (CDK Terrain, after deploy)`, (Date.now() - t0) / 1000);
      if (p.code !== 0) throw new Error(`exit ${p.code}, expected 0:\n${p.output.trim().split('\n').slice(-30).join('\n')}`);
      say(`  ${app.name}: CDK Terrain plans no changes on cdktf's state`);
    });
  }
  const first = apps[0] as SynthesizedStack;
  test(`${first.name}: cdktn diff against the state cdktf deployed says "No changes"`, async () => {
    requireDeployed();
    const d = await cdktnDiff(state, first.name, cdktn, CDKTN_OUT);
    if (d.code !== 0 || !d.output.includes('No changes.')) throw new Error(`exit ${d.code}:\n${d.output.trim().split('\n').slice(-30).join('\n')}`);
    say(`  ${first.name}: cdktn diff: no changes`);
  });
});

phase('scale as the HPA would', () => {
  for (const app of apps) {
    const ns = app.namespace;
    let max = 0;
    pollTest(`${ns}: backend scaled to the HPA's maximum is Available`, 120, async () => {
      if (max === 0) {
        const hpa = await k.get<{ metadata: { name: string }; spec: { maxReplicas: number } } & KubeObject>('hpa', BACKEND, ns);
        if (!hpa) return observed(false, `no HPA ${BACKEND}`);
        max = hpa.spec.maxReplicas;
        await k.exec(['-n', ns, 'scale', `deployment/${BACKEND}`, `--replicas=${max}`]);
      }
      const r = await checks.workloadsReady(k, ns);
      return observed(r.ok, `max ${max}: ${r.detail}`);
    });
    nowTest(`${ns}: replicas are spread over zones as configured`, () => checks.zoneSpread(k, ns));
  }
  plansShowNoChanges(' after scaling the backend', 'after scaling');
});

phase('disruption budgets', () => {
  const pdbs = apps.flatMap((app) => app.names('kubernetes_pod_disruption_budget_v1').map((name) => ({ ns: app.namespace, name })));
  if (!settings.disruptive) {
    test.skip(`PDB evictions: they cordon every node of ${state.context} (set E2E_DISRUPTIVE=1 on a throwaway cluster)`, () => undefined);
  } else if (pdbs.length === 0) {
    test.skip(`an eviction that would break a PDB is refused: no PDB in ${settings.environments.join(', ')} (staging and prod have them)`, () => undefined);
  } else {
    // With every node cordoned, evicted pods cannot come back, so each budget runs out.
    beforeAll(async () => {
      if (deployed) await cordonAll(k, true);
    });
    for (const { ns, name } of pdbs) {
      test(`${ns}: PDB ${name} lets its allowed disruptions through, then the API server refuses the next eviction`, async () => {
        requireDeployed();
        say(`  ${ns}/${name}: ${await pdbRefusesEviction(k, ns, name)}`);
      });
    }
    test('every node uncordoned', async () => {
      requireDeployed();
      await cordonAll(k, false);
    });
    for (const app of apps) {
      pollTest(`${app.namespace}: after the evictions, every workload is Available again`, 120, () => checks.workloadsReady(k, app.namespace));
    }
  }
});

phase('pod and node loss', () => {
  for (const app of apps) {
    test(`${app.namespace}: a deleted backend pod is replaced and the Deployment is Available again`, async () => {
      requireDeployed();
      say(`  ${app.namespace}: ${await podReplaced(k, app.namespace, BACKEND, slow)}`);
    });
  }
  if (settings.disruptive) {
    test('a cordoned, drained and deleted node: every workload is Available again elsewhere', async () => {
      requireDeployed();
      say(`  ${await nodeReplaced(k, apps.map((a) => a.namespace), BACKEND, slow)}`);
    });
  } else {
    test.skip(`node drain and delete on ${state.context} (set E2E_DISRUPTIVE=1 on a throwaway cluster)`, () => undefined);
  }
  for (const app of apps) {
    nowTest(`${app.namespace}: still no pod refused after the disruptions`, () => checks.noFailedCreate(k, app.namespace));
  }
});

phase('destroy', () => {
  // App stacks first: they depend on the platform stacks.
  const order = [...stacks].reverse();
  for (const name of order) {
    test(`cdktf destroy ${name}`, async () => {
      requireDeployed();
      const t0 = Date.now();
      await cdktf(state, 'destroy', [name], kwok ? 600 : 1800);
      recordTiming(state.dir, `  cdktf destroy ${name}`, (Date.now() - t0) / 1000);
      remember(state.dir, { deployed: order.slice(order.indexOf(name) + 1).reverse() });
    });
  }
  for (const app of apps) {
    pollTest(`namespace ${app.namespace} is gone`, 120, () => checks.gone(k, 'namespace', app.namespace));
  }
  for (const app of apps) {
    nowTest(`${app.name}: no cluster-scoped object of the stack is left`, async () => {
      const clusterScoped = app.customResources().filter((m) => m.metadata.namespace === undefined);
      if (clusterScoped.length === 0) return observed(false, 'the stack has no cluster-scoped objects');
      const left = [];
      for (const m of clusterScoped) if (await k.get(`${m.kind}.${(m.apiVersion ?? '').split('/')[0]}`, m.metadata.name)) left.push(`${m.kind} ${m.metadata.name}`);
      return observed(left.length === 0, left.length === 0 ? `${clusterScoped.map((m) => `${m.kind} ${m.metadata.name}`).join(', ')} gone` : `left: ${left.join(', ')}`);
    });
  }
  for (const name of stacks) {
    nowTest(`${name}: the state holds no resources`, async () => {
      const left = await stateList(state, join(outDir(state), 'stacks', name));
      if (existsSync(join(PROJECT_ROOT, `terraform.${name}.tfstate`))) return observed(false, 'a state file was written to the project root');
      return observed(left.length === 0, left.length === 0 ? 'empty' : `still in state: ${left.join(', ')}`);
    });
  }
  pollTest(`no object labelled ${PART_OF} is left, cluster-wide`, 60, () => labelledObjects(PART_OF));
  pollTest('nothing CloudNativePG made for the Clusters is left (objects labelled cnpg.io/cluster, cluster-wide)', 60, () => labelledObjects('cnpg.io/cluster'));
  const owners = `${edge.OWNING_GATEWAY_NAMESPACE} in (${apps.map((a) => a.namespace).join(',')})`;
  pollTest(`nothing Envoy Gateway made for the Gateways is left (objects labelled ${owners}, cluster-wide)`, 60, () => labelledObjects(owners));
  afterAll(async () => {
    await simulated?.stop();
  });
});

if (kwok) {
  phase('cluster down', () => {
    test('the operators, the cluster and every process it started are stopped', () => {
      const operatorWasRunning = stopOperator(state.dir);
      const envoyGatewayWasRunning = stopOperator(state.dir, 'envoyGatewayPid');
      const prometheusOperatorWasRunning = stopOperator(state.dir, 'prometheusOperatorPid');
      const down = clusterDown(join(state.dir, 'cluster'));
      if (!down.ok) throw new Error(down.output);
      if (!operatorWasRunning) throw new Error('the CloudNativePG operator was not running at the end');
      if (!envoyGatewayWasRunning) throw new Error('Envoy Gateway was not running at the end');
      if (!prometheusOperatorWasRunning) throw new Error('prometheus-operator was not running at the end');
      say(`  ${down.output.split('\n').pop() ?? ''}`);
    });
  });
}
