/**
 * `npm run plan`: what it runs, in which directory, and the exit status it answers with. The
 * processes are a fake here (the e2e runs the command against OpenTofu and the cluster); synth is
 * the fake writing a manifest, as the app would.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
import { plan, runProcess, startProcess, type Runner, type Starter } from '../scripts/plan';
import { environmentOfStack } from '../stacks/stack-names';

interface Call {
  readonly command: string;
  readonly args: readonly string[];
  readonly options: SpawnSyncOptions | SpawnOptions;
}

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'web-topology-plan-'));
  writeFileSync(join(project, 'cdktf.json'), JSON.stringify({ app: 'node main.js' }));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/**
 * Runs the command with fake processes: synth writes these stacks; each plan exits as `plans` says,
 * printing `<stack> planned`, after `delays[stack]` milliseconds.
 */
async function run(
  argv: readonly string[],
  opts: { stacks?: readonly string[]; synth?: number; init?: number; plans?: Record<string, number>; env?: NodeJS.ProcessEnv; parallel?: number; delays?: Record<string, number> } = {},
) {
  const calls: Call[] = [];
  const errors: string[] = [];
  const printed: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const fake: Runner = (command, args, options) => {
    calls.push({ command, args, options });
    if (command === 'node main.js') {
      const outdir = (options.env as NodeJS.ProcessEnv).CDKTF_OUTDIR as string;
      mkdirSync(outdir, { recursive: true });
      const stacks = Object.fromEntries((opts.stacks ?? ['dev-app', 'prod-app']).map((s) => [s, { workingDirectory: `stacks/${s}` }]));
      writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({ stacks }));
      return { status: opts.synth ?? 0, output: '' };
    }
    return { status: opts.init ?? 0, output: 'init: the backend refused\n' };
  };
  const start: Starter = async (command, args, options) => {
    calls.push({ command, args, options });
    const stack = String(options.cwd).split('/').pop() as string;
    mostAtOnce = Math.max(mostAtOnce, ++running);
    await new Promise((done) => setTimeout(done, opts.delays?.[stack] ?? 0));
    running--;
    return { status: opts.plans?.[stack] ?? 0, output: `${stack} planned\n` };
  };
  const status = await plan(argv, {
    cwd: project,
    env: opts.env ?? { TERRAFORM_BINARY_NAME: '/opt/tofu' },
    run: fake,
    start,
    parallel: opts.parallel ?? 2,
    out: (t) => printed.push(t),
    err: (t) => errors.push(t),
  });
  return { status, calls, stderr: errors.join(''), stdout: printed.join(''), mostAtOnce };
}

describe('npm run plan', () => {
  test('synthesizes with cdktf.json\'s app command into cdktf.out, through a shell, as cdktf does', async () => {
    const { calls } = await run(['prod-app']);
    expect(calls[0]?.command).toBe('node main.js');
    expect(calls[0]?.args).toEqual([]);
    expect(calls[0]?.options.shell).toBe(true);
    expect((calls[0]?.options.env as NodeJS.ProcessEnv).CDKTF_OUTDIR).toBe(join(project, 'cdktf.out'));
  });

  test('--output and cdktf.json\'s output choose the synth directory', async () => {
    expect(((await run(['prod-app', '--output', 'elsewhere'])).calls[0]?.options.env as NodeJS.ProcessEnv).CDKTF_OUTDIR).toBe(join(project, 'elsewhere'));
    const absolute = join(project, 'abs');
    expect(((await run(['prod-app', '--output', absolute])).calls[0]?.options.env as NodeJS.ProcessEnv).CDKTF_OUTDIR).toBe(absolute);
    writeFileSync(join(project, 'cdktf.json'), JSON.stringify({ app: 'node main.js', output: 'out' }));
    expect(((await run(['prod-app'])).calls[0]?.options.env as NodeJS.ProcessEnv).CDKTF_OUTDIR).toBe(join(project, 'out'));
  });

  test('inits and plans each named stack in its directory with TERRAFORM_BINARY_NAME, asking plan for a detailed exit code', async () => {
    const { calls } = await run(['dev-app', 'prod-app']);
    expect(calls.slice(1).map((c) => [c.command, c.args.join(' '), c.options.cwd])).toEqual([
      ['/opt/tofu', 'init -input=false', join(project, 'cdktf.out', 'stacks', 'dev-app')],
      ['/opt/tofu', 'init -input=false', join(project, 'cdktf.out', 'stacks', 'prod-app')],
      ['/opt/tofu', 'plan -input=false -detailed-exitcode', join(project, 'cdktf.out', 'stacks', 'dev-app')],
      ['/opt/tofu', 'plan -input=false -detailed-exitcode', join(project, 'cdktf.out', 'stacks', 'prod-app')],
    ]);
  });

  describe('several stacks planned at once', () => {
    const three = { stacks: ['dev-app', 'staging-app', 'prod-app'] };

    test('as many at a time as it is given cores, never more', async () => {
      expect((await run(['dev-app', 'staging-app', 'prod-app'], { ...three, parallel: 2, delays: { 'dev-app': 20, 'staging-app': 20 } })).mostAtOnce).toBe(2);
      expect((await run(['dev-app', 'staging-app', 'prod-app'], { ...three, parallel: 1 })).mostAtOnce).toBe(1);
      expect((await run(['dev-app', 'staging-app', 'prod-app'], { ...three, parallel: 8 })).mostAtOnce).toBe(3);
    });

    test('each plan\'s output is printed whole, in the order the stacks were named, whichever ends first', async () => {
      const r = await run(['dev-app', 'prod-app'], { delays: { 'dev-app': 30 } });
      expect(r.stdout).toBe('\n── plan of dev-app ──\ndev-app planned\n\n── plan of prod-app ──\nprod-app planned\n');
      expect(r.calls.filter((c) => c.args[0] === 'plan').map((c) => c.options.stdio)).toEqual([
        ['ignore', 'pipe', 'pipe'],
        ['ignore', 'pipe', 'pipe'],
      ]);
    });

    test('one stack\'s plan prints as it goes, to the terminal', async () => {
      const r = await run(['prod-app']);
      expect(r.calls.find((c) => c.args[0] === 'plan')?.options.stdio).toBe('inherit');
      expect(r.stdout).toBe('');
    });

    test('a stack whose init failed is not planned; the others are', async () => {
      const r = await run(['dev-app', 'prod-app'], { init: 1 });
      expect(r.calls.filter((c) => c.args[0] === 'plan')).toHaveLength(0);
      expect(r.stderr).toContain('plan: dev-app: failed (exit 1)\nplan: prod-app: failed (exit 1)\n');
    });
  });

  describe('synth of only the named stacks\' environments', () => {
    const synthEnv = (r: Awaited<ReturnType<typeof run>>) => r.calls[0]?.options.env as NodeJS.ProcessEnv;

    test('the environments of the named stacks, each once, become TOPOLOGY_ENVIRONMENTS for synth', async () => {
      const r = await run(['dev-app', 'prod-app', 'prod-platform'], { stacks: ['dev-app', 'prod-app', 'prod-platform'] });
      expect(synthEnv(r).TOPOLOGY_ENVIRONMENTS).toBe('dev,prod');
      expect(r.stderr).toContain("plan: synthesizing dev,prod only (TOPOLOGY_ENVIRONMENTS, from the stacks' names)\n");
    });

    test('the caller\'s TOPOLOGY_ENVIRONMENTS is kept, even a blank one (every environment)', async () => {
      expect(synthEnv(await run(['prod-app'], { env: { TOPOLOGY_ENVIRONMENTS: 'dev,prod' } })).TOPOLOGY_ENVIRONMENTS).toBe('dev,prod');
      expect(synthEnv(await run(['prod-app'], { env: { TOPOLOGY_ENVIRONMENTS: '' } })).TOPOLOGY_ENVIRONMENTS).toBe('');
    });

    test('a name that is no environment\'s stack synthesizes every environment, so the unknown stack is named', async () => {
      const r = await run(['prod-app', 'prod-ap']);
      expect(synthEnv(r).TOPOLOGY_ENVIRONMENTS).toBeUndefined();
      expect(r.stderr).toContain('no stack "prod-ap"');
      expect(synthEnv(await run(['app'])).TOPOLOGY_ENVIRONMENTS).toBeUndefined();
    });
  });

  test("a stack's environment is its name before the last -platform or -app, and no name without one", () => {
    expect(['dev-app', 'eu-prod-platform', 'app-app'].map(environmentOfStack)).toEqual(['dev', 'eu-prod', 'app']);
    expect(['-app', 'app', 'dev-ap', 'dev-app-x', ''].map(environmentOfStack)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  describe('init runs only when what it depends on changed', () => {
    const stackDir = () => join(project, 'cdktf.out', 'stacks', 'prod-app');
    const synthesized = (providers: Record<string, unknown>, lock: string) => {
      mkdirSync(stackDir(), { recursive: true });
      writeFileSync(join(stackDir(), 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: providers, backend: { local: {} } }, resource: {} }));
      writeFileSync(join(stackDir(), '.terraform.lock.hcl'), lock);
    };
    const inits = (r: Awaited<ReturnType<typeof run>>) => r.calls.filter((c) => c.args[0] === 'init').length;
    const kubernetes = { kubernetes: { source: 'hashicorp/kubernetes', version: '3.2.1' } };

    test('a second plan of an unchanged stack skips init; plan still runs', async () => {
      synthesized(kubernetes, 'provider "k" {}\n');
      expect(inits(await run(['prod-app']))).toBe(1);
      const second = await run(['prod-app']);
      expect(inits(second)).toBe(0);
      expect(second.calls.map((c) => c.args[0])).toContain('plan');
    });

    test('another provider version, another backend or another lock file inits again', async () => {
      synthesized(kubernetes, 'provider "k" {}\n');
      await run(['prod-app']);
      synthesized({ kubernetes: { source: 'hashicorp/kubernetes', version: '3.2.2' } }, 'provider "k" {}\n');
      expect(inits(await run(['prod-app']))).toBe(1);
      synthesized({ kubernetes: { source: 'hashicorp/kubernetes', version: '3.2.2' } }, 'provider "k" { version = "3.2.2" }\n');
      expect(inits(await run(['prod-app']))).toBe(1);
      expect(inits(await run(['prod-app']))).toBe(0);
    });

    test('a failed init is tried again on the next plan', async () => {
      synthesized(kubernetes, 'provider "k" {}\n');
      expect((await run(['prod-app'], { init: 1 })).status).toBe(1);
      expect(inits(await run(['prod-app']))).toBe(1);
    });

    test('removing .terraform (init\'s own directory) inits again', async () => {
      synthesized(kubernetes, 'provider "k" {}\n');
      await run(['prod-app']);
      rmSync(join(stackDir(), '.terraform'), { recursive: true });
      expect(inits(await run(['prod-app']))).toBe(1);
    });
  });

  test('without TERRAFORM_BINARY_NAME it runs terraform, as cdktf does', async () => {
    expect((await run(['prod-app'], { env: {} })).calls[1]?.command).toBe('terraform');
  });

  test('exits 0 when no stack would change, 2 when one would, and says which', async () => {
    expect((await run(['dev-app', 'prod-app'])).status).toBe(0);
    const changed = await run(['dev-app', 'prod-app'], { plans: { 'prod-app': 2 } });
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain('plan: dev-app: no changes\nplan: prod-app: changes\n');
  });

  test('a failed plan exits 1, even when another stack would change', async () => {
    const r = await run(['dev-app', 'prod-app'], { plans: { 'dev-app': 2, 'prod-app': 1 } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('plan: prod-app: failed (exit 1)');
  });

  test('a failed init exits 1 with init\'s output, and that stack is not planned', async () => {
    const r = await run(['prod-app'], { init: 1 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('init: the backend refused');
    expect(r.calls.map((c) => c.args[0])).not.toContain('plan');
  });

  test('a failed synth exits 1, whatever its own status, and runs nothing else', async () => {
    const r = await run(['prod-app'], { synth: 2 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('plan: synthesizing prod only (TOPOLOGY_ENVIRONMENTS, from the stacks\' names)\nplan: synth failed (exit 2); nothing planned\n');
    expect(r.calls).toHaveLength(1);
  });

  test('an unknown stack is refused by name, with the stacks synth wrote, before any plan', async () => {
    const r = await run(['prod-app', 'prod-ap', 'dev']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plan: no stack "prod-ap", "dev" in ${join(project, 'cdktf.out', 'manifest.json')}; synth wrote dev-app, prod-app\n`);
    expect(r.calls).toHaveLength(1);
    expect((await run(['prod-app'], { stacks: [] })).stderr).toContain('; synth wrote none\n');
  });

  test('a cdktf.json without an app command is refused', async () => {
    writeFileSync(join(project, 'cdktf.json'), JSON.stringify({ language: 'typescript' }));
    const r = await run(['prod-app']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plan: ${join(project, 'cdktf.json')} has no "app" command\n`);
    expect(r.calls).toHaveLength(0);
  });

  test('a directory without a readable cdktf.json is refused with the reason', async () => {
    rmSync(join(project, 'cdktf.json'));
    const missing = await run(['prod-app']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`plan: cannot read ${join(project, 'cdktf.json')}: ENOENT`);
    writeFileSync(join(project, 'cdktf.json'), '{"app": ');
    expect((await run(['prod-app'])).stderr).toContain(`plan: cannot read ${join(project, 'cdktf.json')}: `);
    expect((await run(['prod-app'])).calls).toHaveLength(0);
  });

  test('the real runner answers a process\'s exit status, and 1 with the reason for one that cannot start', async () => {
    expect(runProcess(process.execPath, ['-e', 'process.exit(3)'], {}).status).toBe(3);
    const missing = runProcess('/nonexistent/tofu', ['plan'], {});
    expect(missing).toEqual({ status: 1, output: expect.stringContaining('/nonexistent/tofu: spawnSync /nonexistent/tofu ENOENT') });
  });

  test('the real starter answers a process\'s exit status with what it printed, and 1 with the reason for one that cannot start', async () => {
    const r = await startProcess(process.execPath, ['-e', "process.stdout.write('planned'); process.exit(2)"], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r).toEqual({ status: 2, output: 'planned' });
    const missing = await startProcess('/nonexistent/tofu', ['plan'], {});
    expect(missing).toEqual({ status: 1, output: expect.stringContaining('/nonexistent/tofu: spawn /nonexistent/tofu ENOENT') });
  });

  test('the real runner keeps what a process printed, stdout then stderr, a long init log included', async () => {
    const r = runProcess(process.execPath, ['-e', "process.stdout.write('x'.repeat(2 ** 20)); process.stderr.write('refused')"], {});
    expect(r.status).toBe(0);
    expect(r.output).toHaveLength(2 ** 20 + 'refused'.length);
    expect(r.output.endsWith('xrefused')).toBe(true);
  });

  test('run as a script, it takes its arguments after the script name and prints to stderr', async () => {
    const script = join(__dirname, '..', 'scripts', 'plan.ts');
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), script], { cwd: project, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('plan: name at least one stack\nusage: npm run plan -- <stack> [<stack> ...] [--output <dir>]\n');
  });

  test.each([
    [[], 'name at least one stack'],
    [['prod-app', '--refresh=false'], 'unknown option --refresh=false'],
    [['prod-app', '--output'], '--output needs a directory'],
    [['prod-app', '--output', '-x'], '--output needs a directory'],
  ])('%j is refused with the usage and runs nothing', async (argv, why) => {
    const r = await run(argv);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`plan: ${why}\nusage: npm run plan -- <stack> [<stack> ...] [--output <dir>]\n`);
    expect(r.calls).toHaveLength(0);
  });
});
