/**
 * npm run validate: every synthesized stack against the real provider schemas, offline (snapshots
 * only prove that the output did not change, not that the providers accept it).
 *
 *   npm run validate              synthesize the app and examples/, then validate every stack
 *   npm run validate -- OUTDIR    validate OUTDIR/stacks/* as they are (no synth)
 *
 * Canaries first, so that the check is known to be able to fail: the committed broken stack must
 * be rejected by the provider schema, and a tampered copy of constructs/core/crds must be reported.
 * OpenTofu and the providers come from tools/build.sh (group `validate`), installed only from its
 * mirror; TERRAFORM_BINARY_NAME=terraform (or a path) uses that binary instead.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { buildTools } from './toolchain';

const ROOT = join(__dirname, '..');

interface Run {
  readonly ok: boolean;
  readonly output: string;
}

function run(command: string, args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new Error(`validate: cannot run ${command}: ${r.error.message}`);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const seconds = (since: number) => `${Math.round((Date.now() - since) / 1000)}s`;

/** A stack's outcome: the step that failed, or `validate` when both passed. */
type Verdict = { readonly step: 'init' | 'validate'; readonly ok: boolean; readonly output: string };

/** `init` and `validate` of stack directories with one OpenTofu or Terraform binary. */
class Validator {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly tf: string,
    cliConfig: string | undefined,
  ) {
    // Offline and unattended: no version checks against the network, no prompts. Each stack keeps
    // its own .terraform, so stacks cannot leak providers into each other.
    this.env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_DATA_DIR: '.terraform' };
    if (cliConfig !== undefined) this.env.TF_CLI_CONFIG_FILE = cliConfig;
  }

  version(): string {
    return run(this.tf, ['version'], ROOT, this.env).output.split('\n')[0];
  }

  /** `init -backend=false` (no cluster, no backend) from the mirror, then `validate`. */
  check(dir: string): Verdict {
    // The lock file is made anew from the mirror every run: the providers are built here, so their
    // hashes depend on the build (and tofu and terraform record different registry hosts).
    rmSync(join(dir, '.terraform.lock.hcl'), { force: true });
    const init = run(this.tf, ['init', '-backend=false', '-input=false', '-no-color'], dir, this.env);
    if (!init.ok) return { step: 'init', ...init };
    return { step: 'validate', ...run(this.tf, ['validate', '-no-color'], dir, this.env) };
  }
}

const indent = (text: string) => text.trim().replace(/^/gm, '    ');

function main(tmp: string): boolean {
  const started = Date.now();
  const tools = buildTools('validate');
  const tf = process.env.TERRAFORM_BINARY_NAME || join(tools.bin, 'tofu');
  const validator = new Validator(tf, tools.cliConfig);
  console.log(`validate: using ${validator.version()}`);
  const mirror = tools.cliConfig === undefined ? undefined : join(dirname(tools.cliConfig), 'mirror');

  // Canary 1: the provider schema must reject the broken stack, and for the schema's reason.
  cpSync(join(ROOT, 'scripts', 'fixtures', 'broken-stack'), join(tmp, 'broken-stack'), { recursive: true });
  const broken = validator.check(join(tmp, 'broken-stack'));
  if (broken.ok || broken.step !== 'validate' || !broken.output.includes('no_such_argument')) {
    console.error(indent(broken.output));
    console.error(`validate: the known-broken fixture was not rejected by the provider schema (${broken.step} ${broken.ok ? 'passed' : 'failed'}): the check cannot be trusted`);
    return false;
  }
  console.log(`validate: ok   broken-stack is rejected, as it must be (${/^Error:.*$/m.exec(broken.output)?.[0]})`);

  // Canary 2: the custom resources' types and schemas (constructs/core/crds) must be what the
  // pinned CRDs give (npm test cannot tell: it runs without Go), and a tampered copy must be caught.
  cpSync(join(ROOT, 'constructs', 'core', 'crds'), join(tmp, 'crds'), { recursive: true });
  appendFileSync(join(tmp, 'crds', 'index.ts'), '// tampered\n');
  const tampered = run('npm', ['run', '--silent', 'crds', '--', '--check', join(tmp, 'crds')]);
  if (tampered.ok || !tampered.output.includes('index.ts')) {
    console.error(indent(tampered.output));
    console.error('validate: a tampered copy of constructs/core/crds was not reported: the check cannot be trusted');
    return false;
  }
  const crds = run('npm', ['run', '--silent', 'crds', '--', '--check']);
  if (!crds.ok) {
    console.error(indent(crds.output));
    console.error('validate: constructs/core/crds is stale: run npm run crds');
    return false;
  }
  console.log('validate: ok   constructs/core/crds is what the pinned CRDs give (a tampered copy is reported)');

  const stacks: string[] = [];
  const given = process.argv[2];
  const stacksOf = (outdir: string) =>
    existsSync(join(outdir, 'stacks')) ? readdirSync(join(outdir, 'stacks'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(outdir, 'stacks', e.name)) : [];
  if (given !== undefined) {
    stacks.push(...stacksOf(given));
  } else {
    const synthStarted = Date.now();
    // package.json's synth: the engine's own CLI (cdktf, or cdktn on CDK Terrain).
    const synth = run('npm', ['run', '--silent', 'synth']);
    if (!synth.ok) {
      console.error(indent(synth.output));
      console.error('validate: synth failed');
      return false;
    }
    console.log(`validate: synth took ${seconds(synthStarted)}`);
    // The second app built from the constructs (examples/), into the same layout.
    const examples = join(tmp, 'examples');
    const example = run('node', ['--require', 'tsx/cjs', 'examples/queue-worker/main.ts'], ROOT, { ...process.env, CDKTF_OUTDIR: examples });
    if (!example.ok) {
      console.error(indent(example.output));
      console.error('validate: synth of examples/queue-worker failed');
      return false;
    }
    stacks.push(...stacksOf(join(ROOT, 'cdktf.out')), ...stacksOf(examples));
  }
  if (stacks.length === 0) {
    console.error(`validate: no stacks in ${given ?? 'cdktf.out'}/stacks`);
    return false;
  }

  const failed: string[] = [];
  for (const dir of stacks) {
    const name = basename(dir);
    const stackStarted = Date.now();
    const verdict = validator.check(dir);
    if (!verdict.ok) {
      failed.push(name);
      console.error(`validate: FAIL ${name} (${verdict.step})\n${indent(verdict.output)}`);
      // Most likely a required_providers version that the mirror does not have: say what it has.
      if (verdict.step === 'init' && mirror !== undefined) console.error(`validate: the mirror (${mirror}) has: ${mirrored(mirror).join(' ')}`);
      continue;
    }
    // Warnings (deprecations, say) do not fail the check, but should be seen.
    if (/^Warning:/m.test(verdict.output)) console.log(indent(verdict.output));
    console.log(`validate: ok   ${name} (${seconds(stackStarted)})`);
  }
  console.log(`validate: took ${seconds(started)}`);
  console.log(`validate: ${stacks.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) console.error(`validate: failed stacks: ${failed.join(' ')}`);
  return failed.length === 0;
}

/** HOST/NAMESPACE/TYPE/VERSION of every provider in the mirror. */
function mirrored(mirror: string): string[] {
  const children = (path: string) => readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  return children(mirror).flatMap((host) =>
    children(join(mirror, host)).flatMap((ns) => children(join(mirror, host, ns)).flatMap((type) => children(join(mirror, host, ns, type)).map((v) => `${host}/${ns}/${type}/${v}`))),
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'validate-'));
try {
  process.exitCode = main(tmp) ? 0 : 1;
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
