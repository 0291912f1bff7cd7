// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
import { Construct } from 'constructs';
import { CustomResource } from '../core/custom-resource';
import type { Labels } from '../core/labels';
import { DURATION_SECONDS_MAX, INT32_MAX, UINT32_MAX, checkInteger, requireProp } from '../core/validation';
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
const DEFAULTS = {
  requestTimeoutSeconds: 30,
  connectTimeoutSeconds: 30,
  connectionLimit: 1024,
  consecutiveServerErrors: 5,
  ejectionSeconds: 60,
  maxEjectionPercent: 50,
  connectRetries: 2,
  method: 'POST'
} as const;

/** Envoy Gateway's cap on rules per policy (local 16, global 256); each limit takes two (IPv4 and IPv6). */
const MAX_RULES: Record<RateLimitScope, number> = stryMutAct_9fa48("297") ? {} : (stryCov_9fa48("297"), {
  local: 16,
  global: 256
});
/** Envoy Gateway's cap on a path match value. */
const MAX_PATH_MATCH_LENGTH = 1024;
/** Every client address counts on its own: one rule per address family (one sourceCIDR per rule). */
const EVERY_CLIENT = ['0.0.0.0/0', '::/0'] as const;
/** An absolute URL path: RFC 3986 path characters, no query or fragment. */
const URL_PATH = stryMutAct_9fa48("301") ? /^\/[^A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/ : stryMutAct_9fa48("300") ? /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]$/ : stryMutAct_9fa48("299") ? /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*/ : stryMutAct_9fa48("298") ? /\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/ : (stryCov_9fa48("298", "299", "300", "301"), /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/);

/**
 * The `:path` Envoy compares includes the query string, so an exact match would let
 * `POST /generate?x=1` pass uncounted: match the path with or without a query.
 */
export function pathWithAnyQuery(path: string): string {
  if (stryMutAct_9fa48("302")) {
    {}
  } else {
    stryCov_9fa48("302");
    return stryMutAct_9fa48("303") ? `` : (stryCov_9fa48("303"), `^${path.replace(stryMutAct_9fa48("304") ? /[^.*+?^${}()|[\]\\]/g : (stryCov_9fa48("304"), /[.*+?^${}()|[\]\\]/g), stryMutAct_9fa48("305") ? "" : (stryCov_9fa48("305"), '\\$&'))}(\\?.*)?$`);
  }
}

/**
 * Envoy Gateway's BackendTrafficPolicy for one HTTPRoute: least-request balancing, request and
 * connect timeouts, connection ceilings, outlier detection, retries only where they cannot
 * repeat work, and per-client rate limits (each client address has its own bucket).
 */
export class TrafficPolicy extends Construct {
  readonly policy: CustomResource;
  constructor(scope: Construct, id: string, props: TrafficPolicyProps) {
    if (stryMutAct_9fa48("306")) {
      {}
    } else {
      stryCov_9fa48("306");
      super(scope, id);
      const requestTimeout = stryMutAct_9fa48("307") ? props.requestTimeoutSeconds && DEFAULTS.requestTimeoutSeconds : (stryCov_9fa48("307"), props.requestTimeoutSeconds ?? DEFAULTS.requestTimeoutSeconds);
      const connectTimeout = stryMutAct_9fa48("308") ? props.connectTimeoutSeconds && DEFAULTS.connectTimeoutSeconds : (stryCov_9fa48("308"), props.connectTimeoutSeconds ?? DEFAULTS.connectTimeoutSeconds);
      checkInteger(this, stryMutAct_9fa48("310") ? "" : (stryCov_9fa48("310"), 'requestTimeoutSeconds'), requestTimeout, 1, DURATION_SECONDS_MAX);
      checkInteger(this, stryMutAct_9fa48("312") ? "" : (stryCov_9fa48("312"), 'connectTimeoutSeconds'), connectTimeout, 1, DURATION_SECONDS_MAX);
      const limits = stryMutAct_9fa48("313") ? props.connectionLimits && {} : (stryCov_9fa48("313"), props.connectionLimits ?? {});
      const circuitBreaker = stryMutAct_9fa48("314") ? {} : (stryCov_9fa48("314"), {
        maxConnections: stryMutAct_9fa48("315") ? limits.maxConnections && DEFAULTS.connectionLimit : (stryCov_9fa48("315"), limits.maxConnections ?? DEFAULTS.connectionLimit),
        maxPendingRequests: stryMutAct_9fa48("316") ? limits.maxPendingRequests && DEFAULTS.connectionLimit : (stryCov_9fa48("316"), limits.maxPendingRequests ?? DEFAULTS.connectionLimit),
        maxParallelRequests: stryMutAct_9fa48("317") ? limits.maxParallelRequests && DEFAULTS.connectionLimit : (stryCov_9fa48("317"), limits.maxParallelRequests ?? DEFAULTS.connectionLimit)
      });
      for (const [key, value] of Object.entries(circuitBreaker)) checkInteger(this, stryMutAct_9fa48("319") ? `` : (stryCov_9fa48("319"), `connectionLimits.${key}`), value, 1, UINT32_MAX);
      const outlier = stryMutAct_9fa48("320") ? props.outlierDetection && {} : (stryCov_9fa48("320"), props.outlierDetection ?? {});
      const errors = stryMutAct_9fa48("321") ? outlier.consecutiveServerErrors && DEFAULTS.consecutiveServerErrors : (stryCov_9fa48("321"), outlier.consecutiveServerErrors ?? DEFAULTS.consecutiveServerErrors);
      const ejection = stryMutAct_9fa48("322") ? outlier.ejectionSeconds && DEFAULTS.ejectionSeconds : (stryCov_9fa48("322"), outlier.ejectionSeconds ?? DEFAULTS.ejectionSeconds);
      const maxEjection = stryMutAct_9fa48("323") ? outlier.maxEjectionPercent && DEFAULTS.maxEjectionPercent : (stryCov_9fa48("323"), outlier.maxEjectionPercent ?? DEFAULTS.maxEjectionPercent);
      checkInteger(this, stryMutAct_9fa48("325") ? "" : (stryCov_9fa48("325"), 'outlierDetection.consecutiveServerErrors'), errors, 1, UINT32_MAX);
      checkInteger(this, stryMutAct_9fa48("327") ? "" : (stryCov_9fa48("327"), 'outlierDetection.ejectionSeconds'), ejection, 1, DURATION_SECONDS_MAX);
      checkInteger(this, stryMutAct_9fa48("329") ? "" : (stryCov_9fa48("329"), 'outlierDetection.maxEjectionPercent'), maxEjection, 1, 100);
      const retries = stryMutAct_9fa48("330") ? props.connectRetries && DEFAULTS.connectRetries : (stryCov_9fa48("330"), props.connectRetries ?? DEFAULTS.connectRetries);
      checkInteger(this, stryMutAct_9fa48("332") ? "" : (stryCov_9fa48("332"), 'connectRetries'), retries, 0, INT32_MAX);
      const rateLimitScope = stryMutAct_9fa48("333") ? props.rateLimitScope && 'local' : (stryCov_9fa48("333"), props.rateLimitScope ?? (stryMutAct_9fa48("334") ? "" : (stryCov_9fa48("334"), 'local')));
      const rules = this.rateLimitRules(stryMutAct_9fa48("335") ? props.rateLimits && [] : (stryCov_9fa48("335"), props.rateLimits ?? (stryMutAct_9fa48("336") ? ["Stryker was here"] : (stryCov_9fa48("336"), []))), rateLimitScope);
      this.policy = new CustomResource(this, stryMutAct_9fa48("337") ? "" : (stryCov_9fa48("337"), 'policy'), stryMutAct_9fa48("338") ? {} : (stryCov_9fa48("338"), {
        apiVersion: stryMutAct_9fa48("339") ? "" : (stryCov_9fa48("339"), 'gateway.envoyproxy.io/v1alpha1'),
        kind: stryMutAct_9fa48("340") ? "" : (stryCov_9fa48("340"), 'BackendTrafficPolicy'),
        name: props.routeName,
        namespace: props.namespace,
        labels: stryMutAct_9fa48("341") ? props.labels && {} : (stryCov_9fa48("341"), props.labels ?? {}),
        spec: stryMutAct_9fa48("342") ? {} : (stryCov_9fa48("342"), {
          targetRefs: stryMutAct_9fa48("343") ? [] : (stryCov_9fa48("343"), [stryMutAct_9fa48("344") ? {} : (stryCov_9fa48("344"), {
            group: stryMutAct_9fa48("345") ? "" : (stryCov_9fa48("345"), 'gateway.networking.k8s.io'),
            kind: stryMutAct_9fa48("346") ? "" : (stryCov_9fa48("346"), 'HTTPRoute'),
            name: props.routeName
          })]),
          loadBalancer: stryMutAct_9fa48("347") ? {} : (stryCov_9fa48("347"), {
            type: stryMutAct_9fa48("348") ? "" : (stryCov_9fa48("348"), 'LeastRequest')
          }),
          timeout: stryMutAct_9fa48("349") ? {} : (stryCov_9fa48("349"), {
            http: stryMutAct_9fa48("350") ? {} : (stryCov_9fa48("350"), {
              requestTimeout: stryMutAct_9fa48("351") ? `` : (stryCov_9fa48("351"), `${requestTimeout}s`)
            }),
            tcp: stryMutAct_9fa48("352") ? {} : (stryCov_9fa48("352"), {
              connectTimeout: stryMutAct_9fa48("353") ? `` : (stryCov_9fa48("353"), `${connectTimeout}s`)
            })
          }),
          circuitBreaker,
          healthCheck: stryMutAct_9fa48("354") ? {} : (stryCov_9fa48("354"), {
            passive: stryMutAct_9fa48("355") ? {} : (stryCov_9fa48("355"), {
              consecutive5XxErrors: errors,
              baseEjectionTime: stryMutAct_9fa48("356") ? `` : (stryCov_9fa48("356"), `${ejection}s`),
              maxEjectionPercent: maxEjection
            })
          }),
          // Both triggers fire before the backend saw the request: a retry cannot do the work twice.
          ...((stryMutAct_9fa48("360") ? retries <= 0 : stryMutAct_9fa48("359") ? retries >= 0 : stryMutAct_9fa48("358") ? false : stryMutAct_9fa48("357") ? true : (stryCov_9fa48("357", "358", "359", "360"), retries > 0)) ? stryMutAct_9fa48("361") ? {} : (stryCov_9fa48("361"), {
            retry: stryMutAct_9fa48("362") ? {} : (stryCov_9fa48("362"), {
              numRetries: retries,
              retryOn: stryMutAct_9fa48("363") ? {} : (stryCov_9fa48("363"), {
                triggers: stryMutAct_9fa48("364") ? [] : (stryCov_9fa48("364"), [stryMutAct_9fa48("365") ? "" : (stryCov_9fa48("365"), 'connect-failure'), stryMutAct_9fa48("366") ? "" : (stryCov_9fa48("366"), 'refused-stream')])
              })
            })
          }) : {}),
          ...((stryMutAct_9fa48("370") ? rules.length <= 0 : stryMutAct_9fa48("369") ? rules.length >= 0 : stryMutAct_9fa48("368") ? false : stryMutAct_9fa48("367") ? true : (stryCov_9fa48("367", "368", "369", "370"), rules.length > 0)) ? stryMutAct_9fa48("371") ? {} : (stryCov_9fa48("371"), {
            rateLimit: stryMutAct_9fa48("372") ? {} : (stryCov_9fa48("372"), {
              [rateLimitScope]: stryMutAct_9fa48("373") ? {} : (stryCov_9fa48("373"), {
                rules
              })
            })
          }) : {})
        })
      }));
    }
  }
  private rateLimitRules(limits: readonly RateLimit[], scope: RateLimitScope): Record<string, unknown>[] {
    if (stryMutAct_9fa48("374")) {
      {}
    } else {
      stryCov_9fa48("374");
      const maxLimits = stryMutAct_9fa48("375") ? MAX_RULES[scope] * EVERY_CLIENT.length : (stryCov_9fa48("375"), MAX_RULES[scope] / EVERY_CLIENT.length);
      requireProp(this, stryMutAct_9fa48("377") ? "" : (stryCov_9fa48("377"), 'rateLimits'), limits.length, stryMutAct_9fa48("381") ? limits.length > maxLimits : stryMutAct_9fa48("380") ? limits.length < maxLimits : stryMutAct_9fa48("379") ? false : stryMutAct_9fa48("378") ? true : (stryCov_9fa48("378", "379", "380", "381"), limits.length <= maxLimits), stryMutAct_9fa48("382") ? `` : (stryCov_9fa48("382"), `must hold at most ${maxLimits} limits with rateLimitScope "${scope}" (Envoy Gateway allows ${MAX_RULES[scope]} rules, two per limit)`));
      const seen = new Set<string>();
      return limits.flatMap((limit, i) => {
        if (stryMutAct_9fa48("383")) {
          {}
        } else {
          stryCov_9fa48("383");
          const method = stryMutAct_9fa48("384") ? limit.method && DEFAULTS.method : (stryCov_9fa48("384"), limit.method ?? DEFAULTS.method);
          const at = stryMutAct_9fa48("385") ? `` : (stryCov_9fa48("385"), `rateLimits[${i}]`);
          requireProp(this, stryMutAct_9fa48("387") ? `` : (stryCov_9fa48("387"), `${at}.path`), limit.path, URL_PATH.test(limit.path), stryMutAct_9fa48("388") ? "" : (stryCov_9fa48("388"), 'must be a URL path starting with "/", without query or fragment'));
          const match = pathWithAnyQuery(limit.path);
          requireProp(this, stryMutAct_9fa48("390") ? `` : (stryCov_9fa48("390"), `${at}.path`), limit.path, stryMutAct_9fa48("394") ? match.length > MAX_PATH_MATCH_LENGTH : stryMutAct_9fa48("393") ? match.length < MAX_PATH_MATCH_LENGTH : stryMutAct_9fa48("392") ? false : stryMutAct_9fa48("391") ? true : (stryCov_9fa48("391", "392", "393", "394"), match.length <= MAX_PATH_MATCH_LENGTH), stryMutAct_9fa48("395") ? `` : (stryCov_9fa48("395"), `must be short enough for Envoy Gateway's ${MAX_PATH_MATCH_LENGTH}-character path match`));
          checkInteger(this, stryMutAct_9fa48("397") ? `` : (stryCov_9fa48("397"), `${at}.requestsPerMinute`), limit.requestsPerMinute, 1, UINT32_MAX);
          const key = stryMutAct_9fa48("398") ? `` : (stryCov_9fa48("398"), `${method} ${limit.path}`);
          requireProp(this, at, key, stryMutAct_9fa48("400") ? seen.has(key) : (stryCov_9fa48("400"), !seen.has(key)), stryMutAct_9fa48("401") ? "" : (stryCov_9fa48("401"), 'must not repeat the method and path of an earlier limit'));
          if (stryMutAct_9fa48("402")) {
            ;
          } else {
            stryCov_9fa48("402");
            seen.add(key);
          }
          return EVERY_CLIENT.map(stryMutAct_9fa48("403") ? () => undefined : (stryCov_9fa48("403"), cidr => stryMutAct_9fa48("404") ? {} : (stryCov_9fa48("404"), {
            clientSelectors: stryMutAct_9fa48("405") ? [] : (stryCov_9fa48("405"), [stryMutAct_9fa48("406") ? {} : (stryCov_9fa48("406"), {
              path: stryMutAct_9fa48("407") ? {} : (stryCov_9fa48("407"), {
                type: stryMutAct_9fa48("408") ? "" : (stryCov_9fa48("408"), 'RegularExpression'),
                value: match
              }),
              methods: stryMutAct_9fa48("409") ? [] : (stryCov_9fa48("409"), [stryMutAct_9fa48("410") ? {} : (stryCov_9fa48("410"), {
                value: method
              })]),
              sourceCIDR: stryMutAct_9fa48("411") ? {} : (stryCov_9fa48("411"), {
                type: stryMutAct_9fa48("412") ? "" : (stryCov_9fa48("412"), 'Distinct'),
                value: cidr
              })
            })]),
            limit: stryMutAct_9fa48("413") ? {} : (stryCov_9fa48("413"), {
              requests: limit.requestsPerMinute,
              unit: stryMutAct_9fa48("414") ? "" : (stryCov_9fa48("414"), 'Minute')
            })
          })));
        }
      });
    }
  }
}