/**
 * Cross-tier invariants: rules that span tiers, which separately installed Helm charts
 * cannot check and a single typed topology can.
 */
import { appWorkloads, backendConnectionsAtMax, cacheMaxmemoryBytes, totals } from './capacity';
import { exceedsQuantity, formatBytes, formatCpu, parseQuantity } from './quantity';
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
    ...quota(env),
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

function quota(env: EnvironmentConfig): Problem[] {
  const q = env.namespace.quota;
  const workloads = appWorkloads(env);
  const atMax = totals(workloads, 'max');
  const checks = [
    { field: 'requestsCpu', need: atMax.requests.cpu, fmt: formatCpu },
    { field: 'requestsMemory', need: atMax.requests.memory, fmt: formatBytes },
    { field: 'limitsCpu', need: atMax.limits.cpu, fmt: formatCpu },
    { field: 'limitsMemory', need: atMax.limits.memory, fmt: formatBytes },
    { field: 'requestsStorage', need: atMax.storage, fmt: formatBytes },
  ] as const;
  const problems: Problem[] = checks
    .filter((c) => exceedsQuantity(c.need, parseQuantity(q[c.field])))
    .map((c) => ({
      path: `namespace.quota.${c.field}`,
      value: q[c.field],
      rule: `must fit every workload at its maximum replicas, which needs ${c.fmt(c.need)}`,
    }));
  if (atMax.pods > q.pods) {
    problems.push({
      path: 'namespace.quota.pods',
      value: q.pods,
      rule: `must fit every workload at its maximum replicas, which needs ${atMax.pods} pods`,
    });
  }
  // One claim per replica of every workload with storage (each PostgreSQL instance).
  const claims = workloads.filter((w) => w.storage > 0).reduce((n, w) => n + w.maxReplicas, 0);
  if (claims > q.persistentVolumeClaims) {
    problems.push({
      path: 'namespace.quota.persistentVolumeClaims',
      value: q.persistentVolumeClaims,
      rule: `must fit the volume claims of every workload at its maximum replicas, which needs ${claims}`,
    });
  }
  return problems;
}
