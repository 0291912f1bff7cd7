/**
 * The real-node mode of the end-to-end test (E2E_NODES=real; README "Real node"): one
 * environment's app stack deployed to a control plane with one real node, where containerd runs
 * every pod, kube-router enforces the NetworkPolicies and CoreDNS resolves the Services. What kwok
 * only simulates happens here: PostgreSQL starts and streams to its replica, the poolers
 * authenticate, the backend's URLs connect, Prometheus scrapes the monitors and fires an alert, a
 * primary fails over. Global setup built the toolchain and the images, started the cluster, the
 * node and the operators, and synthesized the stacks.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cdktf, outDir, plan, PROJECT_ROOT, toolEnvironment } from './lib/cdktf';
import * as checks from './lib/checks';
import { Kubectl, condition, type KubeObject, type Labels, type Node, type Pod } from './lib/kube';
import { clusterDown, remember, stopOperator } from './lib/lifecycle';
import { stringify } from 'yaml';
import { describeFinding, scoreObjects } from './lib/kube-score';
import { connect, execIn, probePod, readyPod, type Connection, type PodRef } from './lib/pods';
import { observed, poll, type Observation } from './lib/poll';
import * as promop from './lib/prometheus-operator';
import { recordTiming, say } from './lib/report';
import { realNodeLeftovers } from './lib/real-node';
import { phaseTests } from './lib/phases';
import { loadRunState } from './lib/settings';
import { CACHE_SECRET, deployWithCacheSecret } from './lib/secrets';
import { run } from './lib/processes';
import { SimulatedControllers } from './lib/simulated';
import { SynthesizedStack } from './lib/stacks';

const state = loadRunState();
const k = new Kubectl(state.context);
const slow = state.settings.slowdown;
const env = state.settings.environments[0];
const app = SynthesizedStack.load(outDir(state), `${env}-app`);
const platform = SynthesizedStack.load(outDir(state), `${env}-platform`);
const ns = app.namespace;

// The design's names (README "Topology"), written here, not read from the stack under test.
const BACKEND = 'backend';
const FRONTEND = 'frontend';
const CLUSTER = 'postgres';
const POOLER_RW = 'postgres-pooler-rw';
const POOLER_RO = 'postgres-pooler-ro';
const CACHE = 'cache';
/** The guide's indexes (migrations/00002_add_indexes.sql), the tables they are on, and the database. */
const GUIDE_INDEXES = ['idx_content_user_id', 'idx_content_created_at', 'idx_content_status', 'idx_seo_analysis_content_id', 'idx_seo_analysis_created_at'];
const DATABASE = 'app';
/** The namespaces the app's flows admit: the edge's proxies' and Prometheus'. */
const EDGE_NAMESPACE = 'envoy-gateway-system';
/**
 * No Envoy binary can be had here, so a probe stands in for the Gateway's proxy, labelled as Envoy
 * Gateway 1.9.1 labels the proxy pods of Gateway `edge` in the app's namespace; a probe beside it
 * without them stands for Envoy Gateway's controller and rate limit service.
 */
const EDGE_PROXY: Labels = {
  'web-topology.e2e/probe': 'edge-proxy',
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
  'gateway.envoyproxy.io/owning-gateway-name': 'edge',
  'gateway.envoyproxy.io/owning-gateway-namespace': ns,
};
const MONITORING = 'monitoring';
/** A namespace no flow admits. */
const ELSEWHERE = 'web-topology-e2e-elsewhere';
const PROMETHEUS = env;
const BACKEND_IMAGE = 'ghcr.io/example/web-backend:1.0.0';
const svc = (name: string) => `${name}.${ns}.svc.cluster.local`;

let deployed = false;
let volumes: SimulatedControllers | undefined;
const requireDeployed = () => {
  if (!deployed) throw new Error('not checked: cdktf deploy did not succeed');
};

const { phase, pollTest, nowTest } = phaseTests(state, requireDeployed);

/** A container of a Ready pod of one of the app's tiers (the poolers' pods are CloudNativePG's, labelled by it). */
async function tier(name: string, container = name): Promise<PodRef> {
  const selector: Labels = name.startsWith(`${CLUSTER}-pooler-`) ? { 'cnpg.io/poolerName': name } : { 'app.kubernetes.io/name': name };
  const pod = await readyPod(k, ns, selector);
  return { namespace: ns, pod: pod.metadata.name, container };
}
const backend = () => tier(BACKEND);
const probeIn = async (namespace: string, labels: Labels = { 'web-topology.e2e/probe': 'true' }): Promise<PodRef> => ({ namespace, pod: (await readyPod(k, namespace, labels)).metadata.name, container: 'probe' });
const edgeProxy = () => probeIn(EDGE_NAMESPACE, EDGE_PROXY);

/** Runs Python in the backend's container, with the URLs and credentials the kubelet gave it. */
async function inBackend(script: string): Promise<{ code: number; out: string }> {
  return execIn(k, await backend(), ['python3', '-c', script]);
}

/** What PostgreSQL says through a URL variable of the backend: recovery state and the server's address. */
async function throughUrl(variable: string, rewrite = ''): Promise<{ code: number; out: string }> {
  return inBackend(
    [
      'import os, psycopg',
      `url = os.environ["${variable}"]${rewrite}`,
      'with psycopg.connect(url, connect_timeout=5) as c:',
      '    r = c.execute("select pg_is_in_recovery(), host(inet_server_addr())").fetchone()',
      'print("recovery=%s server=%s" % r)',
    ].join('\n'),
  );
}

/** The instance pod that has a pod IP. */
async function instanceAt(ip: string): Promise<string> {
  const pods = await k.list<Pod>('pods', ns, `cnpg.io/cluster=${CLUSTER},cnpg.io/podRole=instance`);
  return pods.find((p) => p.status.podIP === ip)?.metadata.name ?? `no instance at ${ip}`;
}

interface PostgresCluster extends KubeObject {
  readonly status?: { readonly currentPrimary?: string; readonly instances?: number; readonly readyInstances?: number; readonly phase?: string };
}
const cluster = () => k.get<PostgresCluster>('clusters.postgresql.cnpg.io', CLUSTER, ns);

/** The backend's /health, asked from the edge's proxy through the Service and cluster DNS. */
async function backendHealth(): Promise<Observation> {
  const r = await execIn(k, await edgeProxy(), [
    'python3',
    '-c',
    [
      'import sys, urllib.request, urllib.error',
      'try:',
      `    r = urllib.request.urlopen("http://${svc(BACKEND)}/health", timeout=5); print(r.status, r.read().decode())`,
      'except urllib.error.HTTPError as e:',
      '    print(e.code, e.read().decode())',
    ].join('\n'),
  ]);
  return observed(r.code === 0 && r.out.startsWith('200 '), r.out.slice(0, 300));
}

/** GET a path of the Prometheus the test runs, from this host over the route to the pods. */
async function prometheusApi<T>(path: string): Promise<T> {
  const pod = await readyPod(k, MONITORING, { 'app.kubernetes.io/name': 'prometheus' });
  const response = await fetch(`http://${pod.status.podIP}:9090${path}`, { signal: AbortSignal.timeout(10_000) });
  return ((await response.json()) as { data: T }).data;
}

phase('deploy', () => {
  beforeAll(async () => {
    remember(state.dir, { deployed: [app.name] });
    volumes = new SimulatedControllers(k, [ns], join(state.dir, 'cluster', 'node', 'volumes'));
    for (const n of [EDGE_NAMESPACE, MONITORING, ELSEWHERE]) await k.exec(['create', 'namespace', n]);
  });
  test(`cdktf deploy ${app.name} (its Deployments and StatefulSet wait for Ready pods), the cache's Secret created once its namespace exists`, async () => {
    const t0 = Date.now();
    await deployWithCacheSecret(cdktf(state, 'deploy', [app.name], 1800), k, ns);
    recordTiming(state.dir, `  cdktf deploy ${app.name}`, (Date.now() - t0) / 1000);
    deployed = true;
  });
});

phase('pods on the real node', () => {
  nowTest('the node runs the control plane\'s kubelet with containerd 2 and cgroup v1', async () => {
    const [node] = await k.list<Node & { status: { nodeInfo?: Record<string, string> } }>('nodes');
    const info = node?.status.nodeInfo ?? {};
    const ok = condition(node?.status.conditions, 'Ready') === 'True' && /^containerd:\/\/2\./.test(info.containerRuntimeVersion ?? '');
    return observed(ok, `${node?.metadata.name}: kubelet ${info.kubeletVersion}, ${info.containerRuntimeVersion}, kernel ${info.kernelVersion}`);
  });
  nowTest('while the nodes run, the leftover check (tools/real-node.sh check) sees them: kube-router on each node, their namespaces and routes', async () => {
    const seen = realNodeLeftovers();
    const firewalls = seen.filter((l) => l.startsWith('process ') && l.endsWith('/kube-router')).length;
    const ok = firewalls === 2 && seen.some((l) => l.startsWith('netns ')) && seen.some((l) => l.startsWith('route '));
    return observed(ok, `${firewalls} kube-router processes; ${seen.length} lines: ${[...new Set(seen.map((l) => l.split(' ')[0]))].join(', ')}`);
  });
  pollTest(`${ns}: every Deployment and StatefulSet is Available with its desired replicas`, 300, () => checks.workloadsReady(k, ns));
  pollTest(`${ns}: every pod is Ready on the real node (probes of real processes), a Job's Succeeded`, 300, async () => {
    const pods = (await k.list<Pod>('pods', ns)).filter((p) => p.metadata.deletionTimestamp === undefined);
    const job = (p: Pod) => (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job');
    const bad = pods.filter((p) => (job(p) ? p.status.phase !== 'Succeeded' : condition(p.status.conditions, 'Ready') !== 'True'));
    if (pods.length === 0) return observed(false, 'no pods');
    return observed(bad.length === 0, bad.length ? `not Ready: ${bad.map((p) => `${p.metadata.name} (${p.status.phase})`).join(', ')}` : `${pods.length} pods: ${pods.map((p) => p.metadata.name).join(', ')}`);
  });
  nowTest(`${ns}: no pod was refused (no FailedCreate events, e.g. from restricted Pod Security)`, () => checks.noFailedCreate(k, ns));
  test(`${ns}: the app's tags are pulled Always, so the pods above came through the run's registry (nothing else is reachable); broken input: a tag it lacks is not found there`, async () => {
    requireDeployed();
    const containers = (await k.list<Pod & { spec: { containers: { imagePullPolicy?: string; image?: string }[] } }>('pods', ns, `app.kubernetes.io/name=${BACKEND}`)).flatMap((p) => p.spec.containers);
    if (containers.length === 0 || !containers.every((c) => c.imagePullPolicy === 'Always')) throw new Error(`the backend's containers: ${JSON.stringify(containers.map((c) => [c.image, c.imagePullPolicy]))}`);
    const probe = probePod('absent-tag', ELSEWHERE, `${BACKEND_IMAGE.replace(/:[^:]*$/, '')}:0.0.0-absent`, {}) as { spec: { containers: Record<string, unknown>[] } };
    probe.spec.containers[0].imagePullPolicy = 'Always';
    await k.exec(['apply', '-f', '-'], JSON.stringify(probe));
    try {
      const o = await poll('the absent tag refused by the registry', 120, async () => {
        const pod = await k.get<{ status?: { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] } } & KubeObject>('pod', 'absent-tag', ELSEWHERE);
        const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
        return observed(/ErrImagePull|ImagePullBackOff/.test(waiting?.reason ?? '') && /not found/i.test(waiting?.message ?? ''), `${waiting?.reason}: ${waiting?.message ?? 'no status yet'}`);
      });
      say(`  ${o.detail.slice(0, 300)}`);
    } finally {
      await k.exec(['-n', ELSEWHERE, 'delete', 'pod', 'absent-tag', '--wait=false']);
    }
  });
});

/** What the app's namespace runs, as deployed: ours and CloudNativePG's objects, its instance pods (it makes no StatefulSet). */
async function deployedObjects(): Promise<KubeObject[]> {
  const kinds = ['deployments', 'statefulsets', 'jobs', 'services', 'poddisruptionbudgets', 'networkpolicies', 'horizontalpodautoscalers'];
  const objects = (await Promise.all(kinds.map((kind) => k.list<KubeObject>(kind, ns)))).flat();
  return [...objects, ...(await k.list<Pod>('pods', ns, `cnpg.io/cluster=${CLUSTER},cnpg.io/podRole=instance`))];
}
const asYaml = (objects: readonly object[]) => objects.map((o) => stringify(o)).join('---\n');
const kubeletVersion = async () => ((await k.list<Node & { status: { nodeInfo?: Record<string, string> } }>('nodes'))[0]?.status.nodeInfo?.kubeletVersion ?? 'unknown');

phase('kube-score', () => {
  nowTest(`${ns}: kube-score finds no critical on the deployed objects (ours and CloudNativePG's) but those accepted in the policy report`, async () => {
    const objects = await deployedObjects();
    const result = await scoreObjects(asYaml(objects), { kubernetesVersion: await kubeletVersion(), binary: join(state.toolsBin, 'kube-score') });
    for (const f of result.accepted) say(`  accepted: ${describeFinding(f)}`);
    say(`  kube-score: ${objects.length} objects, ${result.criticals.length} criticals, ${result.accepted.length} accepted, ${result.warnings.length} warnings`);
    return observed(result.criticals.length === 0, result.criticals.map(describeFinding).join('\n') || 'no critical');
  });
  nowTest(`${ns}: broken input: the backend's Deployment without its resources is critical for kube-score (the check above can fail)`, async () => {
    const deployment = await k.get<KubeObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }>('deployment', BACKEND, ns);
    if (!deployment) return observed(false, 'no backend Deployment');
    for (const c of deployment.spec.template.spec.containers) delete c.resources;
    const result = await scoreObjects(asYaml([deployment]), { kubernetesVersion: await kubeletVersion(), binary: join(state.toolsBin, 'kube-score') });
    const found = result.criticals.filter((f) => f.check === 'container-resources');
    return observed(found.length > 0, result.criticals.map(describeFinding).join('\n') || 'no critical');
  });
});

phase('PostgreSQL', () => {
  pollTest(`${ns}: the primary lists each replica as streaming (pg_stat_replication)`, 180, async () => {
    const c = await cluster();
    const primary = c?.status?.currentPrimary;
    if (!primary) return observed(false, 'no current primary');
    const replicas = (await k.list<Pod>('pods', ns, `cnpg.io/cluster=${CLUSTER},cnpg.io/podRole=instance`)).map((p) => p.metadata.name).filter((n) => n !== primary && !n.includes('-initdb'));
    const r = await execIn(k, { namespace: ns, pod: primary, container: 'postgres' }, ['psql', '-XAtc', "select application_name || ' ' || state from pg_stat_replication"]);
    const streaming = r.out.split('\n').filter((l) => l.endsWith(' streaming')).map((l) => l.split(' ')[0]);
    const missing = replicas.filter((n) => !streaming.includes(n));
    return observed(r.code === 0 && replicas.length > 0 && missing.length === 0, `${primary}: ${r.out.replace(/\n/g, ', ') || 'no replication'}${missing.length ? `; not streaming: ${missing.join(', ')}` : ''}`);
  });
  for (const [variable, pooler, recovery] of [['DATABASE_URL', POOLER_RW, false], ['DATABASE_READ_URL', POOLER_RO, true]] as const) {
    pollTest(`${ns}: the backend's ${variable} reaches ${recovery ? 'a replica' : 'the primary'} through ${pooler} with the operator's credentials (pg_is_in_recovery() ${recovery})`, 120, async () => {
      const r = await throughUrl(variable);
      const server = r.out.match(/server=(\S+)/)?.[1];
      const ok = r.code === 0 && r.out.includes(`recovery=${recovery ? 'True' : 'False'}`);
      return observed(ok, ok && server ? `${r.out} (${await instanceAt(server)})` : r.out.split('\n').pop() ?? '');
    });
  }
  nowTest(`${ns}: broken input: the same URL with a wrong pooler port (5433) does not connect, so the check above can fail`, async () => {
    const r = await throughUrl('DATABASE_URL', '.replace(":5432/", ":5433/")');
    return observed(r.code !== 0 && !r.out.includes('recovery='), r.out.split('\n').pop() ?? '');
  });
});

/** A query in the app's database on the current primary, as PostgreSQL's superuser over its local socket. */
async function sqlOnPrimary(query: string): Promise<string> {
  const primary = (await cluster())?.status?.currentPrimary;
  if (!primary) throw new Error('no current primary');
  const r = await execIn(k, { namespace: ns, pod: primary, container: 'postgres' }, ['psql', '-d', DATABASE, '-XAt', '-v', 'ON_ERROR_STOP=1', '-c', query]);
  if (r.code !== 0) throw new Error(`psql on ${primary}: ${r.out}`);
  return r.out.trim();
}
/** The migrations goose recorded as applied, with when. */
const appliedMigrations = () => sqlOnPrimary('select version_id, tstamp from goose_db_version where is_applied order by id');
/** The backend's pods and the Deployment's generation: what a rollout would change. */
async function backendRollout(): Promise<string> {
  const d = await k.get<KubeObject & { metadata: { generation?: number } }>('deployment', BACKEND, ns);
  const pods = (await k.list<Pod>('pods', ns, `app.kubernetes.io/name=${BACKEND}`)).map((p) => `${p.metadata.name} ${condition(p.status.conditions, 'Ready')}`);
  return `generation ${d?.metadata.generation}; ${pods.sort().join(', ')}`;
}
/**
 * A user's next release, synthesized beside the run's output: the repository's migrations plus
 * `extra` files, and a changed backend (its rollout must wait for them). Same state files.
 */
async function synthesizeRelease(name: string, extra: Record<string, string>): Promise<string> {
  const migrations = mkdtempSync(join(state.dir, `${name}-migrations-`));
  cpSync(join(PROJECT_ROOT, 'migrations'), migrations, { recursive: true });
  for (const [file, sql] of Object.entries(extra)) writeFileSync(join(migrations, file), sql);
  const output = join(state.dir, `out-${name}`);
  const r = await run('node', ['--require', 'tsx/cjs', 'e2e/lib/synth-migrations.ts', output, migrations, 'RELEASE=next'], { cwd: PROJECT_ROOT, env: toolEnvironment(state), timeoutSeconds: 300 });
  rmSync(migrations, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`synth of ${name}: ${(r.stderr || r.stdout).trim()}`);
  return output;
}
/** A migration that fails half-way through a CREATE UNIQUE INDEX CONCURRENTLY, leaving the index invalid. */
const FAILING_INDEX = 'idx_content_title_unique';
const FAILING_MIGRATION = {
  '00003_unique_titles.sql': [
    '-- +goose NO TRANSACTION',
    '-- +goose Up',
    "INSERT INTO content (user_id, title) VALUES (1, 'same title'), (2, 'same title');",
    `CREATE UNIQUE INDEX CONCURRENTLY ${FAILING_INDEX} ON content (title);`,
    '',
  ].join('\n'),
};

phase('cache', () => {
  nowTest(`${ns}: Valkey answers on the write and read Services with the configured maxmemory, allkeys-lru and no persistence`, async () => {
    const conf = app.configMapData(`${CACHE}-config`)['valkey.conf'] ?? '';
    const maxmemory = conf.match(/^maxmemory (\d+)$/m)?.[1];
    const r = await inBackend(
      [
        'import os, json, redis',
        'out = {}',
        'for v in ("REDIS_URL", "REDIS_READ_URL"):',
        '    c = redis.Redis.from_url(os.environ[v], socket_timeout=5)',
        '    got = c.config_get("*")',
        '    out[v] = {k: got.get(k) for k in ("maxmemory", "maxmemory-policy", "save", "appendonly")}',
        '    out[v]["role"] = c.info("replication")["role"]',
        'print(json.dumps(out))',
      ].join('\n'),
    );
    if (r.code !== 0) return observed(false, r.out.split('\n').pop() ?? '');
    const got = JSON.parse(r.out) as Record<string, Record<string, string>>;
    const want = { maxmemory, 'maxmemory-policy': 'allkeys-lru', save: '', appendonly: 'no' };
    const ok = maxmemory !== undefined && Object.values(got).every((v) => Object.entries(want).every(([key, value]) => v[key] === value));
    return observed(ok, r.out);
  });
  nowTest(`${ns}: the cache refuses an unauthenticated PING on both Services; the backend's, with the password from ${CACHE_SECRET.name}, succeeds`, async () => {
    const r = await inBackend(
      [
        'import os, redis',
        `for host in ("${svc(`${CACHE}-write`)}", "${svc(`${CACHE}-read`)}"):`,
        '    try:',
        `        redis.Redis(host=host, port=6379, socket_timeout=5).ping(); print(host, "anonymous: PONG")`,
        '    except redis.exceptions.AuthenticationError as e:',
        '        print(host, "anonymous: refused (%s)" % e)',
        'for v in ("REDIS_URL", "REDIS_READ_URL"):',
        '    print(v, "authenticated:", "PONG" if redis.Redis.from_url(os.environ[v], socket_timeout=5).ping() else "no")',
      ].join('\n'),
    );
    const lines = r.out.split('\n');
    const ok = r.code === 0 && lines.filter((l) => l.includes('anonymous: refused')).length === 2 && lines.filter((l) => l.endsWith('authenticated: PONG')).length === 2;
    return observed(ok, r.out);
  });
});

phase('backend', () => {
  beforeAll(async () => {
    if (!deployed) return;
    for (const n of [EDGE_NAMESPACE, ELSEWHERE]) {
      await k.exec(['apply', '-f', '-'], JSON.stringify(probePod('probe', n, BACKEND_IMAGE, { 'web-topology.e2e/probe': 'true' })));
    }
    await k.exec(['apply', '-f', '-'], JSON.stringify(probePod('edge-proxy', EDGE_NAMESPACE, BACKEND_IMAGE, EDGE_PROXY)));
    await k.exec(['wait', '--for=condition=Ready', '--timeout=120s', '-n', EDGE_NAMESPACE, 'pod/probe', 'pod/edge-proxy']);
    await k.exec(['wait', '--for=condition=Ready', '--timeout=120s', '-n', ELSEWHERE, 'pod/probe']);
  });
  pollTest(`${ns}: the backend's /health (PostgreSQL and the cache) is healthy through its Service and cluster DNS, asked from the edge's proxy`, 120, backendHealth);
});

phase('schema migrations', () => {
  nowTest(`${ns}: the migration Job applied the guide's schema before the backend rolled out: its five indexes exist and are valid, goose recorded versions 1 and 2`, async () => {
    const indexes = await sqlOnPrimary(`select indexname from pg_indexes where indexname in (${GUIDE_INDEXES.map((i) => `'${i}'`).join(', ')}) order by 1`);
    const invalid = await sqlOnPrimary('select count(*) from pg_index where not indisvalid');
    const versions = (await appliedMigrations()).split('\n').map((l) => l.split('|')[0]);
    const ok = indexes.split('\n').length === GUIDE_INDEXES.length && invalid === '0' && versions.join(',') === '0,1,2';
    return observed(ok, `indexes: ${indexes.replace(/\n/g, ', ')}; invalid: ${invalid}; goose versions: ${versions.join(', ')}`);
  });
  test(`${ns}: a second cdktf deploy applies nothing (goose's records unchanged), and a plan after it shows no change`, async () => {
    requireDeployed();
    const before = await appliedMigrations();
    await cdktf(state, 'deploy', [app.name], 900);
    const after = await appliedMigrations();
    if (after !== before) throw new Error(`goose's records changed:\nbefore: ${before}\nafter: ${after}`);
    const p = await plan(state, join(outDir(state), 'stacks', app.name));
    if (p.changes.length > 0 || p.outputs.length > 0) throw new Error(`the plan after a second deploy changes: ${[...p.changes.map((c) => `${c.address} ${c.actions.join('/')}`), ...p.outputs].join(', ')}`);
  });
  test(`${ns}: broken input: a release whose migration fails stops cdktf deploy with the Job's condition, PostgreSQL's error and the invalid index it left; the old backend pods keep serving`, async () => {
    requireDeployed();
    const release = await synthesizeRelease('failing-migration', FAILING_MIGRATION);
    const rollout = await backendRollout();
    const failed = await cdktf(state, 'deploy', [app.name], 900, release).then(
      () => false,
      () => true,
    );
    // The deploy's whole output, as the user's terminal shows it, its wrapped lines joined.
    const output = readFileSync(join(state.dir, `deploy-${basename(release)}.log`), 'utf8')
      .split('\n')
      .map((l) => l.replace(new RegExp(`^${app.name}\\s+`), '').trim())
      .join(' ');
    // The Job's condition, then its pod's log tail: PostgreSQL's error and the index it left.
    const wanted = ['Job has reached the specified backoff limit', `could not create unique index "${FAILING_INDEX}"`, `invalid index ${FAILING_INDEX}`];
    say(`  the failed deploy said: ${wanted.map((w) => (output.includes(w) ? `"${w}"` : `(not "${w}")`)).join(', ')}`);
    if (!failed || !wanted.every((w) => output.includes(w))) {
      throw new Error(`the deploy ${failed ? 'failed' : 'succeeded'}, and its output does not carry the Job's condition, the migration's failure and the invalid index:\n${output.slice(-3000)}`);
    }
    const now = await backendRollout();
    if (now !== rollout) throw new Error(`the backend rolled out past a failed migration:\nbefore: ${rollout}\nafter: ${now}`);
    await poll('the backend serves', 60, backendHealth);
  });
  test(`${ns}: recovery as README says: with the invalid index dropped and the failing migration taken out, the next deploy finishes; goose recorded nothing of it`, async () => {
    requireDeployed();
    await sqlOnPrimary(`drop index concurrently if exists ${FAILING_INDEX}`);
    await cdktf(state, 'deploy', [app.name], 900);
    const versions = (await appliedMigrations()).split('\n').map((l) => l.split('|')[0]);
    if (versions.join(',') !== '0,1,2') throw new Error(`goose versions after recovery: ${versions.join(', ')}`);
    await poll('the backend serves', 120, backendHealth);
  });
});

phase('Prometheus', () => {
  beforeAll(async () => {
    if (!deployed) return;
    await k.exec(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: promop.prometheusAccess(MONITORING, 'prometheus') }));
    const resource = promop.prometheusResource(PROMETHEUS, MONITORING, promop.chartSelectors(platform));
    const spec = { ...resource.spec, serviceAccountName: 'prometheus', scrapeInterval: '10s', evaluationInterval: '10s', resources: { requests: { cpu: '100m', memory: '256Mi' } } };
    await k.exec(['apply', '-f', '-'], JSON.stringify({ ...resource, spec }));
  });
  pollTest(`${ns}: Prometheus, made by prometheus-operator from the monitors, has each target up: the backend, PostgreSQL, both poolers, the cache`, 300, async () => {
    const data = await prometheusApi<{ activeTargets: { scrapePool: string; health: string; labels: Record<string, string>; lastError: string }[] }>('/api/v1/targets');
    const jobs = [`serviceMonitor/${ns}/${BACKEND}/0`, `podMonitor/${ns}/${CLUSTER}/0`, `podMonitor/${ns}/${POOLER_RW}/0`, `podMonitor/${ns}/${POOLER_RO}/0`, `serviceMonitor/${ns}/${CACHE}/0`];
    const lines = jobs.map((j) => {
      const targets = data.activeTargets.filter((t) => t.scrapePool === j);
      const up = targets.filter((t) => t.health === 'up').length;
      return { ok: targets.length > 0 && up === targets.length, text: `${j}: ${up}/${targets.length} up${targets.find((t) => t.lastError)?.lastError ? ` (${targets.find((t) => t.lastError)?.lastError})` : ''}` };
    });
    return observed(lines.every((l) => l.ok), lines.map((l) => l.text).join('; '));
  });
});

/** The flows the design allows and the ones it forbids (README "Topology"), as real connections. */
interface Flow {
  readonly name: string;
  readonly from: () => Promise<PodRef>;
  readonly to: string;
  readonly port: number;
}
const allowed: Flow[] = [
  { name: 'the backend to the rw pooler', from: backend, to: svc(POOLER_RW), port: 5432 },
  { name: 'the backend to the ro pooler', from: backend, to: svc(POOLER_RO), port: 5432 },
  { name: 'the backend to the cache (write)', from: backend, to: svc('cache-write'), port: 6379 },
  { name: 'the backend to the cache (read)', from: backend, to: svc('cache-read'), port: 6379 },
  { name: 'the edge\'s proxy to the backend', from: edgeProxy, to: svc(BACKEND), port: 80 },
  { name: 'the edge\'s proxy to the frontend', from: edgeProxy, to: svc(FRONTEND), port: 80 },
  { name: 'the rw pooler to the primary', from: () => tier(POOLER_RW, 'pgbouncer'), to: svc(`${CLUSTER}-rw`), port: 5432 },
];
const forbidden: Flow[] = [
  { name: 'the frontend to PostgreSQL', from: () => tier(FRONTEND), to: svc(`${CLUSTER}-rw`), port: 5432 },
  { name: 'the frontend to the rw pooler', from: () => tier(FRONTEND), to: svc(POOLER_RW), port: 5432 },
  { name: 'the frontend to the cache', from: () => tier(FRONTEND), to: svc('cache-write'), port: 6379 },
  { name: 'a pod of another namespace to the backend', from: () => probeIn(ELSEWHERE), to: svc(BACKEND), port: 80 },
  { name: 'a pod of the edge\'s namespace that is not its proxy (Envoy Gateway\'s controller, its rate limit service) to the backend', from: () => probeIn(EDGE_NAMESPACE), to: svc(BACKEND), port: 80 },
  { name: 'the cache to the backend', from: () => tier(CACHE, 'valkey'), to: svc(BACKEND), port: 80 },
  { name: 'the backend to PostgreSQL directly, past the poolers', from: backend, to: svc(`${CLUSTER}-rw`), port: 5432 },
];
const describeFlow = (f: Flow, c: Connection) => `${f.to}:${f.port}: ${c}`;

phase('NetworkPolicies enforced (kube-router)', () => {
  // An allowed flow may be retried for a lost packet; a NetworkPolicy's denial never turns into a
  // connection, so retrying cannot pass one. A forbidden flow gets one attempt.
  for (const f of allowed) {
    pollTest(`${ns}: allowed: ${f.name} connects`, 30, async () => {
      const c = await connect(k, await f.from(), f.to, f.port);
      return observed(c === 'connected', describeFlow(f, c));
    });
  }
  for (const f of forbidden) {
    nowTest(`${ns}: forbidden: ${f.name} is refused`, async () => {
      const c = await connect(k, await f.from(), f.to, f.port);
      return observed(c === 'timed out' || c === 'refused', describeFlow(f, c));
    });
  }
  test(`${ns}: broken input: with the backend-to-cache egress flow removed, the backend no longer reaches the cache (the matrix can fail)`, async () => {
    requireDeployed();
    const policy = 'backend-to-cache-egress';
    const saved = JSON.parse(await k.exec(['-n', ns, 'get', 'networkpolicy', policy, '-o', 'json'])) as KubeObject & { metadata: Record<string, unknown> };
    await k.exec(['-n', ns, 'delete', 'networkpolicy', policy]);
    try {
      const o = await poll('the backend to the cache is refused', 60, async () => {
        const c = await connect(k, await backend(), svc('cache-write'), 6379);
        return observed(c !== 'connected', c);
      });
      say(`  without ${policy}: the backend to cache-write ${o.detail}`);
    } finally {
      const { name, namespace, labels, annotations } = saved.metadata;
      await k.exec(['create', '-f', '-'], JSON.stringify({ ...saved, metadata: { name, namespace, labels, annotations } }));
    }
    await poll('the backend reaches the cache again', 60, async () => {
      const c = await connect(k, await backend(), svc('cache-write'), 6379);
      return observed(c === 'connected', c);
    });
  });
});

phase('failover', () => {
  test(`${ns}: with the primary's pod deleted, CloudNativePG promotes the replica, the rw pooler reaches the new primary and /health recovers`, async () => {
    requireDeployed();
    const old = (await cluster())?.status?.currentPrimary;
    if (!old) throw new Error('no current primary');
    const t0 = Date.now();
    await k.exec(['-n', ns, 'delete', 'pod', old, '--wait=false']);
    const promoted = await poll('a new primary', 180 * slow, async () => {
      const now = (await cluster())?.status?.currentPrimary;
      return observed(now !== undefined && now !== old, `current primary ${now}`, now);
    });
    const promotedAfter = (Date.now() - t0) / 1000;
    const written = await poll('the rw pooler reaches a primary', 180 * slow, async () => {
      const r = await throughUrl('DATABASE_URL');
      const server = r.out.match(/server=(\S+)/)?.[1];
      return observed(r.code === 0 && r.out.includes('recovery=False'), server ? `${r.out} (${await instanceAt(server)})` : r.out);
    });
    const writableAfter = (Date.now() - t0) / 1000;
    await poll('the backend is healthy', 180 * slow, backendHealth);
    const healthyAfter = (Date.now() - t0) / 1000;
    recordTiming(state.dir, '  failover: promoted', promotedAfter);
    recordTiming(state.dir, '  failover: rw pooler writable', writableAfter);
    recordTiming(state.dir, '  failover: backend healthy', healthyAfter);
    say(`  ${old} deleted: ${promoted.value} promoted after ${promotedAfter.toFixed(1)}s, rw pooler on it after ${writableAfter.toFixed(1)}s (${written.detail}), /health after ${healthyAfter.toFixed(1)}s`);
  });
});

phase('an alert fires', () => {
  test(`${ns}: once PostgresNoPrimary is inactive, with every instance fenced, Prometheus evaluates the PrometheusRule and PostgresNoPrimary fires; unfenced, the backend recovers`, async () => {
    requireDeployed();
    const noPrimary = async (wanted: 'inactive' | 'firing'): Promise<Observation> => {
      const data = await prometheusApi<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
      const state = data.alerts.find((x) => x.labels.alertname === 'PostgresNoPrimary')?.state ?? 'inactive';
      return observed(state === wanted, `PostgresNoPrimary: ${state}; all: ${data.alerts.map((x) => `${x.labels.alertname}=${x.state}`).join(', ') || 'none'}`);
    };
    // The failover above may have left it firing: only one that starts after the fence shows the rule works.
    await poll('PostgresNoPrimary inactive before the fence', 300 * slow, () => noPrimary('inactive'));
    await k.exec(['-n', ns, 'annotate', 'clusters.postgresql.cnpg.io', CLUSTER, 'cnpg.io/fencedInstances=["*"]', '--overwrite']);
    try {
      const o = await poll('PostgresNoPrimary firing', 300 * slow, () => noPrimary('firing'));
      say(`  ${o.detail}`);
    } finally {
      await k.exec(['-n', ns, 'annotate', 'clusters.postgresql.cnpg.io', CLUSTER, 'cnpg.io/fencedInstances-']);
    }
    await poll('the backend is healthy again', 300 * slow, backendHealth);
  });
});

phase('destroy', () => {
  test(`cdktf destroy ${app.name}`, async () => {
    requireDeployed();
    const t0 = Date.now();
    await cdktf(state, 'destroy', [app.name], 1800);
    recordTiming(state.dir, `  cdktf destroy ${app.name}`, (Date.now() - t0) / 1000);
    remember(state.dir, { deployed: [] });
  });
  pollTest(`namespace ${ns} is gone`, 180, () => checks.gone(k, 'namespace', ns));
  afterAll(async () => {
    await volumes?.stop();
  });
});

phase('cluster down', () => {
  test('the operators, the node and the cluster are stopped, and nothing of the run is left on this machine', () => {
    const prometheusOperatorWasRunning = stopOperator(state.dir, 'prometheusOperatorPid');
    const down = clusterDown(join(state.dir, 'cluster'));
    if (!down.ok) throw new Error(down.output);
    if (!prometheusOperatorWasRunning) throw new Error('prometheus-operator was not running at the end');
    const left = realNodeLeftovers();
    if (left.length > 0) throw new Error(`left on this machine:\n${left.join('\n')}`);
    say(`  ${down.output.split('\n').pop() ?? ''}; no process, mount, interface, namespace, cgroup or route of the node left`);
  });
});
