import type { AlertRule } from '../monitoring/alert-rules';

/** Thresholds of a cache's alerts. */
export interface ValkeyAlertThresholds {
  /** Inform when the cache uses more than this share of maxmemory (0–1). */
  readonly memoryRatio: number;
}

/**
 * The series redis_exporter (namespace `redis`, exporter/exporter.go's metric maps) exports for
 * the cache, as the alert rules and the dashboard query them, and the alerts that belong to them:
 * one place, so a rule and the panel that shows it cannot drift apart.
 */
export class ValkeyMetrics {
  /** PromQL matchers that select the exporter's series: those of the cache's own pods, not another Valkey's in its namespace. */
  readonly matchers: string;
  /** Share of maxmemory each instance uses; no series where maxmemory is 0 (unlimited). */
  readonly memoryRatio: string;

  /** @param instancePods regular expression of the cache's pod names */
  constructor(namespace: string, instancePods: string) {
    this.matchers = `namespace="${namespace}", pod=~"${instancePods}"`;
    this.memoryRatio = `redis_memory_used_bytes{${this.matchers}} / (redis_memory_max_bytes{${this.matchers}} > 0)`;
  }

  /** Keys evicted per second over `window`, by instance. */
  evictionRate(window: string): string {
    return `rate(redis_evicted_keys_total{${this.matchers}}[${window}])`;
  }

  /** Share of key lookups that found their key over `window`, over every instance. */
  hitRatio(window: string): string {
    const hits = `sum(rate(redis_keyspace_hits_total{${this.matchers}}[${window}]))`;
    return `${hits} / (${hits} + sum(rate(redis_keyspace_misses_total{${this.matchers}}[${window}])))`;
  }

  /** A cache near its maxmemory, and one that evicts. */
  alerts(t: ValkeyAlertThresholds): AlertRule[] {
    return [
      {
        alert: 'CacheNearMaxmemory',
        expr: `${this.memoryRatio} > ${t.memoryRatio}`,
        for: '10m',
        severity: 'info',
        summary: `The cache uses more than ${t.memoryRatio * 100}% of maxmemory.`,
      },
      {
        alert: 'CacheEvicting',
        expr: `${this.evictionRate('5m')} > 0`,
        for: '15m',
        severity: 'warning',
        summary: 'The cache has been evicting keys for 15 minutes: it is too small for the working set.',
      },
    ];
  }
}
