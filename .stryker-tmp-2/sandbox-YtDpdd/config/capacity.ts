/**
 * Figures the cross-tier invariants need before any construct exists, derived from the config
 * with the same functions the constructs use.
 */
// @ts-nocheck

import { valkeyMaxmemoryBytes } from '../constructs/cache/valkey-cache';
import type { EnvironmentConfig } from './schema';

/** Valkey's maxmemory in bytes, as the cache construct computes it. */
export function cacheMaxmemoryBytes(env: EnvironmentConfig): number {
  const { maxmemory, maxmemoryPercent, resources } = env.cache;
  return valkeyMaxmemoryBytes(resources.limits.memory, maxmemory, maxmemoryPercent);
}

/** Connections the backend can open at its maximum scale. */
export function backendConnectionsAtMax(env: EnvironmentConfig): number {
  const pool = env.database.clientPool;
  return env.backend.replicas.max * pool.processesPerPod * (pool.size + pool.maxOverflow);
}
