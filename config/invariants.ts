/**
 * Cross-tier invariants: rules that span tiers, which separately installed Helm charts
 * cannot check and a single typed topology can.
 */
import { backendConnectionsAtMax, cacheMaxmemoryBytes } from './capacity';
import { formatBytes, parseQuantity } from '../constructs/core/quantity';
import type { EnvironmentConfig } from './schema';

/** One broken rule: where, what it holds, and what the rule says. */
export interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;
}

export function checkInvariants(env: EnvironmentConfig): Problem[] {
  return [
    ...connectionBudget(env),
    ...cacheMemory(env),
    ...disruptionBudgets(env),
  ];
}

function connectionBudget(env: EnvironmentConfig): Problem[] {
  const problems: Problem[] = [];
  const db = env.database;
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

function disruptionBudgets(env: EnvironmentConfig): Problem[] {
  const web = (path: string, t: EnvironmentConfig['backend']) => ({
    path,
    pdb: t.disruptionBudget,
    min: t.replicas.min,
    minName: `${path}.replicas.min`,
  });
  const tiers = [
    web('backend', env.backend),
    web('frontend', env.frontend),
    ...Object.entries(env.services).map(([name, t]) => web(`services.${name}`, t)),
    { path: 'cache', pdb: env.cache.disruptionBudget, min: env.cache.instances, minName: 'cache.instances' },
  ];
  return tiers
    .filter((t) => t.pdb !== undefined && t.pdb.minAvailable >= t.min)
    .map((t) => ({
      path: `${t.path}.disruptionBudget.minAvailable`,
      value: t.pdb?.minAvailable,
      rule: `must be below ${t.minName} (${t.min}) so that a node can still be drained at the minimum scale`,
    }));
}
