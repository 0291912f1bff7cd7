/**
 * npm run review -- <env>: a compact terminal summary of one environment (tiers, replicas,
 * totals, connections, policy) without writing anything. Exits 1 on policy errors.
 */
import '../runtime/dependency-loading'; // first, as in main.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { environments } from '../config/environments';
import { ConfigError, loadEnvironment } from '../config/load';
import type { EnvironmentInput } from '../config/schema';
import { CustomResourceError } from '../constructs/core/custom-resource';
import { formatBytes, formatCpu } from '../constructs/core/quantity';
import { PropError } from '../constructs/core/validation';
import { runAspects } from '../stacks/aspects';
import { addEnvironment } from '../stacks/environment';
import { reviewEnvironment, type EnvironmentReview } from './review';

export function summary(r: EnvironmentReview): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const c = r.capacity;
  const rows = c.workloads.map((w) => {
    const replicas = w.minReplicas === w.maxReplicas ? `${w.minReplicas}` : `${w.minReplicas}-${w.maxReplicas}`;
    return `  ${pad(w.workload, 24)}${pad(replicas, 10)}${pad(`${formatCpu(w.requests.cpu)} / ${formatBytes(w.requests.memory)}`, 20)}${formatCpu(w.limits.cpu)} / ${formatBytes(w.limits.memory)}`;
  });
  const at = (t: typeof c.totals.min) => `${t.pods} pods, ${formatCpu(t.requests.cpu)} CPU, ${formatBytes(t.requests.memory)} requested`;
  const p = r.policy;
  return [
    `${r.environment}`,
    `  ${pad('tier', 24)}${pad('replicas', 10)}${pad('requests/pod', 20)}limits/pod`,
    ...rows,
    `  at min: ${at(c.totals.min)}; at max: ${at(c.totals.max)}; storage ${formatBytes(c.totals.max.storage)}`,
    `  connections: backend ≤ ${c.connections.backendClientsAtMax} → rw pooler ${c.connections.rwPoolerMaxClients}; poolers ${c.connections.serverConnections.rw}+${c.connections.serverConnections.ro} → PostgreSQL ${c.connections.postgresAvailable} available`,
    ...(c.cost ? [`  cost: ${c.cost.monthlyAtMin}–${c.cost.monthlyAtMax} ${c.cost.currency}/month`] : []),
    `  policy: ${p.errors.length === 0 ? 'pass' : 'FAIL'} (${p.checked} checked, ${p.errors.length} errors, ${p.warnings.length} warnings)`,
    ...[...p.errors, ...p.warnings].map((f) => `    ${f.exemption ? 'warning' : 'error'} [${f.path}] ${f.check}: ${f.message}`),
  ].join('\n');
}

/**
 * The command: writes the summary of environment `name` (one of `declared`) to `out`; returns the
 * exit status.
 */
export function review(name: string | undefined, out: (text: string) => void, err: (text: string) => void, declared: readonly EnvironmentInput[] = environments): number {
  const input = declared.find((e) => e.name === name);
  if (input === undefined) {
    err(`usage: npm run review -- <environment>  (one of ${declared.map((e) => e.name).join(', ')})\n`);
    return 2;
  }
  try {
    const config = loadEnvironment(input);
    // cdktf's App creates its output directory up front; keep that away from cdktf.out.
    const outdir = mkdtempSync(join(tmpdir(), 'web-topology-review-'));
    let result: EnvironmentReview;
    try {
      const app = new App({ outdir });
      const stacks = addEnvironment(app, config);
      // As synth does: the constructs' own checks (a clash of object names) before the review.
      runAspects(app);
      result = reviewEnvironment(config, stacks);
    } finally {
      // Also when a custom resource is refused while the stacks are built.
      rmSync(outdir, { recursive: true, force: true });
    }
    out(`${summary(result)}\n`);
    return result.policy.errors.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof CustomResourceError || error instanceof PropError)) throw error;
    err(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = review(
    process.argv[2],
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  );
}
