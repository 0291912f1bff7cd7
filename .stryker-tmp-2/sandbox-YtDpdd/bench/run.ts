/**
 * `npm run bench`: times synth, type-check and the unit tests on this machine and writes the
 * results into BENCHMARKS.md, between its bench markers (the notes around them stay).
 * `npm run bench -- --quick`: one run of a few measurements (synth by the app command and by the
 * CLI among them), no ts-node install, writes nothing; CI runs it so that this script cannot rot.
 * `--reps N` sets the repetitions (default 5; with --quick, 1), e.g. to compare Node lines.
 *
 * Every measurement is a fresh process under /usr/bin/time: wall time, user+sys CPU time (less
 * disturbed than wall time when other work loads the machine) and max RSS. For commands that
 * start child processes (npx, the cdktf CLI, jest) max RSS is that of the largest one.
 */
// @ts-nocheck

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const REFERENCE = path.join(ROOT, 'bench', 'reference');
const REPORT = path.join(ROOT, 'BENCHMARKS.md');
const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';
const GROWTH = [0, 10, 100, 500];

interface Command {
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

interface Bench {
  readonly id: string;
  readonly label: string;
  /** One repetition's command; `out` is a fresh path for synth output. */
  readonly command: (out: string) => Command;
  /** Checked after each run, so that a command that silently writes nothing is not timed. */
  readonly synthesizes?: boolean;
  /** Part of the --quick smoke run. */
  readonly quick?: boolean;
  /** Id of the template-default row this one is compared with. */
  readonly templateDefault?: string;
  /** The reference runner, not the project: its memory is not held to the project's target. */
  readonly reference?: boolean;
}

interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMB: number;
}

interface Summary {
  readonly wall: number;
  readonly min: number;
  readonly max: number;
  readonly cpu: number;
  /** Highest max RSS over the repetitions, in MB (10^6 bytes). */
  readonly rssMB: number;
}

/** The provider modules our code loads, exactly as imported (deep paths), found by following main.ts's imports. */
function providerModules(): string[] {
  const modules = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    // Value imports only: type-only imports are erased and load nothing.
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)) {
      if (/^@cdktf\/provider-[\w-]+\/lib\//.test(spec)) modules.add(spec);
      else if (spec.startsWith('.') && !spec.endsWith('.json')) {
        const target = path.resolve(path.dirname(file), spec);
        visit(existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts'));
      }
    }
  };
  visit(path.join(ROOT, 'main.ts'));
  return [...modules].sort();
}

/** cdktf.json's app command, whose runner (`node --require tsx/cjs`) also runs the growth driver. */
function appCommand(): string[] {
  const { app } = JSON.parse(readFileSync(path.join(ROOT, 'cdktf.json'), 'utf8')) as { app?: unknown };
  const argv = typeof app === 'string' ? app.split(/\s+/) : [];
  if (argv.at(-1) !== 'main.ts') throw new Error(`cdktf.json: expected an app command ending in main.ts, found ${String(app)}`);
  return argv;
}

function benches(): Bench[] {
  const app = appCommand();
  const floor = ['cdktf', ...providerModules()].map((m) => `require(${JSON.stringify(m)})`).join(';');
  // The template keeps ts-node in the project; here it lives in bench/reference, where npx finds it
  // through --prefix. Left alone, ts-node would load the project's TypeScript 7, which has no JS API.
  const tsNode = ['npx', '--prefix', REFERENCE, 'ts-node', 'main.ts'];
  const tsNodeEnv = { TS_NODE_COMPILER: path.join(REFERENCE, 'node_modules', 'typescript') };
  // The CLI otherwise asks a HashiCorp server for version news on every run: network time is not synth time.
  const cliEnv = { CHECKPOINT_DISABLE: '1' };
  return [
    { id: 'floor', label: 'floor: `node` loading cdktf and our provider modules', command: () => ({ argv: ['node', '-e', floor] }), quick: true },
    {
      id: 'app',
      label: `synth, app command: \`${app.join(' ')}\``,
      command: (out) => ({ argv: app, env: { CDKTF_OUTDIR: out } }),
      synthesizes: true,
      quick: true,
      templateDefault: 'ts-node',
    },
    {
      id: 'cli',
      label: 'synth, `npx cdktf synth`',
      command: (out) => ({ argv: ['npx', 'cdktf', 'synth', '--output', out], env: cliEnv }),
      synthesizes: true,
      quick: true,
      templateDefault: 'cli-ts-node',
    },
    {
      id: 'ts-node',
      label: 'template default: `npx ts-node main.ts`',
      command: (out) => ({ argv: tsNode, env: { ...tsNodeEnv, CDKTF_OUTDIR: out } }),
      synthesizes: true,
      reference: true,
    },
    {
      id: 'cli-ts-node',
      label: 'template default: `npx cdktf synth` running `npx ts-node main.ts`',
      command: (out) => ({ argv: ['npx', 'cdktf', 'synth', '--app', tsNode.join(' '), '--output', out], env: { ...cliEnv, ...tsNodeEnv } }),
      synthesizes: true,
      reference: true,
    },
    { id: 'typecheck', label: 'type-check: `npm run typecheck`', command: () => ({ argv: ['npm', 'run', 'typecheck'] }) },
    { id: 'test', label: 'unit tests: `npm test`', command: () => ({ argv: ['npm', 'test'] }) },
    ...GROWTH.map((n) => ({
      id: `grow-${n}`,
      label: `synth, prod + ${n} services (\`bench/grow.ts\`)`,
      command: (out: string) => ({ argv: [...app.slice(0, -1), 'bench/grow.ts', String(n), out] }),
      synthesizes: true,
      quick: n === 10,
    })),
  ];
}

function measure(bench: Bench): Sample {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `bench-${bench.id}-`));
  const out = path.join(scratch, 'out');
  const timing = path.join(scratch, 'time');
  try {
    const { argv, env } = bench.command(out);
    const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timing, ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    });
    if (result.status !== 0) throw new Error(`${bench.id}: exit ${String(result.status)}\n${result.stderr.slice(-3000)}`);
    if (bench.synthesizes && !existsSync(path.join(out, 'manifest.json'))) throw new Error(`${bench.id}: no manifest.json in ${out}`);
    const [wall, user, sys, kib] = (readFileSync(timing, 'utf8').trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    return { wall, cpu: user + sys, rssMB: (kib * 1024) / 1e6 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(samples: readonly Sample[]): Summary {
  const walls = samples.map((s) => s.wall);
  return {
    wall: median(walls),
    min: Math.min(...walls),
    max: Math.max(...walls),
    cpu: median(samples.map((s) => s.cpu)),
    rssMB: Math.max(...samples.map((s) => s.rssMB)),
  };
}

const s = (x: number) => `${x.toFixed(2)} s`;
const times = (x: number) => `${x.toFixed(x < 1 ? 2 : 1)}×`;

function resultsTable(list: readonly Bench[], results: ReadonlyMap<string, Summary>): string[] {
  const floor = results.get('floor');
  const rows = list.flatMap((b) => {
    const r = results.get(b.id);
    if (r === undefined) return [];
    const reference = b.templateDefault === undefined ? undefined : results.get(b.templateDefault);
    return [
      `| ${b.label} | ${s(r.wall)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${s(r.cpu)} | ` +
        `${floor ? times(r.wall / floor.wall) : '—'} | ${reference ? `${times(r.wall / reference.wall)} (${times(reference.wall / r.wall)} faster)` : '—'} | ${r.rssMB.toFixed(0)} MB |`,
    ];
  });
  return [
    '| measurement | median wall | min–max (s) | median CPU (user+sys) | × floor | × template default | peak RSS |',
    '| --- | --: | --: | --: | --: | --: | --: |',
    ...rows,
  ];
}

function growthTable(results: ReadonlyMap<string, Summary>): string[] {
  const base = results.get('grow-0');
  const lines = ['| extra services | median wall | min–max (s) | added wall | per service | added CPU per service | peak RSS |', '| --: | --: | --: | --: | --: | --: | --: |'];
  for (const n of GROWTH) {
    const r = results.get(`grow-${n}`);
    if (r === undefined || base === undefined) continue;
    const added = n > 0 ? s(r.wall - base.wall) : '—';
    const per = (x: number) => (n > 0 ? `${((x * 1000) / n).toFixed(1)} ms` : '—');
    lines.push(`| ${n} | ${s(r.wall)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${added} | ${per(r.wall - base.wall)} | ${per(r.cpu - base.cpu)} | ${r.rssMB.toFixed(0)} MB |`);
  }
  return lines;
}

function targetsTable(list: readonly Bench[], results: ReadonlyMap<string, Summary>): string[] {
  const get = (id: string): Summary => {
    const r = results.get(id);
    if (r === undefined) throw new Error(`no result for ${id}`);
    return r;
  };
  const [floor, app, cli] = [get('floor'), get('app'), get('cli')];
  const added100 = get('grow-100').wall - get('grow-0').wall;
  const perService = (n: number, key: 'wall' | 'cpu') => (get(`grow-${n}`)[key] - get('grow-0')[key]) / n;
  const curve = (key: 'wall' | 'cpu') => perService(500, key) / perService(100, key);
  const ratio = (x: number) => `${x.toFixed(2)}×`;
  const heaviest = (rows: readonly Bench[]) =>
    rows.map((b) => ({ b, r: get(b.id) })).reduce((a, x) => (x.r.rssMB > a.r.rssMB ? x : a));
  const ours = list.filter((b) => !b.reference);
  const synthMemory = heaviest(ours.filter((b) => b.synthesizes));
  const otherMemory = heaviest(ours.filter((b) => !b.synthesizes && b.id !== 'floor'));
  const rows: [string, string, boolean][] = [
    ['synth (app command) ≤ 3× the floor', ratio(app.wall / floor.wall), app.wall <= 3 * floor.wall],
    ['synth (`npx cdktf synth`) ≤ 3× the floor', ratio(cli.wall / floor.wall), cli.wall <= 3 * floor.wall],
    ['synth (app command) ≥ 2× faster than the template default', `${ratio(get('ts-node').wall / app.wall)} faster`, get('ts-node').wall >= 2 * app.wall],
    ['synth (`npx cdktf synth`) ≥ 2× faster than the template default', `${ratio(get('cli-ts-node').wall / cli.wall)} faster`, get('cli-ts-node').wall >= 2 * cli.wall],
    ['+100 services add ≤ 1.5 s', s(added100), added100 <= 1.5],
    // Judged on CPU time: the wall time added by 100 services is a few tenths of a second, within load noise.
    [
      'no super-linear growth up to +500: CPU time per added service at +500 ≤ 1.25× that at +100',
      `${ratio(curve('cpu'))} (wall time: ${ratio(curve('wall'))})`,
      curve('cpu') <= 1.25,
    ],
    ['peak memory ≤ 400 MB: synth, every row', `${synthMemory.r.rssMB.toFixed(0)} MB (${synthMemory.b.label})`, synthMemory.r.rssMB <= 400],
    ['peak memory ≤ 400 MB: type-check and unit tests', `${otherMemory.r.rssMB.toFixed(0)} MB (${otherMemory.b.label})`, otherMemory.r.rssMB <= 400],
    ['type-check ≤ 3 s', s(get('typecheck').wall), get('typecheck').wall <= 3],
    ['unit tests ≤ 20 s', s(get('test').wall), get('test').wall <= 20],
  ];
  return ['| target | measured | |', '| --- | --: | --- |', ...rows.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'met' : '**missed**'} |`)];
}

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const repsArg = args.indexOf('--reps');
  const reps = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 1 : 5;
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps needs a whole number ≥ 1');
  const list = benches().filter((b) => !quick || b.quick);

  if (!quick) {
    console.log('installing the ts-node reference (bench/reference, pinned by its lockfile)');
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: REFERENCE, stdio: 'inherit' });
    if (install.status !== 0) throw new Error('npm install in bench/reference failed');
  }

  // One unrecorded round first (disk cache, tsx's transform cache), then the repetitions in
  // round-robin, so that a burst of load from other work spreads over every row instead of one.
  const samples = new Map<string, Sample[]>(list.map((b) => [b.id, []]));
  const load: number[] = [];
  for (let round = quick ? 1 : 0; round <= reps; round++) {
    load.push(os.loadavg()[0]);
    for (const b of list) {
      const sample = measure(b);
      if (round > 0) samples.get(b.id)?.push(sample);
      console.log(`${round === 0 ? 'warm-up' : `round ${round}/${reps}`}  ${b.id.padEnd(12)} ${s(sample.wall)}  cpu ${s(sample.cpu)}  ${sample.rssMB.toFixed(0)} MB`);
    }
  }
  load.push(os.loadavg()[0]);
  const results = new Map([...samples].map(([id, xs]) => [id, summarize(xs)]));

  if (quick) {
    console.log(['', ...resultsTable(list, results)].join('\n'));
    return;
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const section = [
    BEGIN,
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${git}: nproc ${os.availableParallelism()}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
      `${reps} repetitions after one warm-up round; 1-minute load average during the run ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}.`,
    '',
    ...resultsTable(list, results),
    '',
    '### Growth: prod with extra web services',
    '',
    ...growthTable(results),
    '',
    '### Targets',
    '',
    ...targetsTable(list, results),
    END,
  ].join('\n');
  const previous = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const [head, rest] = previous.split(BEGIN);
  if (rest === undefined || !rest.includes(END)) throw new Error(`BENCHMARKS.md: markers ${BEGIN} … ${END} not found`);
  writeFileSync(REPORT, `${head}${section}${rest.slice(rest.indexOf(END) + END.length)}`);
  console.log(`\nwrote ${path.relative(process.cwd(), REPORT)}`);
}

main();
