/**
 * Turns an environment's raw config into the typed config the stacks use, or a ConfigError
 * that names the environment, each field, its value and the rule it breaks.
 */
import { z } from 'zod';
import { withTag } from '../constructs/core/image';
import { valueAt } from '../constructs/core/object-path';
import { platformReleases } from '../stacks/platform-stack';
import { checkInvariants, type Problem } from './invariants';
import { EnvironmentSchema, secretBearing, type EnvironmentConfig, type EnvironmentInput } from './schema';

export class ConfigError extends Error {
  /** @param subject what is invalid: `environment "prod"`, `TOPOLOGY_ENVIRONMENTS`, … */
  constructor(
    readonly subject: string,
    readonly problems: readonly Problem[],
  ) {
    super(`Invalid configuration for ${subject}:\n` + problems.map((p) => `  - ${p.path} = ${show(p)}: ${p.rule}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Environment variables that override image tags, so CI can deploy the build it just made. */
const IMAGE_TAG_VARIABLES = { backend: 'BACKEND_IMAGE_TAG', frontend: 'FRONTEND_IMAGE_TAG' } as const;
/** Environment variables that point the providers at another cluster (a CI or test cluster). */
const CLUSTER_VARIABLES = { kubeconfigPath: 'TOPOLOGY_KUBECONFIG', context: 'TOPOLOGY_KUBE_CONTEXT' } as const;
/**
 * Set to 1 when the environments of a run pointed at one cluster context share one platform,
 * installed once (by one of their platform stacks, or otherwise, as the e2e's kwok cluster does).
 */
const SHARED_PLATFORM_VARIABLE = 'TOPOLOGY_SHARED_PLATFORM';
/** An image tag as registries accept it. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The environments a run synthesizes: those named in `selection` (TOPOLOGY_ENVIRONMENTS,
 * comma-separated), or all of them when it is unset or blank; each loaded with the overrides in
 * `vars`, no two deploying to one namespace of one cluster, and no two installing one platform
 * release into one cluster unless TOPOLOGY_SHARED_PLATFORM says they share it.
 */
export function loadEnvironments(
  declared: readonly EnvironmentInput[],
  vars: NodeJS.ProcessEnv = process.env,
): EnvironmentConfig[] {
  const sharedPlatform = sharesPlatform(vars[SHARED_PLATFORM_VARIABLE]);
  const configs = selectEnvironments(declared, vars.TOPOLOGY_ENVIRONMENTS).map((env) => loadEnvironment(env, vars));
  const problems = [...sharedNamespaces(configs), ...(sharedPlatform ? [] : sharedReleases(configs))];
  if (problems.length > 0) throw new ConfigError(`environments ${configs.map((c) => `"${c.name}"`).join(', ')}`, problems);
  return configs;
}

function sharesPlatform(value: string | undefined): boolean {
  if (value === undefined || value === '0' || value === '1') return value === '1';
  const rule = 'must be 1 (the environments on one cluster context share one platform, installed once) or 0, or be unset';
  throw new ConfigError(SHARED_PLATFORM_VARIABLE, [{ path: SHARED_PLATFORM_VARIABLE, value, rule }]);
}

function selectEnvironments(declared: readonly EnvironmentInput[], selection: string | undefined): readonly EnvironmentInput[] {
  if (selection === undefined || selection.trim() === '') return declared;
  const known = declared.map((e) => e.name);
  const names = selection.split(',').map((name) => name.trim());
  const rule = (text: string): Problem[] => [{ path: 'TOPOLOGY_ENVIRONMENTS', value: selection, rule: text }];
  const problems = [
    ...(names.includes('') ? rule('must be a comma-separated list of environment names, without empty entries') : []),
    ...names
      .filter((name) => name !== '' && !known.includes(name))
      .flatMap((name) => rule(`must name known environments (${known.join(', ')}), not "${name}"`)),
    ...[...new Set(names.filter((name, i) => name !== '' && names.indexOf(name) !== i))].flatMap((name) =>
      rule(`must name each environment once, not "${name}" twice`),
    ),
  ];
  if (problems.length > 0) throw new ConfigError('TOPOLOGY_ENVIRONMENTS', problems);
  return names.map((name) => declared[known.indexOf(name)]);
}

/** The cluster an environment deploys to, as a key: its kubeconfig and context. */
const clusterKey = (env: EnvironmentConfig): string => JSON.stringify([env.cluster.kubeconfigPath, env.cluster.context ?? null]);

function clusterName(env: EnvironmentConfig): string {
  const { kubeconfigPath, context } = env.cluster;
  return context === undefined ? `the current context of ${kubeconfigPath}` : `context "${context}" of ${kubeconfigPath}`;
}

/** Two environments in one namespace of one cluster would overwrite each other's objects. */
function sharedNamespaces(configs: readonly EnvironmentConfig[]): Problem[] {
  const first = new Map<string, EnvironmentConfig>();
  const problems: Problem[] = [];
  for (const env of configs) {
    const target = JSON.stringify([clusterKey(env), env.namespace.name]);
    const other = first.get(target);
    if (other === undefined) {
      first.set(target, env);
      continue;
    }
    problems.push({
      path: `${env.name}.namespace.name`,
      value: env.namespace.name,
      rule: `must differ from environment "${other.name}"'s namespace: both deploy to ${clusterName(env)}, where each would overwrite the other's objects`,
    });
  }
  return problems;
}

/**
 * Two environments pointed at one cluster whose platform stacks install a Helm release of the
 * same namespace and name: one deploy would take over the other's operators. Reported once per
 * environment, against the first one it shares releases with.
 */
function sharedReleases(configs: readonly EnvironmentConfig[]): Problem[] {
  const releasesOf = (env: EnvironmentConfig) => Object.values(platformReleases(env)).map((r) => `${r.namespace}/${r.name}`);
  const problems: Problem[] = [];
  configs.forEach((env, i) => {
    const other = configs.slice(0, i).find((o) => clusterKey(o) === clusterKey(env) && releasesOf(o).some((r) => releasesOf(env).includes(r)));
    if (other === undefined) return;
    const both = releasesOf(env).filter((r) => releasesOf(other).includes(r));
    problems.push({
      path: `${env.name}.cluster`,
      value: env.cluster,
      rule:
        `must differ from environment "${other.name}"'s: both install the platform's Helm releases ${both.join(', ')} into ${clusterName(env)}, ` +
        `where one deploy would overwrite the other's operators (two environments share a cluster context only if their platform releases differ, ` +
        `or with ${SHARED_PLATFORM_VARIABLE}=1 when they share one platform, installed once)`,
    });
  });
  return problems;
}

export function loadEnvironment(input: EnvironmentInput, vars: NodeJS.ProcessEnv = process.env): EnvironmentConfig {
  const name = typeof input.name === 'string' ? input.name : '(unnamed)';
  const { raw, sources, problems } = withOverrides(input, vars);
  if (problems.length > 0) throw new ConfigError(`environment "${name}"`, problems);
  const parsed = EnvironmentSchema.safeParse(raw, { error: inWords });
  if (!parsed.success) {
    const found = parsed.error.issues.flatMap((issue) => toProblems(issue, raw));
    throw new ConfigError(
      `environment "${name}"`,
      found.map((p) => (sources.has(p.path) ? { ...p, path: `${p.path} (from ${sources.get(p.path)})` } : p)),
    );
  }
  const invalid = checkInvariants(parsed.data);
  if (invalid.length > 0) throw new ConfigError(`environment "${name}"`, invalid);
  return parsed.data;
}

interface Overridden {
  readonly raw: EnvironmentInput;
  /** Which variable set the image at a path. */
  readonly sources: ReadonlyMap<string, string>;
  readonly problems: readonly Problem[];
}

/** The input with the tag and cluster variables applied; a variable that is set must hold a usable value. */
function withOverrides(input: EnvironmentInput, vars: NodeJS.ProcessEnv): Overridden {
  let raw = input;
  const sources = new Map<string, string>();
  const problems: Problem[] = [];
  const given = (variable: string, format?: { readonly test: (value: string) => boolean; readonly rule: string }): string | undefined => {
    const value = vars[variable];
    if (value === undefined) return undefined;
    if (value === '') problems.push({ path: variable, value, rule: 'must not be empty when set (unset it to use the value in config/environments.ts)' });
    else if (format !== undefined && !format.test(value)) problems.push({ path: variable, value, rule: format.rule });
    else return value;
    return undefined;
  };
  for (const tier of ['backend', 'frontend'] as const) {
    const variable = IMAGE_TAG_VARIABLES[tier];
    const tag = given(variable, { test: (t) => IMAGE_TAG.test(t), rule: 'must be an image tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"' });
    const image = input[tier]?.image;
    if (tag === undefined || typeof image !== 'string') continue;
    raw = { ...raw, [tier]: { ...input[tier], image: withTag(image, tag) } };
    sources.set(`${tier}.image`, variable);
  }
  const cluster = { ...input.cluster };
  for (const [key, variable] of Object.entries(CLUSTER_VARIABLES)) {
    // Any text but an empty one names a kubeconfig or a context, and only that is checked, here.
    const value = given(variable);
    if (value !== undefined) cluster[key as keyof typeof CLUSTER_VARIABLES] = value;
  }
  return { raw: { ...raw, cluster }, sources, problems };
}

/** What each JSON type is called in a rule. */
const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object of settings',
  array: 'a list',
  record: 'an object of named entries',
};

/**
 * zod's messages in the words of a rule, for the checks the schema does not word itself (types
 * and choices: every bound in it words its own rule, with its unit); a missing value is
 * "required" (reworded in toProblems, as a schema's own message comes first).
 */
const inWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
};

function toProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const path = issue.path.map(String);
  const at = (keys: readonly string[], value: unknown, rule: string): Problem => ({
    path: keys.join('.'),
    value,
    rule,
    ...(holdsSecret(EnvironmentSchema, keys) ? { secret: true } : {}),
  });
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) =>
        at([...path, key], valueAt(raw, ...path, key), 'is not a known setting (check the spelling against the configuration reference)'),
      );
    case 'invalid_key':
      // The key is a name, not a value that may be secret; the issue's own message says only "Invalid key".
      return [{ path: path.join('.'), value: path[path.length - 1], rule: `the key ${issue.issues.map((i) => i.message).join('; ')}` }];
    default: {
      const value = valueAt(raw, ...path);
      return [at(path, value, issue.code === 'invalid_type' && value === undefined ? 'is required' : issue.message)];
    }
  }
}

/** Whether the field at `path`, or one around it, is marked as possibly holding a secret. */
function holdsSecret(schema: z.core.$ZodType, path: readonly string[]): boolean {
  if (secretBearing.has(schema)) return true;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    return holdsSecret(schema.unwrap(), path);
  }
  if (path.length === 0) return false;
  const [key, ...rest] = path;
  if (schema instanceof z.ZodObject) {
    const field = (schema.shape as Record<string, z.core.$ZodType | undefined>)[key];
    return field !== undefined && holdsSecret(field, rest);
  }
  if (schema instanceof z.ZodRecord) return holdsSecret(schema.valueType, rest);
  if (schema instanceof z.ZodArray) return holdsSecret(schema.element, rest);
  if (schema instanceof z.ZodDiscriminatedUnion) return schema.options.some((option) => holdsSecret(option, path));
  return false;
}

/** A value as written in a config file (NaN and Infinity too, which JSON turns into null), or "(hidden)". */
function show(problem: Problem): string {
  const value = problem.value;
  if (value === undefined) return '(missing)';
  if (problem.secret) return '(hidden)';
  // Marked while stringified, then unquoted: {"cpu":NaN}, not {"cpu":null} or {"cpu":"NaN"}.
  const text = JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}` : v)).replace(
    /"\\u0000(NaN|-?Infinity)"/g,
    '$1',
  );
  // The user:password part of a URL is a credential: never print it. It ends at the last "@", since
  // an unencoded "@", "/" or ":" may be part of the password.
  const shown = text.replace(/(\/\/)[^\s"]*@/g, '$1***@');
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
