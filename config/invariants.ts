/**
 * Cross-tier invariants: rules that span tiers, which separately installed Helm charts
 * cannot check and a single typed topology can.
 */
import { backendConnectionsAtMax, cacheMaxmemoryBytes } from './capacity';
import { formatBytes, parseQuantity } from '../constructs/core/quantity';
import { drainableProblem } from '../constructs/core/validation';
import type { EnvironmentConfig, WebTierConfig } from './schema';

/** One broken rule: where, what it holds, and what the rule says. */
export interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;
  /** The value may be a secret: messages show "(hidden)" instead. */
  readonly secret?: boolean;
}

export function checkInvariants(env: EnvironmentConfig): Problem[] {
  return [
    ...reachableTargets(env),
    ...distinctPorts(env),
    ...connectionBudget(env),
    ...cacheMemory(env),
    ...disruptionBudgets(env),
  ];
}

/** The web tiers (backend, frontend, extra services) with their config paths. */
function webTiers(env: EnvironmentConfig): [string, WebTierConfig][] {
  return [['backend', env.backend], ['frontend', env.frontend], ...Object.entries(env.services).map(([name, t]): [string, WebTierConfig] => [`services.${name}`, t])];
}

/**
 * Utilization targets are % of requests, so above 100 is valid (pods may use more than they
 * request) but only up to what the limits let a pod reach: CPU is throttled at its limit, and a
 * container is killed at its memory limit, so a target beyond that is never reached and the HPA
 * never scales up.
 */
function reachableTargets(env: EnvironmentConfig): Problem[] {
  return webTiers(env).flatMap(([path, t]) => {
    const ceiling = (key: 'cpu' | 'memory') => (100 * parseQuantity(t.resources.limits[key])) / parseQuantity(t.resources.requests[key]);
    const shown = (n: number) => String(Math.floor(n * 100) / 100);
    const cpu = ceiling('cpu');
    const memory = ceiling('memory');
    const problems: Problem[] = [];
    if (t.autoscaling.cpuUtilization > cpu) {
      problems.push({
        path: `${path}.autoscaling.cpuUtilization`,
        value: t.autoscaling.cpuUtilization,
        rule: `must be at most 100 × limits.cpu / requests.cpu = ${shown(cpu)}: pods are throttled at their limit, so a higher average is never reached and the HPA never scales up`,
      });
    }
    if (t.autoscaling.memoryUtilization >= memory) {
      problems.push({
        path: `${path}.autoscaling.memoryUtilization`,
        value: t.autoscaling.memoryUtilization,
        rule: `must be below 100 × limits.memory / requests.memory = ${shown(memory)}: a container is killed at its memory limit, so that average is never reached and the HPA never scales up`,
      });
    }
    return problems;
  });
}

/** A Service lists each port once. */
function distinctPorts(env: EnvironmentConfig): Problem[] {
  return webTiers(env)
    .filter(([, t]) => t.metricsPort === t.port)
    .map(([path, t]) => ({ path: `${path}.metricsPort`, value: t.metricsPort, rule: `must differ from ${path}.port (${t.port}): a Service cannot list one port twice` }));
}

function connectionBudget(env: EnvironmentConfig): Problem[] {
  const problems: Problem[] = [];
  const db = env.database;
  if (db.reservedConnections >= db.maxConnections) {
    problems.push({
      path: 'database.reservedConnections',
      value: db.reservedConnections,
      rule: `must be below database.maxConnections (${db.maxConnections}), or no connection is left for the poolers`,
    });
  }
  const pool = db.clientPool;
  const clients = backendConnectionsAtMax(env);
  if (clients > db.poolers.rw.maxClientConnections) {
    problems.push({
      path: 'database.poolers.rw.maxClientConnections',
      value: db.poolers.rw.maxClientConnections,
      rule:
        `must be ≥ the backend's connections at max scale: backend.replicas.max (${env.backend.replicas.max}) × ` +
        `processesPerPod (${pool.processesPerPod}) × (size ${pool.size} + maxOverflow ${pool.maxOverflow}) = ${clients}`,
    });
  }
  const available = db.maxConnections - db.reservedConnections;
  for (const role of ['rw', 'ro'] as const) {
    const p = db.poolers[role];
    // Each pooler pod keeps up to defaultPoolSize server connections to one instance.
    if (p.defaultPoolSize * p.instances > available) {
      problems.push({
        path: `database.poolers.${role}.defaultPoolSize`,
        value: p.defaultPoolSize,
        rule:
          `× instances (${p.instances}) = ${p.defaultPoolSize * p.instances} must be ≤ database.maxConnections ` +
          `(${db.maxConnections}) − reservedConnections (${db.reservedConnections}) = ${available}`,
      });
    }
  }
  return problems;
}

function cacheMemory(env: EnvironmentConfig): Problem[] {
  const maxmemory = cacheMaxmemoryBytes(env);
  const limit = parseQuantity(env.cache.resources.limits.memory);
  if (maxmemory < limit) return [];
  return [
    {
      path: 'cache.maxmemory',
      value: env.cache.maxmemory,
      rule: `(${formatBytes(maxmemory)}) must be below cache.resources.limits.memory (${env.cache.resources.limits.memory}), or Valkey is killed before it evicts`,
    },
  ];
}

/** Every PodDisruptionBudget leaves a pod to evict at its tier's minimum scale, by the constructs' rule. */
function disruptionBudgets(env: EnvironmentConfig): Problem[] {
  const pooler = (role: 'rw' | 'ro') => ({ path: `database.poolers.${role}`, pdb: env.database.poolers[role].disruptionBudget, min: env.database.poolers[role].instances, minName: `database.poolers.${role}.instances` });
  const tiers = [
    ...webTiers(env).map(([path, t]) => ({ path, pdb: t.disruptionBudget, min: t.replicas.min, minName: `${path}.replicas.min` })),
    { path: 'cache', pdb: env.cache.disruptionBudget, min: env.cache.instances, minName: 'cache.instances' },
    pooler('rw'),
    // Without read replicas there is no ro pooler.
    ...(env.database.readReplicas > 0 ? [pooler('ro')] : []),
  ];
  return tiers.flatMap((t) => {
    const rule = t.pdb && drainableProblem(t.pdb.minAvailable, t.minName, t.min);
    return rule ? [{ path: `${t.path}.disruptionBudget.minAvailable`, value: t.pdb?.minAvailable, rule }] : [];
  });
}
