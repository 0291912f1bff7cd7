/**
 * The three review artifacts of one environment, computed before synth and written next to
 * the stacks after it: cdktf.out/review/<env>/{topology.md, capacity.md, capacity.json, policy.md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../config/schema';
import type { EnvironmentStacks } from '../stacks/environment';
import { capacityMarkdown, capacityReport, type CapacityReport } from './capacity-report';
import { topologyDiagram } from './topology-diagram';
import { checkPolicy, policyMarkdown, type PolicyResult } from './workload-policy';

export interface EnvironmentReview {
  readonly environment: string;
  /** Mermaid source. */
  readonly diagram: string;
  readonly capacity: CapacityReport;
  readonly policy: PolicyResult;
}

export function reviewEnvironment(env: EnvironmentConfig, stacks: EnvironmentStacks): EnvironmentReview {
  return {
    environment: env.name,
    diagram: topologyDiagram(stacks.app),
    capacity: capacityReport(env, stacks),
    policy: checkPolicy(stacks.app),
  };
}

/** Policy violations in our own constructs: synth stops before writing anything. */
export class PolicyError extends Error {
  constructor(reviews: readonly EnvironmentReview[]) {
    super(
      reviews
        .filter((r) => r.policy.errors.length > 0)
        .map((r) => `Policy violations in environment "${r.environment}":\n${r.policy.errors.map((f) => `  - [${f.path}] ${f.check}: ${f.message}`).join('\n')}`)
        .join('\n'),
    );
    this.name = 'PolicyError';
  }
}

export function writeReview(outdir: string, review: EnvironmentReview): string {
  const dir = join(outdir, 'review', review.environment);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'topology.md'), `# Topology: ${review.environment}\n\n\`\`\`mermaid\n${review.diagram}\n\`\`\`\n`);
  writeFileSync(join(dir, 'capacity.md'), capacityMarkdown(review.capacity));
  writeFileSync(join(dir, 'capacity.json'), `${JSON.stringify(review.capacity, null, 2)}\n`);
  writeFileSync(join(dir, 'policy.md'), policyMarkdown(review.environment, review.policy));
  return dir;
}
