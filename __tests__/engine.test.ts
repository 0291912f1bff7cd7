import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CDKTN_DIR, CDKTN_VERSION, cdktnPackage, compareSynth, readPackage, type PackageJson } from '../scripts/engine';

const ROOT = join(__dirname, '..');
const project = readPackage(ROOT);
const switched = readPackage(CDKTN_DIR);

interface LockedPackage {
  readonly name?: string;
  readonly version?: string;
  readonly hasInstallScript?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync(join(CDKTN_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };

describe('the CDK Terrain switch (engines/cdktn)', () => {
  // CI's second lane runs these tests in the switched copy, whose package.json is the switch's.
  if (project.dependencies.cdktf === switched.dependencies.cdktf) {
    test('this copy runs on the switch: its package.json is engines/cdktn/package.json', () => {
      expect(project).toEqual(switched);
    });
  } else {
    test('its package.json is the project’s own with CDK Terrain in cdktf’s place (run `npm run engine -- lock` after changing package.json)', () => {
      expect(switched).toEqual(cdktnPackage(project));
    });
  }

  test('its lockfile locks what its package.json asks for', () => {
    const root = lock.packages[''] as LockedPackage;
    expect(root.dependencies).toEqual(switched.dependencies);
    expect(root.devDependencies).toEqual(switched.devDependencies);
  });

  test('cdktf is CDK Terrain under cdktf’s name, and the CLI is CDK Terrain’s', () => {
    expect(lock.packages['node_modules/cdktf']).toMatchObject({ name: 'cdktn', version: CDKTN_VERSION });
    expect(lock.packages['node_modules/cdktn-cli']).toMatchObject({ version: CDKTN_VERSION });
    expect(lock.packages['node_modules/cdktf-cli']).toBeUndefined();
    expect(switched.scripts.synth).toBe('cdktn synth');
  });

  test('the providers, the test runner and the compilers are the versions the project locks', () => {
    const own = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as typeof lock;
    for (const name of ['@cdktf/provider-kubernetes', '@cdktf/provider-helm', 'jest', '@swc/jest', '@swc/core', 'typescript', 'tsx']) {
      const path = `node_modules/${name}`;
      expect([name, lock.packages[path]?.version]).toEqual([name, own.packages[path]?.version]);
    }
  });

  test('one copy of the core and of constructs: nothing nests its own cdktf or constructs', () => {
    const nested = Object.keys(lock.packages).filter((path) => /node_modules\/.+\/node_modules\/(cdktf|constructs)$/.test(path));
    expect(nested).toEqual([]);
  });

  test('no install script runs, so no C++ toolchain is needed: every package that has one is denied', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript === true)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect([name, switched.allowScripts[name]]).toEqual([name, false]);
    expect(Object.values(switched.allowScripts)).not.toContain(true);
  });

  test('it needs the Node CDK Terrain needs (22.19 or later)', () => {
    expect(switched.engines.node).toBe('^22.19.0 || ^24.0.0');
  });

  test('a package.json without cdktf’s CLI is refused with what to update', () => {
    const { 'cdktf-cli': _cli, ...devDependencies } = project.devDependencies;
    const without: PackageJson = { ...project, devDependencies, dependencies: { ...project.dependencies, cdktf: '0.21.0' } };
    expect(() => cdktnPackage(without)).toThrow('engine: package.json no longer has cdktf, cdktf-cli and the terminal module in allowScripts; update scripts/engine.ts');
  });
});

describe('the app loads one copy of the core', () => {
  // Two copies would each have their own token and construct registries: a token made by one
  // resolves to nothing in the other. The test runs in both engines' CI lanes.
  test('synth loads exactly one cdktf (or CDK Terrain) and one constructs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-topology-core-'));
    const script = `process.on('exit', () => process.stdout.write(JSON.stringify(Object.keys(require.cache)))); require('./main.ts');`;
    const app = (JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
    const result = spawnSync(process.execPath, [...app.slice(1, -1), '-e', script], {
      cwd: ROOT,
      env: { ...process.env, CDKTF_OUTDIR: join(dir, 'out') },
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout) as string[];
    const copies = (pattern: RegExp) => loaded.filter((file) => pattern.test(file));
    // The project's own copies, by the path Node loads them from (node_modules may be a link).
    const own = (pkg: string) => [realpathSync(join(ROOT, 'node_modules', pkg, 'lib', 'index.js'))];
    expect(copies(/\/node_modules\/(cdktf|cdktn)\/lib\/index\.js$/)).toEqual(own('cdktf'));
    expect(copies(/\/node_modules\/constructs\/lib\/index\.js$/)).toEqual(own('constructs'));
  });
});

describe('compareSynth: two engines’ outputs are the same stacks', () => {
  const stack = (version: string, replicas: number, emptyOnTwoLines: boolean) =>
    JSON.stringify({ '//': { metadata: { version, stackName: 'dev-app' } }, resource: { d: { replicas, selector: {} } } }, null, 2).replace('{}', emptyOnTwoLines ? '{\n}' : '{}');
  const manifest = (version: string) => JSON.stringify({ version, stacks: { 'dev-app': { workingDirectory: 'stacks/dev-app' } } });

  function output(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'web-topology-synth-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  }
  const cdktf = (replicas = 2, review = '# dev\n') =>
    output({ 'manifest.json': manifest('0.21.0'), 'stacks/dev-app/cdk.tf.json': stack('0.21.0', replicas, true), 'review/dev/topology.md': review });
  const cdktn = output({ 'manifest.json': manifest('0.24.0'), 'stacks/dev-app/cdk.tf.json': stack('0.24.0', 2, false), 'review/dev/topology.md': '# dev\n' });

  test('only the engine’s version stamp and empty-value layout differ: the same stacks', () => {
    expect(compareSynth(cdktf(), cdktn)).toEqual([]);
  });

  test('a different value in a stack is named by file and path', () => {
    expect(compareSynth(cdktf(3), cdktn)).toEqual(['stacks/dev-app/cdk.tf.json: differs at /resource/d/replicas']);
  });

  test('a different review artifact is compared byte for byte', () => {
    expect(compareSynth(cdktf(2, '# dev \n'), cdktn)).toEqual(['review/dev/topology.md: differs']);
  });

  test('a file only one engine wrote is named', () => {
    const extra = cdktf();
    writeFileSync(join(extra, 'extra.json'), '{}');
    expect(compareSynth(extra, cdktn)).toEqual([`extra.json: only in ${extra}`]);
  });

  test('a key only one side has is a difference, even when its value is null', () => {
    const withNull = output({ 'manifest.json': manifest('0.21.0'), 'stacks/dev-app/cdk.tf.json': JSON.stringify({ resource: { d: { replicas: 2, selector: {}, x: null } } }) });
    const without = output({ 'manifest.json': manifest('0.24.0'), 'stacks/dev-app/cdk.tf.json': JSON.stringify({ resource: { d: { replicas: 2, selector: {} } } }) });
    expect(compareSynth(withNull, without)).toEqual(['stacks/dev-app/cdk.tf.json: differs at /resource/d/x']);
  });
});
