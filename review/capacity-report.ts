/**
 * What one environment asks of the cluster: per workload and in total, at the minimum and the
 * maximum replica counts, the PostgreSQL connection budget, the caches' memory, and a cost
 * estimate when unit prices are configured. The workloads are read from the construct trees of
 * both stacks (the app's tiers, the platform's rate limit store), the caches from the app stack's;
 * Prometheus (a chart of the platform stack) and the backend's client pools from the config.
 */
import { backendConnectionsAtMax } from '../config/capacity';
import type { EnvironmentConfig } from '../config/schema';
import { ValkeyCache } from '../constructs/cache/valkey-cache';
import { formatBytes, formatCpu } from '../constructs/core/quantity';
import type { EnvironmentStacks } from '../stacks/environment';
import { capacityOf, totals, workloadsOf, type Totals, type WorkloadCapacity } from './workloads';

const GIB = 2 ** 30;
const HOURS_PER_MONTH = 730;

export interface Cost {
  readonly currency: string;
  /** Per month, requests priced at the unit prices, storage included. */
  readonly monthlyAtMin: number;
  readonly monthlyAtMax: number;
}

export interface CapacityReport {
  readonly environment: string;
  readonly workloads: readonly WorkloadCapacity[];
  readonly totals: { readonly min: Totals; readonly max: Totals };
  readonly connections: {
    readonly backendClientsAtMax: number;
    readonly rwPoolerMaxClients: number;
    readonly serverConnections: { readonly rw: number; readonly ro: number };
    readonly postgresAvailable: number;
    readonly postgresMaxConnections: number;
  };
  readonly caches: readonly { readonly name: string; readonly maxmemoryBytes: number; readonly memoryLimitBytes: number; readonly instances: number }[];
  readonly cost?: Cost;
}

export function capacityReport(env: EnvironmentConfig, stacks: EnvironmentStacks): CapacityReport {
  const m = env.monitoring;
  const prometheus = capacityOf({
    name: 'prometheus',
    namespace: m.namespace,
    minReplicas: 1,
    maxReplicas: 1,
    containers: [m.resources],
    volumeClaims: [m.storage.size],
  });
  const workloads = [...workloadsOf(stacks.app), ...workloadsOf(stacks.platform), prometheus];
  const db = env.database;
  const report: CapacityReport = {
    environment: env.name,
    workloads,
    totals: { min: totals(workloads, 'min'), max: totals(workloads, 'max') },
    connections: {
      backendClientsAtMax: backendConnectionsAtMax(env),
      rwPoolerMaxClients: db.poolers.rw.maxClientConnections,
      serverConnections: {
        rw: db.poolers.rw.defaultPoolSize * db.poolers.rw.instances,
        ro: db.poolers.ro.defaultPoolSize * db.poolers.ro.instances,
      },
      postgresAvailable: db.maxConnections - db.reservedConnections,
      postgresMaxConnections: db.maxConnections,
    },
    caches: stacks.app.node
      .findAll()
      .filter((c): c is ValkeyCache => c instanceof ValkeyCache)
      .map((c) => ({ name: c.cacheName, maxmemoryBytes: c.maxmemoryBytes, memoryLimitBytes: c.memoryLimitBytes, instances: c.instances })),
  };
  if (!env.prices) return report;
  const p = env.prices;
  const monthly = (t: Totals) =>
    round2((t.requests.cpu * p.vcpuHour + (t.requests.memory / GIB) * p.memoryGibHour) * HOURS_PER_MONTH + (t.storage / GIB) * p.storageGibMonth);
  return { ...report, cost: { currency: p.currency, monthlyAtMin: monthly(report.totals.min), monthlyAtMax: monthly(report.totals.max) } };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

const cpuMem = (c: { cpu: number; memory: number }) => `${formatCpu(c.cpu)} / ${formatBytes(c.memory)}`;
const storage = (bytes: number) => (bytes === 0 ? '—' : formatBytes(bytes));

export function capacityMarkdown(r: CapacityReport): string {
  const rows = r.workloads.map((w) => {
    const replicas = w.minReplicas === w.maxReplicas ? `${w.minReplicas}` : `${w.minReplicas}–${w.maxReplicas}`;
    const atMin = { cpu: w.requests.cpu * w.minReplicas, memory: w.requests.memory * w.minReplicas };
    const atMax = { cpu: w.requests.cpu * w.maxReplicas, memory: w.requests.memory * w.maxReplicas };
    return `| ${w.workload} | ${replicas} | ${cpuMem(w.requests)} | ${cpuMem(w.limits)} | ${cpuMem(atMin)} | ${cpuMem(atMax)} | ${storage(w.storage)} |`;
  });
  const c = r.connections;
  const lines = [
    `# Capacity: ${r.environment}`,
    '',
    '| workload | replicas | requests per pod (CPU / memory) | limits per pod | requests at min | requests at max | storage per pod |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    `| **total** | ${r.totals.min.pods}–${r.totals.max.pods} pods | | limits at max: ${cpuMem(r.totals.max.limits)} | ${cpuMem(r.totals.min.requests)} | ${cpuMem(r.totals.max.requests)} | ${storage(r.totals.max.storage)} |`,
    '',
    '## PostgreSQL connections',
    '',
    `- backend at max scale opens up to **${c.backendClientsAtMax}** client connections; the rw pooler accepts ${c.rwPoolerMaxClients}`,
    `- poolers hold ${c.serverConnections.rw} (rw) and ${c.serverConnections.ro} (ro) server connections; PostgreSQL allows ${c.postgresAvailable} of max_connections ${c.postgresMaxConnections} to them`,
    '',
    '## Cache',
    '',
    ...r.caches.map((c) => `- ${c.name}: ${c.instances} Valkey instance(s), maxmemory ${formatBytes(c.maxmemoryBytes)} of a ${formatBytes(c.memoryLimitBytes)} memory limit`),
  ];
  if (r.cost) {
    lines.push('', '## Cost estimate', '', `- ${r.cost.monthlyAtMin} ${r.cost.currency}/month at minimum replicas, ${r.cost.monthlyAtMax} ${r.cost.currency}/month at maximum (requests and storage at the configured unit prices)`);
  }
  return `${lines.join('\n')}\n`;
}
