/**
 * `npm run bench:plan`: what a second plan of prod-app costs next to `kubectl diff --server-side`
 * of the same objects, measured in one run on the e2e's kwok cluster (its global setup: control
 * plane, CRDs, CloudNativePG, prometheus-operator, Envoy Gateway), and how both grow with +10 and
 * +100 extra web services (`bench/grow.ts`); next to the CLI's figure, CDK Terrain's (`cdktn diff`),
 * `npm run plan`'s (the same without a CLI) with and without each of its levers, and `cdktf diff`
 * and the bare plan of bench/cli-floor (prod-app's providers, no object), which no app stack can undercut.
 * Writes the tables into BENCHMARKS.md between its plan markers. `--reps N` sets the repetitions
 * (default 5); `--hold` deploys prod-app and waits for Ctrl-C, printing what one needs to measure
 * by hand.
 *
 * Each plan must report no changes (`-detailed-exitcode`) and each diff no difference, or the
 * run stops: a timing of a plan that would change something is not a second plan.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import globalSetup from '../e2e/global-setup';
import { PROJECT_ROOT, cdktf, outDir, toolEnvironment } from '../e2e/lib/cdktf';
import { Kubectl, type KubeObject } from '../e2e/lib/kube';
import { cleanUp, installSignalHandlers } from '../e2e/lib/lifecycle';
import { loadRunState, type RunState } from '../e2e/lib/settings';
import { SimulatedControllers } from '../e2e/lib/simulated';
import { SynthesizedStack } from '../e2e/lib/stacks';
import { INIT_STAMP } from '../scripts/plan';

const STACK = 'prod-app';
const GROWTH = [0, 10, 100];
const REPORT = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
const FLOOR = path.join(__dirname, 'cli-floor');
const BEGIN = '<!-- bench-plan:begin (written by npm run bench:plan) -->';
const END = '<!-- bench-plan:end -->';

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/** One fresh process under /usr/bin/time; a non-zero exit (other than `allowed`) stops the run. */
function timed(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; allowed?: readonly number[]; input?: string }): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', ...argv], { ...options, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const line = (r.stderr ?? '').split('\n').reverse().find((l) => l.startsWith('TIME '));
  if (line === undefined) throw new Error(`${argv.join(' ')}: no timing (${r.error?.message ?? r.stderr})`);
  const [wall, user, sys] = line.split(' ').slice(1).map(Number) as [number, number, number];
  const status = r.status ?? -1;
  if (status !== 0 && !(options.allowed ?? []).includes(status)) {
    throw new Error(`${argv.join(' ')}: exit ${status}\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
  }
  return { wall, cpu: user + sys };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function summary(samples: readonly Sample[]): Sample {
  return { wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)) };
}

/** Fields the API server owns, dropped so that the diff compares what a user's manifest holds. */
function asApplied(o: KubeObject & { status?: unknown }): object {
  const { metadata, status: _status, ...rest } = o as KubeObject & { status?: unknown; metadata: Record<string, unknown> };
  const { managedFields: _m, resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, ...kept } = metadata;
  return { ...rest, metadata: kept };
}

/**
 * The objects the stack manages, read back from the cluster: kinds from the state's resource
 * types (`kubernetes_deployment_v1` → Deployment) and from the manifests themselves.
 */
async function managedObjects(state: RunState, k: Kubectl, stackDir: string): Promise<object[]> {
  const shown = spawnSync(state.terraformBinary, ['show', '-json'], { cwd: stackDir, env: toolEnvironment(state), encoding: 'utf8', maxBuffer: 512 * 2 ** 20 });
  if (shown.status !== 0) throw new Error(`tofu show -json in ${stackDir}: exit ${shown.status}\n${shown.stderr}`);
  interface StateResource {
    readonly type: string;
    readonly mode: string;
    readonly values: {
      metadata?: { name: string; namespace?: string }[];
      manifest?: KubeObject;
      /** kubectl_manifest's. */
      api_version?: string;
      kind?: string;
      name?: string;
      namespace?: string;
    };
  }
  const root = (JSON.parse(shown.stdout) as { values?: { root_module?: { resources?: StateResource[] } } }).values?.root_module?.resources ?? [];
  const refs: { kind: string; name: string; namespace?: string }[] = [];
  for (const r of root.filter((x) => x.mode === 'managed')) {
    const v = r.values;
    if (r.type === 'kubectl_manifest' && v.kind && v.name) {
      refs.push({ kind: `${v.kind}.${(v.api_version ?? '').split('/')[0]}`, name: v.name, namespace: v.namespace || undefined });
      continue;
    }
    if (r.type === 'kubernetes_manifest' && r.values.manifest !== undefined) {
      const m = r.values.manifest;
      refs.push({ kind: `${m.kind}.${(m.apiVersion ?? '').split('/')[0]}`, name: m.metadata.name, namespace: m.metadata.namespace });
      continue;
    }
    const kind = /^kubernetes_(.+)_v\d+$/.exec(r.type)?.[1];
    const meta = r.values.metadata?.[0];
    if (kind === undefined || meta === undefined) continue;
    refs.push({ kind: kind.replace(/_/g, ''), name: meta.name, namespace: meta.namespace || undefined });
  }
  // One `kubectl get` per kind and namespace, naming every object: the listing is not timed, but
  // +100 services make it ~900 objects.
  const groups = new Map<string, typeof refs>();
  for (const ref of refs) {
    const key = `${ref.kind} ${ref.namespace ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), ref]);
  }
  const objects: object[] = [];
  for (const group of groups.values()) {
    const [{ kind, namespace }] = group as [(typeof refs)[number]];
    const out = await k.exec(['get', kind, ...group.map((r) => r.name), ...(namespace ? ['-n', namespace] : []), '-o', 'json']);
    const parsed = JSON.parse(out) as KubeObject | { items: KubeObject[] };
    const items = 'items' in parsed ? parsed.items : [parsed];
    if (items.length !== group.length) throw new Error(`${kind} in ${namespace ?? 'the cluster'}: ${group.length} in the state, ${items.length} on the cluster`);
    objects.push(...items.map(asApplied));
  }
  return objects;
}

/** What one +N row measures; the CLI and the floor only at +0. */
interface Row {
  readonly services: number;
  readonly objects: number;
  readonly bare: Sample;
  readonly kubectl: Sample;
  readonly once?: {
    readonly cli: Sample;
    /** `npm run plan -- prod-app`: synth and plan without the cdktf CLI (scripts/plan.ts), as users run it. */
    readonly project: Sample;
    /** The same, without one lever each: every environment synthesized; `init` every time. */
    readonly projectAllEnvironments: Sample;
    readonly projectAlwaysInit: Sample;
    /** `cdktn diff prod-app`: CDK Terrain's CLI on the same state (README "Running on CDK Terrain"). */
    readonly cdktn: Sample;
    /** Two stacks of prod-app's size (prod-app and a twin with its own state), planned one after the other, then at once. */
    readonly twoSequential: Sample;
    readonly twoParallel: Sample;
    /** prod-app without the schema migration's `kubernetes_manifest` and two `kubernetes_resources` (the only ones): no OpenAPI read. */
    readonly withoutMigration: Sample;
    /** `-refresh=false`: no read of the live objects, so no drift detection; for comparison only. */
    readonly noRefresh: Sample;
    /** `cdktf diff` of bench/cli-floor: prod-app's providers and backend, no object. */
    readonly floorCli: Sample;
    /** The same floor's bare plan. */
    readonly floorBare: Sample;
  };
}

/** A resource of the synthesized JSON, as the removal below walks it. */
type Json = { [key: string]: unknown };

/**
 * A copy of the stack directory with its own copy of the state (backend path rewritten, `init`
 * again), planning the same live objects: a second stack of the same size for the parallel lever.
 * `drop(type, id)` leaves resources out of the copy's configuration and state (and out of every
 * `depends_on`), for a plan of the stack without them; the copy's plan must still report no change.
 */
function twinStack(state: RunState, dir: string, name: string, drop: (type: string, id: string) => boolean = () => false): string {
  const env = toolEnvironment(state);
  const twin = path.join(state.dir, 'twins', name);
  rmSync(twin, { recursive: true, force: true });
  cpSync(dir, twin, { recursive: true, verbatimSymlinks: true });
  const stack = JSON.parse(readFileSync(path.join(twin, 'cdk.tf.json'), 'utf8')) as Json & { terraform: { backend: { local: { path: string } } } };
  const stateFile = path.join(twin, 'terraform.tfstate.twin');
  cpSync(path.resolve(dir, stack.terraform.backend.local.path), stateFile);
  stack.terraform.backend.local.path = stateFile;
  const dropped: string[] = [];
  for (const [mode, prefix] of [['resource', ''], ['data', 'data.']] as const) {
    for (const [type, byId] of Object.entries((stack[mode] ?? {}) as Record<string, Json>)) {
      for (const id of Object.keys(byId).filter((i) => drop(type, i))) {
        delete byId[id];
        dropped.push(`${prefix}${type}.${id}`);
      }
      // A type without a block is not valid configuration.
      if (Object.keys(byId).length === 0) delete (stack[mode] as Json)[type];
    }
    if (stack[mode] !== undefined && Object.keys(stack[mode] as Json).length === 0) delete stack[mode];
  }
  const prune = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === 'depends_on' && Array.isArray(value)) (node as Json)[key] = value.filter((d) => !dropped.includes(String(d)));
      else prune(value);
    }
  };
  prune(stack);
  writeFileSync(path.join(twin, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  const tofu = (args: readonly string[]) => {
    const r = spawnSync(state.terraformBinary, args, { cwd: twin, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} in ${twin}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  };
  tofu(['init', '-input=false', '-reconfigure']);
  if (dropped.length > 0) tofu(['state', 'rm', ...dropped.filter((d) => !d.startsWith('data.'))]);
  return twin;
}

async function measure(state: RunState, k: Kubectl, services: number, reps: number): Promise<Row> {
  const dir = path.join(outDir(state), 'stacks', STACK);
  const floorOut = path.join(state.dir, 'floor');
  const env = toolEnvironment(state);
  const objects = await managedObjects(state, k, dir);
  const list = path.join(state.dir, `objects-${services}.json`);
  writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const cdktn = state.cdktn;
  if (cdktn === undefined) throw new Error('bench:plan: global setup installed no CDK Terrain copy');
  const cdktnEnv = { ...env, PATH: `${cdktn.nodeBin}:${env.PATH ?? ''}` };
  // As users run it: npm run plan picks the environment from the stack's name.
  const { TOPOLOGY_ENVIRONMENTS: _selected, ...userEnv } = env;
  const projectPlan = ['npm', 'run', '--silent', 'plan', '--', STACK, '--output', outDir(state)];
  // Levers measured on copies; at +0 only, as the CLI figures.
  const twin = services === 0 ? twinStack(state, dir, 'prod-app-twin') : '';
  const lean = services === 0 ? twinStack(state, dir, 'prod-app-without-migration', (type) => type === 'kubernetes_manifest' || type === 'kubernetes_resources') : '';
  const samples = { twoSequential: [] as Sample[], twoParallel: [] as Sample[], withoutMigration: [] as Sample[], cdktn: [] as Sample[], projectAllEnvironments: [] as Sample[], projectAlwaysInit: [] as Sample[], cli: [] as Sample[], project: [] as Sample[], floorCli: [] as Sample[], floorBare: [] as Sample[], bare: [] as Sample[], noRefresh: [] as Sample[], kubectl: [] as Sample[] };
  const bare = [state.terraformBinary, 'plan', '-input=false', '-no-color', '-detailed-exitcode'];
  const diff = (stack: string, output: string) => ['npx', '--no-install', 'cdktf', 'diff', stack, '--no-color', '--output', output];
  for (let i = 0; i < reps; i++) {
    if (services === 0) {
      // As users run it: synth of the app, then the plan; no flag that a user would not pass.
      samples.cli.push(timed(diff(STACK, outDir(state)), { cwd: PROJECT_ROOT, env }));
      samples.project.push(timed(projectPlan, { cwd: PROJECT_ROOT, env: userEnv }));
      samples.projectAllEnvironments.push(timed(projectPlan, { cwd: PROJECT_ROOT, env: { ...userEnv, TOPOLOGY_ENVIRONMENTS: '' } }));
      rmSync(path.join(dir, INIT_STAMP), { force: true });
      samples.projectAlwaysInit.push(timed(projectPlan, { cwd: PROJECT_ROOT, env: userEnv }));
      samples.cdktn.push(timed(['npx', '--no-install', 'cdktn', 'diff', STACK, '--no-color', '--output', path.join(state.dir, 'out-cdktn')], { cwd: cdktn.root, env: cdktnEnv }));
      samples.floorCli.push(timed(diff('floor', floorOut), { cwd: FLOOR, env }));
      samples.floorBare.push(timed(bare, { cwd: path.join(floorOut, 'stacks', 'floor'), env }));
      samples.noRefresh.push(timed([...bare, '-refresh=false'], { cwd: dir, env }));
      // Both plans must report no change: the shell exits with the first non-zero status.
      const [first, second] = [dir, twin].map((d) => `${state.terraformBinary} -chdir=${d} ${bare.slice(1).join(' ')}`);
      samples.twoSequential.push(timed(['sh', '-c', `${first} && ${second}`], { cwd: PROJECT_ROOT, env }));
      samples.twoParallel.push(timed(['sh', '-c', `${first} & p0=$!; ${second} & p1=$!; wait $p0 && wait $p1`], { cwd: PROJECT_ROOT, env }));
      samples.withoutMigration.push(timed(bare, { cwd: lean, env }));
    }
    samples.bare.push(timed(bare, { cwd: dir, env }));
    samples.kubectl.push(timed(['kubectl', '--context', state.context, 'diff', '--server-side', '--force-conflicts', '-f', list], { cwd: PROJECT_ROOT, env }));
  }
  const row: Row = {
    services,
    objects: objects.length,
    bare: summary(samples.bare),
    kubectl: summary(samples.kubectl),
    ...(services === 0
      ? { once: { cli: summary(samples.cli), cdktn: summary(samples.cdktn), project: summary(samples.project), projectAllEnvironments: summary(samples.projectAllEnvironments), projectAlwaysInit: summary(samples.projectAlwaysInit), twoSequential: summary(samples.twoSequential), twoParallel: summary(samples.twoParallel), withoutMigration: summary(samples.withoutMigration), noRefresh: summary(samples.noRefresh), floorCli: summary(samples.floorCli), floorBare: summary(samples.floorBare) } }
      : {}),
  };
  console.log(`bench:plan: +${services} services, ${row.objects} objects: ${JSON.stringify(row)}`);
  return row;
}

function table(rows: readonly Row[], reps: number): string[] {
  const f = (s: Sample) => `${s.wall.toFixed(2)} s | ${s.cpu.toFixed(2)} s`;
  const ratio = (a: Sample, b: Sample) => `${(a.wall / b.wall).toFixed(1)}×`;
  const base = rows[0] as Row;
  const once = base.once;
  if (once === undefined) throw new Error('bench:plan: the +0 row has no CLI figures');
  const line = (what: string, s: Sample) => `| ${what} | ${f(s)} | ${ratio(s, base.kubectl)} |`;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${process.versions.node}; medians of ${reps}; prod-app deployed on the e2e's kwok cluster (${base.objects} objects).`,
    '',
    '| second plan of prod-app | wall | CPU (user+sys) | ÷ `kubectl diff` |',
    '|---|---|---|---|',
    line('`cdktf diff prod-app`', once.cli),
    line('`cdktn diff prod-app` (CDK Terrain\'s CLI, same state)', once.cdktn),
    line('`npm run plan -- prod-app`: synth of prod only, `init` only when its inputs changed, plan; no CLI', once.project),
    line('the same, synthesizing every environment (`TOPOLOGY_ENVIRONMENTS=`)', once.projectAllEnvironments),
    line('the same, with `init` every time', once.projectAlwaysInit),
    line('`cdktf diff` of the floor: prod-app\'s providers, no object', once.floorCli),
    line('bare `tofu plan`', base.bare),
    line('bare `tofu plan -refresh=false`', once.noRefresh),
    line('bare `tofu plan` without the schema migration\'s Job and its two data sources (no OpenAPI read)', once.withoutMigration),
    line('two bare plans of prod-app\'s size (prod-app and a copy with its own state), one after the other', once.twoSequential),
    line('the same two, in parallel', once.twoParallel),
    line('bare `tofu plan` of the floor', once.floorBare),
    line('`kubectl diff --server-side` of the same objects', base.kubectl),
    '',
    '| extra services | objects | bare `tofu plan` | `kubectl diff --server-side` | bare plan ÷ kubectl diff |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| +${r.services} | ${r.objects} | ${r.bare.wall.toFixed(2)} s (CPU ${r.bare.cpu.toFixed(2)} s) | ${r.kubectl.wall.toFixed(2)} s (CPU ${r.kubectl.cpu.toFixed(2)} s) | ${ratio(r.bare, r.kubectl)} |`),
    '',
  ];
  for (const r of rows.slice(1)) {
    const per = (a: Sample, b: Sample) => `${(((a.wall - b.wall) / r.services) * 1000).toFixed(0)} ms`;
    lines.push(`- +${r.services}: each extra service adds ${per(r.bare, base.bare)} to the bare plan, ${per(r.kubectl, base.kubectl)} to kubectl diff.`);
  }
  return lines;
}

function writeReport(lines: readonly string[]): void {
  const text = readFileSync(REPORT, 'utf8');
  const [begin, end] = [text.indexOf(BEGIN), text.indexOf(END)];
  if (begin < 0 || end < begin) throw new Error(`BENCHMARKS.md: no ${BEGIN} … ${END} section`);
  writeFileSync(REPORT, `${text.slice(0, begin + BEGIN.length)}\n${lines.join('\n')}\n${text.slice(end)}`);
}

function deployGrown(state: RunState, services: number): void {
  const r = spawnSync('node', ['--require', 'tsx/cjs', 'bench/grow.ts', String(services), outDir(state)], {
    cwd: PROJECT_ROOT,
    env: toolEnvironment(state),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench/grow.ts ${services}: ${r.stderr}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps: must be a whole number ≥ 1');
  process.env.E2E_ENVIRONMENTS = 'prod';
  await globalSetup();
  const state = loadRunState();
  installSignalHandlers(state.dir);
  const k = new Kubectl(state.context);
  const app = SynthesizedStack.load(outDir(state), STACK);
  const simulated = new SimulatedControllers(k, [app.namespace]);
  try {
    await cdktf(state, 'deploy', [STACK], 900);
    if (args.includes('--hold')) {
      console.log(`bench:plan: ${STACK} deployed; stack ${path.join(outDir(state), 'stacks', STACK)}`);
      console.log(`KUBECONFIG=${state.kubeconfig} TF_CLI_CONFIG_FILE=${state.tfCliConfig} TERRAFORM_BINARY_NAME=${state.terraformBinary}`);
      await new Promise(() => undefined);
    }
    const rows: Row[] = [];
    for (const n of GROWTH) {
      if (n > 0) {
        deployGrown(state, n);
        await cdktf(state, 'deploy', [STACK], 1800);
      }
      rows.push(await measure(state, k, n, reps));
    }
    const lines = table(rows, reps);
    console.log(lines.join('\n'));
    writeReport(lines);
  } finally {
    await simulated.stop();
    cleanUp(state.dir, 'bench:plan done');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
