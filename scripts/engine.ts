/**
 * The second engine (README "Running on CDK Terrain"). The project installs cdktf 0.21.0 by
 * default; CDK Terrain (`cdktn`, its maintained continuation) runs the same code when its package
 * is installed under cdktf's name, so every source file keeps importing `cdktf`. The switch is
 * engines/cdktn/package.json and package-lock.json in place of the project's, then `npm ci`.
 *
 *   npm run engine -- lock        # derive engines/cdktn/package.json again and re-resolve its lockfile
 *   npm run engine -- tree DIR    # a copy of the project's files, switched, in DIR (CI's second lane)
 *   npm run engine -- compare A B # two synth outputs are the same stacks (exit 1 naming each difference)
 *
 * engines/cdktn/package.json is derived from the project's own here (a test holds them to it),
 * so the two cannot drift.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

export interface PackageJson {
  readonly engines: { readonly node: string };
  readonly scripts: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly allowScripts: Readonly<Record<string, boolean>>;
  readonly [field: string]: unknown;
}

export const CDKTN_VERSION = '0.24.0';
/** cdktn 0.24.0's peer range for constructs is >=10.6.0 <10.8.0. */
const CONSTRUCTS_FOR_CDKTN = '10.6.0';
/** cdktn-cli 0.24.0 requires Node >= 22.19. */
const NODE_FOR_CDKTN = '^22.19.0 || ^24.0.0';
/** The packages whose peer dependency on `cdktf` the alias satisfies (their range says ^0.21). */
const PREBUILT_PROVIDERS = ['@cdktf/provider-kubernetes', '@cdktf/provider-helm'];
/** The cdktf CLI's terminal module: CDK Terrain's CLI has none, so nothing is compiled at install. */
const CDKTF_TERMINAL_MODULE = '@cdktf/node-pty-prebuilt-multiarch';

const PROJECT_ROOT = resolve(__dirname, '..');
/** The switch's two files. */
export const CDKTN_DIR = join(PROJECT_ROOT, 'engines', 'cdktn');
const SWITCHED = ['package.json', 'package-lock.json'];

/** The project's package.json with CDK Terrain in cdktf's place. */
export function cdktnPackage(project: PackageJson): PackageJson {
  const { 'cdktf-cli': cdktfCli, ...devDependencies } = project.devDependencies;
  const { [CDKTF_TERMINAL_MODULE]: terminal, ...allowScripts } = project.allowScripts;
  if (cdktfCli === undefined || terminal === undefined || project.dependencies.cdktf === undefined) {
    throw new Error('engine: package.json no longer has cdktf, cdktf-cli and the terminal module in allowScripts; update scripts/engine.ts');
  }
  const peers = { cdktf: '$cdktf', constructs: '$constructs' };
  return {
    ...project,
    engines: { ...project.engines, node: NODE_FOR_CDKTN },
    scripts: { ...project.scripts, synth: 'cdktn synth' },
    dependencies: { ...project.dependencies, cdktf: `npm:cdktn@${CDKTN_VERSION}`, constructs: CONSTRUCTS_FOR_CDKTN },
    devDependencies: sorted({ ...devDependencies, 'cdktn-cli': CDKTN_VERSION }),
    overrides: { ...project.overrides, ...Object.fromEntries(PREBUILT_PROVIDERS.map((p) => [p, peers])) },
    allowScripts,
  };
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

export function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

const packageText = (): string => `${JSON.stringify(cdktnPackage(readPackage(PROJECT_ROOT)), null, 2)}\n`;

/** The project's files (tracked and new, not ignored ones) copied to `dir`, on CDK Terrain. */
export function writeCdktnTree(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '');
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    // A file deleted but not yet committed is still listed; it is not part of the tree.
    try {
      copyFileSync(join(PROJECT_ROOT, file), join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const file of SWITCHED) copyFileSync(join(CDKTN_DIR, file), join(dir, file));
}

/**
 * Resolves the derived package.json again, as npm would, and keeps the lockfile it writes. npm
 * starts from the project's own lockfile, so every package both engines use stays at the version
 * and place the project locks (one jest, one TypeScript, one layout).
 */
function relock(): void {
  const dir = mkdtempSync(join(tmpdir(), 'cdktn-lock-'));
  try {
    writeFileSync(join(dir, 'package.json'), packageText());
    copyFileSync(join(PROJECT_ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
    mkdirSync(CDKTN_DIR, { recursive: true });
    for (const file of SWITCHED) copyFileSync(join(dir, file), join(CDKTN_DIR, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where two synth outputs differ, as `<file>: <what>`. Each engine stamps its own version (the
 * manifest's `version`, each stack's `//.metadata.version`) and writes an empty object or array
 * on one line or two, so JSON files are compared as values without those stamps; every other
 * file byte for byte.
 */
export function compareSynth(a: string, b: string): string[] {
  const files = (dir: string) => new Set(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))));
  const [left, right] = [files(a), files(b)];
  const differences = [...left].filter((f) => !right.has(f)).map((f) => `${f}: only in ${a}`);
  differences.push(...[...right].filter((f) => !left.has(f)).map((f) => `${f}: only in ${b}`));
  for (const file of [...left].filter((f) => right.has(f)).sort()) {
    const [x, y] = [readFileSync(join(a, file)), readFileSync(join(b, file))];
    if (!file.endsWith('.json')) {
      if (!x.equals(y)) differences.push(`${file}: differs`);
      continue;
    }
    const at = firstDifference(withoutEngineStamp(JSON.parse(x.toString('utf8'))), withoutEngineStamp(JSON.parse(y.toString('utf8'))), '');
    if (at !== undefined) differences.push(`${file}: differs at ${at || '(root)'}`);
  }
  return differences;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function withoutEngineStamp(value: Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const { version: _manifestVersion, ...rest } = value;
  const top = 'stacks' in rest ? rest : value;
  const meta = top['//'];
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return top;
  const metadata = meta.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return top;
  const { version: _stackVersion, ...unstamped } = metadata;
  return { ...top, '//': { ...meta, metadata: unstamped } };
}

function firstDifference(x: Json, y: Json, path: string): string | undefined {
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object' || Array.isArray(x) !== Array.isArray(y)) {
    return x === y ? undefined : path;
  }
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    const at = firstDifference((x as Record<string, Json>)[key] ?? null, (y as Record<string, Json>)[key] ?? null, `${path}/${key}`);
    if (at !== undefined || !(key in x) || !(key in y)) return at ?? `${path}/${key}`;
  }
  return undefined;
}

const USAGE = 'usage: npm run engine -- lock | tree DIR | compare A B';

function main(argv: readonly string[]): number {
  const [command, dir, ...rest] = argv;
  if (command === 'lock' && dir === undefined) relock();
  else if (command === 'tree' && dir !== undefined && rest.length === 0) writeCdktnTree(resolve(dir));
  else if (command === 'compare' && dir !== undefined && rest.length === 1) {
    const differences = compareSynth(dir, rest[0] as string);
    for (const d of differences) process.stderr.write(`engine compare: ${d}\n`);
    if (differences.length > 0) return 1;
    process.stderr.write(`engine compare: ${dir} and ${rest[0]} hold the same stacks\n`);
  } else {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
