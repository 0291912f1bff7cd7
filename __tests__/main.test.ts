import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
/** cdktf.json's app command, `node <runner flags> main.ts`: the flags that load our TypeScript. */
const app = (JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
const runner = app.slice(1, -1);

/**
 * Runs the synth app as `cdktf synth` does, into a fresh output directory or into the one `prepare`
 * makes, from the project or from another copy of it.
 */
function runApp(vars: Record<string, string>, prepare?: (outdir: string) => void, root = ROOT) {
  const dir = mkdtempSync(join(tmpdir(), 'web-topology-'));
  const outdir = join(dir, 'out');
  prepare?.(outdir);
  const result = spawnSync(process.execPath, [...runner, app[app.length - 1]], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...vars },
    encoding: 'utf8',
  });
  const list = (sub: string) => (existsSync(join(outdir, sub)) ? readdirSync(join(outdir, sub)).sort() : []);
  const stacks = list('stacks');
  const review = list('review/dev');
  const wroteOutput = existsSync(outdir);
  const files = wroteOutput ? readdirSync(outdir, { recursive: true }).map(String).sort() : [];
  const platform = join(outdir, 'stacks', 'dev-platform', 'cdk.tf.json');
  const platformStack = existsSync(platform) ? readFileSync(platform, 'utf8') : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, wroteOutput, stacks, review, files, platformStack };
}

describe('the synth app', () => {
  it('writes the platform and app stacks of the selected environment', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'dev' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stacks).toEqual(['dev-app', 'dev-platform']);
    expect(run.review).toEqual(['capacity.json', 'capacity.md', 'policy.md', 'topology.md']);
  });

  it('exits non-zero with the reason and writes nothing on a bad value', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'dev,prod', BACKEND_IMAGE_TAG: 'latest' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid configuration for environment "prod"');
    expect(run.stderr).toContain(
      'backend.image (from BACKEND_IMAGE_TAG) = "ghcr.io/example/web-backend:latest": must not use the ":latest" tag in prod',
    );
    expect(run.wroteOutput).toBe(false);
  });

  it('exits non-zero on a policy violation and leaves no output directory behind', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'dev', BACKEND_IMAGE_TAG: 'latest' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Policy violations in environment "dev"');
    expect(run.stderr).toContain('image-tag: container "backend" runs "ghcr.io/example/web-backend:latest", which is not pinned');
    expect(run.wroteOutput).toBe(false);
  });

  it('leaves an existing output directory as it was on a policy violation', () => {
    const previous = (outdir: string) => {
      mkdirSync(join(outdir, 'stacks', 'dev-app'), { recursive: true });
      writeFileSync(join(outdir, 'stacks', 'dev-app', 'cdk.tf.json'), '{}');
    };
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'dev', BACKEND_IMAGE_TAG: 'latest' }, previous);
    expect(run.status).toBe(1);
    expect(run.files).toEqual(['stacks', join('stacks', 'dev-app'), join('stacks', 'dev-app', 'cdk.tf.json')]);
  });

  it('rejects an unknown environment name', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'qa' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('TOPOLOGY_ENVIRONMENTS = "qa": must name known environments (dev, staging, prod), not "qa"');
    expect(run.wroteOutput).toBe(false);
  });

  it('rejects an environment named twice with the rule, not a stack trace', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'prod,prod' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'Invalid configuration for TOPOLOGY_ENVIRONMENTS:\n  - TOPOLOGY_ENVIRONMENTS = "prod,prod": must name each environment once, not "prod" twice\n',
    );
    expect(run.wroteOutput).toBe(false);
  });

  /** Synth of dev from a copy of the project (dependencies linked) whose environments file's lines `edit` changed. */
  function withEnvironmentsEdited(edit: (lines: string[]) => void, prepare?: (outdir: string) => void) {
    const copy = mkdtempSync(join(tmpdir(), 'web-topology-copy-'));
    cpSync(ROOT, copy, { recursive: true, filter: (src) => !['node_modules', '.git', 'cdktf.out'].includes(relative(ROOT, src)) });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const file = join(copy, 'config', 'environments.ts');
    const lines = readFileSync(file, 'utf8').split('\n');
    edit(lines);
    writeFileSync(file, lines.join('\n'));
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'dev' }, prepare, copy);
    rmSync(copy, { recursive: true, force: true });
    return run;
  }

  /** withEnvironmentsEdited, with `readReplicas: 1,` replaced. */
  function withReplicasWritten(text: string) {
    let broken = -1;
    let written = '';
    const run = withEnvironmentsEdited((lines) => {
      broken = lines.findIndex((line) => line.includes('readReplicas: 1,'));
      lines[broken] = written = lines[broken].replace('readReplicas: 1,', `readReplicas: ${text},`);
    });
    return { run, line: broken + 1, text: written };
  }

  /** A service named like the cache: its pods' labels are the cache's, a clash found only at synth. */
  const serviceNamedCache = (lines: string[]) => lines.push('Object.assign(dev, { services: { cache: dev.backend } });');
  const clash = /^dev-app\/service-cache\/deployment: 'spec.selector' \(".*"\) must select only its own pods: dev-app\/cache\/statefulset selects the same labels in namespace 'web-dev'\n$/;

  it('stops on a clash the constructs check at synth (two workloads of one name) with the rule only, and no output directory', () => {
    const run = withEnvironmentsEdited(serviceNamedCache);
    expect(run.stderr).toMatch(clash);
    expect(run.status).toBe(1);
    expect(run.wroteOutput).toBe(false);
  });

  it('leaves an existing output directory as it was on a clash found at synth', () => {
    const previous = (outdir: string) => {
      mkdirSync(join(outdir, 'stacks', 'dev-platform'), { recursive: true });
      writeFileSync(join(outdir, 'stacks', 'dev-platform', 'cdk.tf.json'), '{}');
    };
    const run = withEnvironmentsEdited(serviceNamedCache, previous);
    expect(run.stderr).toMatch(clash);
    expect(run.status).toBe(1);
    // dev-platform is synthesized before dev-app, where the clash is: it is not written either.
    expect(run.files).toEqual(['stacks', join('stacks', 'dev-platform'), join('stacks', 'dev-platform', 'cdk.tf.json')]);
    expect(run.platformStack).toBe('{}');
  });

  it('reports a syntax error in config/environments.ts as its location and message only', () => {
    const { run, line, text } = withReplicasWritten('');
    expect(run.stderr).toBe(`${join('config', 'environments.ts')}:${line}:${text.indexOf(',') + 1}: Unexpected ","\n`);
    expect(run.status).toBe(1);
    expect(run.wroteOutput).toBe(false);
  });

  it('reports a misspelt identifier in config/environments.ts as its location and message only, not a stack trace', () => {
    const { run, line, text } = withReplicasWritten('ONE');
    expect(run.stderr).toBe(`${join('config', 'environments.ts')}:${line}:${text.indexOf('ONE') + 1}: ReferenceError: ONE is not defined\n`);
    expect(run.status).toBe(1);
    expect(run.wroteOutput).toBe(false);
  });
});

describe('dependency loading under the app command', () => {
  // Node keeps a parsed map for each file it compiled with source maps on; findSourceMap reads that cache.
  const script = `
    require(${JSON.stringify(join(ROOT, 'runtime/dependency-loading.ts'))});
    const { findSourceMap } = require('node:module');
    const mapped = (file) => findSourceMap(require.resolve(file)) !== undefined;
    // Node's require of an ES module returns its namespace object; tsx's transform returns plain exports.
    const load = (name) => { const m = require(name); return [m.answer, Object.prototype.toString.call(m)]; };
    require('cdktf');
    require(${JSON.stringify(join(ROOT, 'constructs/core/quantity.ts'))});
    console.log(JSON.stringify({
      enabled: process.sourceMapsEnabled,
      cdktfMapped: mapped('cdktf'),
      oursMapped: mapped(${JSON.stringify(join(ROOT, 'constructs/core/quantity.ts'))}),
      commonjs: load('cjs-dep'),
      esModule: load('esm-dep'),
      esSyntaxInCommonjsPackage: load('mislabeled-dep'),
    }));`;

  it('keeps source maps for our files only and loads dependencies as Node does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-topology-deps-'));
    const dependency = (name: string, pkg: object, code: string) => {
      mkdirSync(join(dir, 'node_modules', name, 'lib'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, main: 'lib/index.js', ...pkg }));
      writeFileSync(join(dir, 'node_modules', name, 'lib', 'index.js'), code);
    };
    dependency('cjs-dep', {}, 'module.exports = { answer: 1 };');
    dependency('esm-dep', { type: 'module' }, 'export const answer = 2;');
    dependency('mislabeled-dep', {}, 'export const answer = 3;');
    // cdktf from the project, through NODE_PATH: the fixture's node_modules holds only the three above.
    const result = spawnSync(process.execPath, [...runner, '-e', script], {
      cwd: dir,
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      enabled: true,
      cdktfMapped: false,
      oursMapped: true,
      commonjs: [1, '[object Object]'],
      esModule: [2, '[object Object]'],
      // Node itself loaded it (tsx never saw it): it found ES module syntax and loaded it as one.
      esSyntaxInCommonjsPackage: [3, '[object Module]'],
    });
  });
});
