/**
 * npm run review -- <env>: a compact terminal summary of one environment (tiers, replicas,
 * totals, connections, policy) without writing anything. Exits 1 on policy errors.
 */
// @ts-nocheck

import '../runtime/dependency-loading'; // first, as in main.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { environments } from '../config/environments';
import { ConfigError, loadEnvironment } from '../config/load';
import { CustomResourceError } from '../constructs/core/custom-resource';
import { formatBytes, formatCpu } from '../constructs/core/quantity';
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

if (require.main === module) {
  const name = process.argv[2];
  const input = environments.find((e) => e.name === name);
  if (input === undefined) {
    process.stderr.write(`usage: npm run review -- <environment>  (one of ${environments.map((e) => e.name).join(', ')})\n`);
    process.exit(2);
  }
  try {
    const config = loadEnvironment(input);
    // cdktf's App creates its output directory up front; keep that away from cdktf.out.
    const outdir = mkdtempSync(join(tmpdir(), 'web-topology-review-'));
    const review = reviewEnvironment(config, addEnvironment(new App({ outdir }), config));
    rmSync(outdir, { recursive: true, force: true });
    process.stdout.write(`${summary(review)}\n`);
    process.exitCode = review.policy.errors.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof CustomResourceError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
