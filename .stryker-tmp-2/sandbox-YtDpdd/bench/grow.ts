/**
 * Synthesizes prod's two stacks with N extra web services, in main.ts's steps (validate, build
 * and review, synth, write the review), so the bench can time how synth grows with the
 * topology. Run as its own process per measurement:
 *
 *   node --require tsx/cjs bench/grow.ts <services> <outdir>
 */
// @ts-nocheck

import '../runtime/dependency-loading'; // first, as in main.ts
import { App } from 'cdktf';
import { prod } from '../config/environments';
import { loadEnvironment } from '../config/load';
import { formatBytes, formatCpu, parseQuantity } from '../constructs/core/quantity';
import type { EnvironmentInput } from '../config/schema';
import { PolicyError, reviewEnvironment, writeReview } from '../review/review';
import { skipTokenCreationStacks } from '../runtime/creation-stacks';
import { addEnvironment } from '../stacks/environment';
import { seedProviderLocks } from '../stacks/provider-lock';

type ServiceInput = NonNullable<EnvironmentInput['services']>[string];

/** A small internal service in prod's shape: min 2 replicas because it has a PDB. */
const SERVICE = {
  image: 'ghcr.io/example/web-worker:1.0.0',
  replicas: { min: 2, max: 3 },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
  disruptionBudget: { minAvailable: 1 },
} satisfies ServiceInput;

function grown(count: number): EnvironmentInput {
  // Prod's quota with the schema's defaults filled in (pods, claims), before any service is added.
  const quota = loadEnvironment(prod).namespace.quota;
  const atMax = (quantity: string) => count * SERVICE.replicas.max * parseQuantity(quantity);
  // One core / one GiB of headroom, so floating-point sums never land a hair above the quota.
  const cpu = (base: string, extra: string) => formatCpu(parseQuantity(base) + atMax(extra) + 1);
  const memory = (base: string, extra: string) => formatBytes(parseQuantity(base) + atMax(extra) + 2 ** 30);
  const { requests, limits } = SERVICE.resources;
  return {
    ...prod,
    namespace: {
      ...prod.namespace,
      quota: {
        ...quota,
        requestsCpu: cpu(quota.requestsCpu, requests.cpu),
        requestsMemory: memory(quota.requestsMemory, requests.memory),
        limitsCpu: cpu(quota.limitsCpu, limits.cpu),
        limitsMemory: memory(quota.limitsMemory, limits.memory),
        pods: quota.pods + count * SERVICE.replicas.max,
      },
    },
    services: Object.fromEntries(Array.from({ length: count }, (_, i) => [`svc-${i}`, SERVICE])),
  };
}

const [count, outdir] = [Number(process.argv[2]), process.argv[3]];
if (!Number.isInteger(count) || count < 0 || outdir === undefined) {
  throw new Error('usage: grow.ts <extra services, a whole number> <outdir>');
}
skipTokenCreationStacks(); // as main.ts does
const config = loadEnvironment(grown(count));
const app = new App({ outdir });
const review = reviewEnvironment(config, addEnvironment(app, config));
if (review.policy.errors.length > 0) throw new PolicyError([review]);
app.synth();
seedProviderLocks(app.outdir);
writeReview(app.outdir, review);
