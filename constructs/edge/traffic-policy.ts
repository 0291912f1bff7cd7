import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { Labels } from '../core/labels';
import { DURATION_SECONDS_MAX, INT32_MAX, UINT32_MAX, checkInteger, checkRule, invalidProp, requireProp } from '../core/validation';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One rate-limited endpoint: each client address gets `requestsPerMinute` on it. */
export interface RateLimit {
  /** Request path, matched exactly; a query string does not escape the limit. */
  readonly path: string;
  /** @default "POST" */
  readonly method?: HttpMethod;
  readonly requestsPerMinute: number;
}

/**
 * Where the rate limit counters live. `local`: in each Envoy replica, so N proxies allow up to
 * N× the limit per client. `global`: in Envoy Gateway's rate limit service (its Redis-protocol
 * backend must be configured), exact across replicas.
 */
export type RateLimitScope = 'local' | 'global';

/** Envoy's ceilings on what it sends to one backend (Envoy calls these circuit breakers). */
export interface ConnectionLimits {
  /** @default 1024 */
  readonly maxConnections?: number;
  /** @default 1024 */
  readonly maxPendingRequests?: number;
  /** @default 1024 */
  readonly maxParallelRequests?: number;
}

/** Passive health checking: a backend pod that keeps failing is taken out of balancing for a while. */
export interface OutlierDetection {
  /** Consecutive 5xx responses (or connection failures) that eject a pod. @default 5 */
  readonly consecutiveServerErrors?: number;
  /** How long the first ejection lasts; Envoy multiplies it for repeated ejections. @default 60 */
  readonly ejectionSeconds?: number;
  /**
   * Share of the backend's pods that may be ejected at once. Envoy's own default (10 %)
   * ejects nothing below 10 pods; above 50 % Envoy balances over every pod anyway (panic mode).
   * @default 50
   */
  readonly maxEjectionPercent?: number;
}

/** How Envoy treats the traffic to a route's backends. */
export interface TrafficSettings {
  /** Upstream request timeout. @default 30 */
  readonly requestTimeoutSeconds?: number;
  /** Upstream connect timeout. @default 30 (the scaling guide's proxy_connect_timeout) */
  readonly connectTimeoutSeconds?: number;
  /** @default 1024 each */
  readonly connectionLimits?: ConnectionLimits;
  /** @default 5 consecutive 5xx eject a pod for 60 s, at most half of the pods at once */
  readonly outlierDetection?: OutlierDetection;
  /**
   * Retries of a request that never reached the backend (connection failure, refused stream),
   * so that no request, a POST included, is processed twice; 0 turns retries off.
   * @default 2
   */
  readonly connectRetries?: number;
  /** Per-client limits on single endpoints. @default none */
  readonly rateLimits?: readonly RateLimit[];
  /** @default "local" */
  readonly rateLimitScope?: RateLimitScope;
}

export interface TrafficPolicyProps extends TrafficSettings {
  readonly namespace: string;
  /** The HTTPRoute the policy attaches to. */
  readonly routeName: string;
  /** @default {} */
  readonly labels?: Labels;
}

/** The defaults of {@link TrafficSettings} and {@link RateLimit}. */
export const TRAFFIC_DEFAULTS = {
  requestTimeoutSeconds: 30,
  connectTimeoutSeconds: 30,
  connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxParallelRequests: 1024 },
  outlierDetection: { consecutiveServerErrors: 5, ejectionSeconds: 60, maxEjectionPercent: 50 },
  connectRetries: 2,
  rateLimitScope: 'local',
  method: 'POST',
} as const;
/** Bounds of the traffic settings, with their units: Envoy Gateway's uint32 and duration fields. */
export const TRAFFIC_BOUNDS = {
  timeoutSeconds: { min: 1, max: DURATION_SECONDS_MAX, unit: 'seconds' },
  maxConnections: { min: 1, max: UINT32_MAX, unit: 'connections' },
  /** Of maxPendingRequests and maxParallelRequests. */
  requests: { min: 1, max: UINT32_MAX, unit: 'requests' },
  consecutiveServerErrors: { min: 1, max: UINT32_MAX, unit: 'responses' },
  maxEjectionPercent: { min: 1, max: 100, unit: 'percent' },
  connectRetries: { min: 0, max: INT32_MAX, unit: 'retries' },
  requestsPerMinute: { min: 1, max: UINT32_MAX, unit: 'requests per minute' },
} as const;

/** Envoy Gateway's cap on rules per policy (local 16, global 256); each limit takes two (IPv4 and IPv6). */
const MAX_RULES: Record<RateLimitScope, number> = { local: 16, global: 256 };
/** Envoy Gateway's cap on a path match value. */
const MAX_PATH_MATCH_LENGTH = 1024;
/** Every client address counts on its own: one rule per address family (one sourceCIDR per rule). */
const EVERY_CLIENT = ['0.0.0.0/0', '::/0'] as const;
/** An absolute URL path: RFC 3986 path characters, no query or fragment. */
const URL_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/** Rate limits a policy holds with `scope`: Envoy Gateway's rules, two per limit. */
export function maxRateLimits(scope: RateLimitScope): number {
  return MAX_RULES[scope] / EVERY_CLIENT.length;
}

/** The rule of too many rate limits for `scope`. */
export function rateLimitCountRule(scope: RateLimitScope): string {
  return `must hold at most ${maxRateLimits(scope)} limits with rateLimitScope "${scope}" (Envoy Gateway allows ${MAX_RULES[scope]} rules, two per limit)`;
}

/** Each limit that repeats the method and path of an earlier one, by index, with the index of the first. */
export function repeatedRateLimits(limits: readonly RateLimit[]): ReadonlyMap<number, number> {
  const first = new Map<string, number>();
  const repeats = new Map<number, number>();
  limits.forEach((limit, i) => {
    const key = `${limit.method ?? TRAFFIC_DEFAULTS.method} ${limit.path}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else repeats.set(i, earlier);
  });
  return repeats;
}

/** The rule of a limit that repeats the method and path of the one `first` names. */
export function repeatedRateLimitRule(first: string): string {
  return `must not repeat the method and path of ${first}`;
}

/** What is wrong with a rate-limited path, or undefined. */
export function rateLimitPathProblem(path: string): string | undefined {
  if (!URL_PATH.test(path)) return 'must be a URL path starting with "/", without query or fragment';
  if (pathWithAnyQuery(path).length > MAX_PATH_MATCH_LENGTH) return `must be short enough for Envoy Gateway's ${MAX_PATH_MATCH_LENGTH}-character path match`;
  return undefined;
}

/**
 * The `:path` Envoy compares includes the query string, so an exact match would let
 * `POST /generate?x=1` pass uncounted: match the path with or without a query.
 */
export function pathWithAnyQuery(path: string): string {
  return `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\?.*)?$`;
}

/**
 * Envoy Gateway's BackendTrafficPolicy for one HTTPRoute: least-request balancing, request and
 * connect timeouts, connection ceilings, outlier detection, retries only where they cannot
 * repeat work, and per-client rate limits (each client address has its own bucket).
 */
export class TrafficPolicy extends Construct {
  readonly policy: CustomResource;

  constructor(scope: Construct, id: string, props: TrafficPolicyProps) {
    super(scope, id);
    const b = TRAFFIC_BOUNDS;
    const requestTimeout = props.requestTimeoutSeconds ?? TRAFFIC_DEFAULTS.requestTimeoutSeconds;
    const connectTimeout = props.connectTimeoutSeconds ?? TRAFFIC_DEFAULTS.connectTimeoutSeconds;
    checkInteger(this, 'requestTimeoutSeconds', requestTimeout, b.timeoutSeconds.min, b.timeoutSeconds.max, b.timeoutSeconds.unit);
    checkInteger(this, 'connectTimeoutSeconds', connectTimeout, b.timeoutSeconds.min, b.timeoutSeconds.max, b.timeoutSeconds.unit);

    const limits = props.connectionLimits ?? {};
    const limitDefaults = TRAFFIC_DEFAULTS.connectionLimits;
    const circuitBreaker = {
      maxConnections: limits.maxConnections ?? limitDefaults.maxConnections,
      maxPendingRequests: limits.maxPendingRequests ?? limitDefaults.maxPendingRequests,
      maxParallelRequests: limits.maxParallelRequests ?? limitDefaults.maxParallelRequests,
    };
    for (const [key, value] of Object.entries(circuitBreaker)) {
      const bound = key === 'maxConnections' ? b.maxConnections : b.requests;
      checkInteger(this, `connectionLimits.${key}`, value, bound.min, bound.max, bound.unit);
    }

    const outlier = props.outlierDetection ?? {};
    const outlierDefaults = TRAFFIC_DEFAULTS.outlierDetection;
    const errors = outlier.consecutiveServerErrors ?? outlierDefaults.consecutiveServerErrors;
    const ejection = outlier.ejectionSeconds ?? outlierDefaults.ejectionSeconds;
    const maxEjection = outlier.maxEjectionPercent ?? outlierDefaults.maxEjectionPercent;
    checkInteger(this, 'outlierDetection.consecutiveServerErrors', errors, b.consecutiveServerErrors.min, b.consecutiveServerErrors.max, b.consecutiveServerErrors.unit);
    checkInteger(this, 'outlierDetection.ejectionSeconds', ejection, b.timeoutSeconds.min, b.timeoutSeconds.max, b.timeoutSeconds.unit);
    checkInteger(this, 'outlierDetection.maxEjectionPercent', maxEjection, b.maxEjectionPercent.min, b.maxEjectionPercent.max, b.maxEjectionPercent.unit);

    const retries = props.connectRetries ?? TRAFFIC_DEFAULTS.connectRetries;
    checkInteger(this, 'connectRetries', retries, b.connectRetries.min, b.connectRetries.max, b.connectRetries.unit);

    const rateLimitScope = props.rateLimitScope ?? TRAFFIC_DEFAULTS.rateLimitScope;
    const rules = this.rateLimitRules(props.rateLimits ?? [], rateLimitScope);

    this.policy = new CustomResource(this, 'policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      name: props.routeName,
      namespace: props.namespace,
      labels: props.labels ?? {},
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: props.routeName }],
        loadBalancer: { type: 'LeastRequest' },
        timeout: { http: { requestTimeout: `${requestTimeout}s` }, tcp: { connectTimeout: `${connectTimeout}s` } },
        circuitBreaker,
        healthCheck: { passive: { consecutive5XxErrors: errors, baseEjectionTime: `${ejection}s`, maxEjectionPercent: maxEjection } },
        // Both triggers fire before the backend saw the request: a retry cannot do the work twice.
        ...(retries > 0 ? { retry: { numRetries: retries, retryOn: { triggers: ['connect-failure', 'refused-stream'] } } } : {}),
        ...(rules.length > 0 ? { rateLimit: { [rateLimitScope]: { rules } } } : {}),
      },
    });
  }

  private rateLimitRules(limits: readonly RateLimit[], scope: RateLimitScope): Record<string, unknown>[] {
    requireProp(this, 'rateLimits', limits.length, limits.length <= maxRateLimits(scope), rateLimitCountRule(scope));
    const repeats = repeatedRateLimits(limits);
    return limits.flatMap((limit, i) => {
      const method = limit.method ?? TRAFFIC_DEFAULTS.method;
      const at = `rateLimits[${i}]`;
      checkRule(this, `${at}.path`, limit.path, rateLimitPathProblem);
      const match = pathWithAnyQuery(limit.path);
      const rpm = TRAFFIC_BOUNDS.requestsPerMinute;
      checkInteger(this, `${at}.requestsPerMinute`, limit.requestsPerMinute, rpm.min, rpm.max, rpm.unit);
      const first = repeats.get(i);
      if (first !== undefined) invalidProp(this, at, `${method} ${limit.path}`, repeatedRateLimitRule(`'rateLimits[${first}]'`));
      return EVERY_CLIENT.map((cidr) => ({
        clientSelectors: [{ path: { type: 'RegularExpression', value: match }, methods: [{ value: method }], sourceCIDR: { type: 'Distinct', value: cidr } }],
        limit: { requests: limit.requestsPerMinute, unit: 'Minute' },
      }));
    });
  }
}
