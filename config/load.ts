/**
 * Turns an environment's raw config into the typed config the stacks use, or a ConfigError
 * that names the environment, each field, its value and the rule it breaks.
 */
import type { z } from 'zod';
import { checkInvariants, type Problem } from './invariants';
import { EnvironmentSchema, type EnvironmentConfig, type EnvironmentInput } from './schema';

export class ConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      `Invalid configuration for environment "${environment}":\n` +
        problems.map((p) => `  - ${p.path} = ${show(p.value)}: ${p.rule}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Environment variables that override image tags, so CI can deploy the build it just made. */
const IMAGE_TAG_VARIABLES = { backend: 'BACKEND_IMAGE_TAG', frontend: 'FRONTEND_IMAGE_TAG' } as const;
/** Environment variables that point the providers at another cluster (a CI or test cluster). */
const CLUSTER_VARIABLES = { kubeconfigPath: 'TOPOLOGY_KUBECONFIG', context: 'TOPOLOGY_KUBE_CONTEXT' } as const;

export function loadEnvironment(input: EnvironmentInput, vars: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const raw = withCluster(withImageTags(input, vars), vars);
  const parsed = EnvironmentSchema.safeParse(raw);
  const name = typeof input.name === 'string' ? input.name : '(unnamed)';
  if (!parsed.success) {
    throw new ConfigError(name, parsed.error.issues.flatMap((issue) => toProblems(issue, raw)));
  }
  const problems = checkInvariants(parsed.data);
  if (problems.length > 0) throw new ConfigError(name, problems);
  return parsed.data;
}

function withImageTags(input: EnvironmentInput, vars: NodeJS.ProcessEnv): EnvironmentInput {
  let result = input;
  for (const tier of ['backend', 'frontend'] as const) {
    const tag = vars[IMAGE_TAG_VARIABLES[tier]];
    const image = input[tier]?.image;
    if (tag === undefined || tag === '' || typeof image !== 'string') continue;
    const name = image.split('@')[0];
    const repository = name.slice(name.lastIndexOf('/') + 1).includes(':') ? name.slice(0, name.lastIndexOf(':')) : name;
    result = { ...result, [tier]: { ...input[tier], image: `${repository}:${tag}` } };
  }
  return result;
}

function withCluster(input: EnvironmentInput, vars: NodeJS.ProcessEnv): EnvironmentInput {
  const cluster = { ...input.cluster };
  for (const [key, variable] of Object.entries(CLUSTER_VARIABLES)) {
    const value = vars[variable];
    if (value !== undefined && value !== '') cluster[key as keyof typeof CLUSTER_VARIABLES] = value;
  }
  return { ...input, cluster };
}

function toProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...path, key].join('.'),
      value: valueAt(raw, [...path, key]),
      rule: 'is not a known setting (check the spelling against the configuration reference)',
    }));
  }
  return [{ path: path.join('.') || '(root)', value: valueAt(raw, path), rule: issue.message }];
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  // The user:password part of a URL is a credential: never print it.
  const text = JSON.stringify(value).replace(/(\/\/)[^/@\s"]*@/g, '$1***@');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
