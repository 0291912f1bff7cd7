import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the synth app as `cdktf synth` does, into a fresh output directory. */
function runApp(vars: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'web-topology-'));
  const outdir = join(dir, 'out');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...vars },
    encoding: 'utf8',
  });
  const list = (sub: string) => (existsSync(join(outdir, sub)) ? readdirSync(join(outdir, sub)).sort() : []);
  const stacks = list('stacks');
  const review = list('review/dev');
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, wroteOutput: existsSync(outdir), stacks, review };
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
    expect(run.stderr).toContain('backend.image = "ghcr.io/example/web-backend:latest": must not use the ":latest" tag in prod');
    expect(run.wroteOutput).toBe(false);
  });

  it('rejects an unknown environment name', () => {
    const run = runApp({ TOPOLOGY_ENVIRONMENTS: 'qa' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('TOPOLOGY_ENVIRONMENTS = "qa": must name known environments (dev, staging, prod)');
    expect(run.wroteOutput).toBe(false);
  });
});
