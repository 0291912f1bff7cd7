/**
 * The typed configuration of one environment, validated with zod at synth.
 *
 * Every object is strict (unknown keys are errors, so a typo never silently falls back to a
 * default). The schema holds the shape and the environment policy (the prod rules); the default
 * and the rule of a field that a construct's prop receives are the construct's, imported from it,
 * and only the app's own defaults are written here. `z.input<typeof EnvironmentSchema>` is what
 * an environment file may say, `EnvironmentConfig` is what the constructs receive.
 */
import { z } from 'zod';
import { APP_NAMESPACE_DEFAULTS } from '../constructs/guardrails/app-namespace';
import { MAXMEMORY_PERCENT, VALKEY_DEFAULTS } from '../constructs/cache/valkey-cache';
import { hasTagOrDigest, imageTag, isUnpinned, PINNED_IMAGE_RULE } from '../constructs/core/image';
import { isQuantity } from '../constructs/core/quantity';
import {
  atMostProblem,
  durationProblem,
  hostnameProblem,
  INT32_MAX,
  integerProblem,
  MIN_REASON_LENGTH,
  nameProblem,
  pathProblem,
  quantityProblem,
  rangeProblem,
  SECRET_KEY,
  SECRET_KEY_RULE,
  subdomainProblem,
} from '../constructs/core/validation';
import { POOLER_DEFAULTS } from '../constructs/database/connection-pooler';
import { BACKUP_SCHEDULE_RULE, backupScheduleProblem, MAX_CONNECTIONS, parameterProblem, POSTGRES_DEFAULTS } from '../constructs/database/postgres-cluster';
import { EDGE_GATEWAY_BOUNDS, EDGE_GATEWAY_DEFAULTS, MAX_HOSTNAMES } from '../constructs/edge/edge-gateway';
import {
  maxRateLimits,
  rateLimitCountRule,
  rateLimitPathProblem,
  repeatedRateLimitRule,
  repeatedRateLimits,
  TRAFFIC_BOUNDS,
  TRAFFIC_DEFAULTS,
} from '../constructs/edge/traffic-policy';
import { ALERT_DEFAULTS, ALERT_RULES } from '../constructs/monitoring/alert-rules';
import { PROMETHEUS_STACK_DEFAULTS } from '../constructs/monitoring/prometheus-stack';
import { objectivePercentProblem, objectivesProblem, SLO_DEFAULTS, thresholdSecondsProblem, windowDaysProblem } from '../constructs/monitoring/service-level-objectives';
import { PEER_CIDRS_RULE, SAMPLING_RATIO_NOUN, TRACING_DEFAULTS } from '../constructs/monitoring/tracing-endpoint';
import { AUTOSCALING_BOUNDS, AUTOSCALING_DEFAULTS } from '../constructs/workload/autoscaler';
import { CONTAINER_PORTS, WEB_SERVICE_DEFAULTS } from '../constructs/workload/web-service';
import versions from './versions.json';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// registry/path:tag or registry/path@sha256:digest (optionally both); the tag is what follows
// the last ':' after the last '/'.
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * Schemas whose values may hold a secret (a URL with a token, an environment variable's value):
 * an error about them or anything inside them shows "(hidden)" instead of the value.
 */
export const secretBearing = z.registry<{ readonly reason: string }>();
// register() marks the instance itself: mark a field's own schema, never a shared one such as dnsSubdomain.

/** What is wrong with a value, or undefined: a construct's rule, which the schema applies rather than restates. */
type Problem<T> = (value: T) => string | undefined;

/** Adds `problem`'s finding, if any, as the issue of the value. */
function by<T>(problem: Problem<T>) {
  return (value: T, ctx: z.RefinementCtx) => {
    const found = problem(value);
    if (found !== undefined) ctx.addIssue({ code: 'custom', input: value, message: found });
  };
}

/** Text held to `problem`, whose answer for "" (which no rule here accepts) is its rule in full. */
const textBy = (problem: Problem<string>) => z.string({ error: problem('') }).superRefine(by(problem));

/** A number held to `problem`, whose answer for NaN (which no rule accepts) is its rule in full. */
const numberBy = (problem: Problem<number>) => z.number({ error: problem(Number.NaN) }).superRefine(by(problem));

/** A whole number from min to max, with one rule (unit and bounds) for every way it can be wrong. */
const wholeNumber = (min: number, max: number, unit?: string) => numberBy((n) => integerProblem(n, min, max, unit));
/** A construct's bounds with their unit, as a whole number. */
const within = (b: { readonly min: number; readonly max: number; readonly unit?: string }) => wholeNumber(b.min, b.max, b.unit);

/** A DNS-1123 label: the name rule for Kubernetes namespaces, Services and most objects. */
const dnsLabel = textBy(nameProblem);
/** A DNS-1123 subdomain: the name rule for Secrets, StorageClasses and custom resources (dots allowed). */
const dnsSubdomain = textBy(subdomainProblem);

/** One of a fixed list of words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

const flag = z.boolean({ error: 'must be true or false' });
const text = z.string({ error: 'must be text' });
const nonEmptyText = text.min(1, { error: 'must not be empty' });
const httpPath = textBy(pathProblem);
const hostname = textBy(hostnameProblem);

/**
 * A container image reference that names its version: a tag or a digest. Each check stops the
 * ones after it, so a value gets one rule: the first it breaks.
 */
const imageRef = z
  .string({ error: 'must be an image reference such as "registry.example.com/team/app:1.4.2"' })
  .regex(IMAGE, { error: 'must be an image reference such as "registry.example.com/team/app:1.4.2"', abort: true })
  .refine(hasTagOrDigest, { error: PINNED_IMAGE_RULE, abort: true });

/**
 * The PostgreSQL major version of an image, read from its tag as CloudNativePG reads it (the
 * number the tag starts with: "17.10-standard-trixie" is 17, "9.6" is 9); undefined without one.
 */
export function postgresMajor(image: string): number | undefined {
  const version = /^\d+/.exec(imageTag(image) ?? '');
  return version === null ? undefined : Number(version[0]);
}

/** A PostgreSQL image the pinned CloudNativePG can run: its webhook needs a version tag, and it supports a range of majors. */
const postgresImage = imageRef.superRefine((image, ctx) => {
  const operator = versions.charts.cloudnativePg;
  const { min, max } = operator.postgresMajors;
  const major = postgresMajor(image);
  if (major === undefined) {
    ctx.addIssue({
      code: 'custom',
      input: image,
      message: 'must have a tag starting with the PostgreSQL version, such as ":17.10-standard-trixie": CloudNativePG reads the major version from it',
    });
  } else if (major < min || major > max) {
    ctx.addIssue({
      code: 'custom',
      input: image,
      message: `is PostgreSQL ${major}, but the pinned CloudNativePG ${operator.appVersion} supports PostgreSQL ${min} to ${max}`,
    });
  }
});

const quantity = (of: string) => textBy((q) => quantityProblem(q, of));
const cpu = quantity('CPU, such as "500m" or "2"');
const memory = quantity('memory, such as "512Mi" or "2Gi"');
const storage = quantity('storage, such as "10Gi"');

/** A count of `unit` from 1 to Kubernetes' int32 maximum, the bound of replica counts and most integer fields of the API. */
const count = (unit: string) => wholeNumber(1, INT32_MAX, unit);
const port = within(CONTAINER_PORTS);

const computeResources = z.strictObject({ cpu, memory });
/** A unit price in the prices' currency. */
const price = numberBy((p) => (p >= 0 && Number.isFinite(p) ? undefined : 'must be a price of at least 0, in prices.currency'));

/**
 * Adds the constructs' rule that `small` (at `path`) does not exceed `large`, named `largeName`,
 * once both are quantities: zod still runs an object's refinement when a field failed its own check.
 */
function atMost(ctx: z.RefinementCtx, path: string[], small: string, largeName: string, large: string): void {
  const problem = isQuantity(small) && isQuantity(large) ? atMostProblem(small, largeName, large) : undefined;
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path, input: small, message: problem });
}

/** Requests and limits of one container; requests must not exceed limits. */
const resourcesSchema = z
  .strictObject({ requests: computeResources, limits: computeResources })
  .superRefine((r, ctx) => {
    for (const key of ['cpu', 'memory'] as const) atMost(ctx, ['requests', key], r.requests[key], `limits.${key}`, r.limits[key]);
  });
export type Resources = z.infer<typeof resourcesSchema>;

const replicasSchema = z
  .strictObject({
    /** Replicas the HPA never goes below; also the Deployment's initial count. */
    min: count('replicas'),
    /** Replicas the HPA never goes above. */
    max: count('replicas'),
  })
  .superRefine((r, ctx) => {
    const problem = atMostProblem(r.min, 'replicas.max', r.max);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['min'], input: r.min, message: problem });
  });

const scalingRuleSchema = z.strictObject({
  /** Window over which past recommendations are considered. */
  stabilizationWindowSeconds: within(AUTOSCALING_BOUNDS.stabilizationWindowSeconds),
  /** At most this many pods added/removed per period. */
  pods: within(AUTOSCALING_BOUNDS.pods),
  /** At most this percentage of current pods added/removed per period. */
  percent: within(AUTOSCALING_BOUNDS.percent),
  /** Length of the policy period. */
  periodSeconds: within(AUTOSCALING_BOUNDS.periodSeconds),
});

/** Requests and limits of a container's local scratch space; the request must not exceed the limit. */
const ephemeralStorageSchema = z
  .strictObject({ request: storage, limit: storage })
  .superRefine((e, ctx) => atMost(ctx, ['request'], e.request, 'limit', e.limit));

const secretKey = z.string({ error: SECRET_KEY_RULE }).regex(SECRET_KEY, { error: SECRET_KEY_RULE });
/** A key of a Secret in the app namespace; the value stays in the cluster. */
const secretKeyRef = z.strictObject({ secretName: dnsSubdomain, key: secretKey }, { error: 'must be a reference to a Secret key, { secretName, key }' });

/** A kubernetes.io/tls Secret of the app namespace. */
const tlsCertificate = z.strictObject({ certificateSecretName: dnsLabel });

const ENV_NAME_RULE = 'must be a C identifier (letters, digits and "_", not starting with a digit), as environment variable names are';
const envName = z.string({ error: ENV_NAME_RULE }).regex(ENV_VAR_NAME, { error: ENV_NAME_RULE });

const webTierSchema = z.strictObject({
  /** Container image, pinned by tag or digest. */
  image: imageRef,
  replicas: replicasSchema,
  resources: resourcesSchema,
  /** The container's HTTP port (named `http`); above 1023 because the pod runs as non-root. @default WebService's */
  port: port.default(WEB_SERVICE_DEFAULTS.port),
  /** Port (named `metrics`) serving Prometheus metrics at `metricsPath`; none when unset. */
  metricsPort: port.optional(),
  /** @default WebService's metrics path */
  metricsPath: httpPath.default(WEB_SERVICE_DEFAULTS.metricsPath),
  /** HTTP path of the readiness probe, which may check the tier's dependencies. @default WebService's readiness path */
  healthPath: httpPath.default(WEB_SERVICE_DEFAULTS.readinessPath),
  /**
   * HTTP path of the startup and liveness probes; it must not check dependencies, or their
   * outage restarts every pod. @default a TCP check of the http port
   */
  livenessPath: httpPath.optional(),
  /** Scratch space of the container (its /tmp emptyDir, logs). @default WebService's */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /** @default the Autoscaler's (AUTOSCALING_DEFAULTS) */
  autoscaling: z
    .strictObject({
      /**
       * Target average CPU utilization, % of requests; above 100 when pods may use more than they
       * request, up to what their limits allow (checked against the limits).
       */
      cpuUtilization: within(AUTOSCALING_BOUNDS.utilization).default(AUTOSCALING_DEFAULTS.cpuUtilization),
      /** Target average memory utilization, % of requests; below what the memory limit allows. */
      memoryUtilization: within(AUTOSCALING_BOUNDS.utilization).default(AUTOSCALING_DEFAULTS.memoryUtilization),
      scaleUp: scalingRuleSchema.default(AUTOSCALING_DEFAULTS.scaleUp),
      scaleDown: scalingRuleSchema.default(AUTOSCALING_DEFAULTS.scaleDown),
    })
    .prefault({}),
  /**
   * Spread over zones: "required" refuses to schedule a pod that would unbalance zones,
   * "preferred" only scores for balance (nodes without a zone label stay usable). @default WebService's
   */
  zoneSpread: oneOf(['required', 'preferred']).default(WEB_SERVICE_DEFAULTS.zoneSpread),
  /** PodDisruptionBudget; none when unset. */
  disruptionBudget: z.strictObject({ minAvailable: count('pods') }).optional(),
  /** Plain environment variables (no secrets: use secretEnv). @default {} */
  env: z
    .record(envName, z.string({ error: 'must be text' }))
    .register(secretBearing, { reason: 'a value may be a credential by mistake' })
    .default({}),
  /** Environment variables read from Secrets at run time, so no value reaches Terraform. @default {} */
  secretEnv: z
    .record(envName, secretKeyRef)
    .register(secretBearing, { reason: 'a literal given instead of a reference is the secret itself' })
    .default({}),
});
export type WebTierConfig = z.infer<typeof webTierSchema>;

const durationSeconds = within(TRAFFIC_BOUNDS.timeoutSeconds);

const rateLimitSchema = z.strictObject({
  /** Request path, matched exactly; a query string does not escape the limit. */
  path: textBy(rateLimitPathProblem),
  /** @default TrafficPolicy's */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default(TRAFFIC_DEFAULTS.method),
  /** Requests each client address may make per minute. */
  requestsPerMinute: within(TRAFFIC_BOUNDS.requestsPerMinute),
});

/** Defaults of the edge: EdgeGateway's and its TrafficPolicy's (EDGE_GATEWAY_DEFAULTS, TRAFFIC_DEFAULTS), except for rateLimits. */
const edgeSchema = z
  .strictObject({
    /** Kubernetes Service type of the Envoy proxies. */
    serviceType: z.enum(['LoadBalancer', 'ClusterIP', 'NodePort']).default(EDGE_GATEWAY_DEFAULTS.serviceType),
    /** Hostnames the listeners and routes answer for; any host when empty. */
    hostnames: z
      .array(hostname)
      .max(MAX_HOSTNAMES, { error: `must list at most ${MAX_HOSTNAMES} hostnames` })
      .default(() => [...EDGE_GATEWAY_DEFAULTS.hostnames]),
    /** HTTPS listener on 443 with the certificate in this Secret (type kubernetes.io/tls) of the app namespace. */
    tls: tlsCertificate.optional(),
    /** Envoy proxy replicas. */
    proxyReplicas: within(EDGE_GATEWAY_BOUNDS.proxyReplicas).default(EDGE_GATEWAY_DEFAULTS.proxyReplicas),
    /**
     * How the client's address reaches Envoy, for rate limits and logs: 0 = clients connect
     * directly (an L4 load balancer keeps their source address; X-Forwarded-For is not trusted);
     * N = through N proxies that append to X-Forwarded-For (a CDN, an L7 load balancer).
     */
    trustedProxies: within(EDGE_GATEWAY_BOUNDS.trustedProxies).default(EDGE_GATEWAY_DEFAULTS.trustedProxies),
    /** Upstream request timeout. */
    requestTimeoutSeconds: durationSeconds.default(TRAFFIC_DEFAULTS.requestTimeoutSeconds),
    /** Upstream connect timeout (the scaling guide's proxy_connect_timeout). */
    connectTimeoutSeconds: durationSeconds.default(TRAFFIC_DEFAULTS.connectTimeoutSeconds),
    /** Envoy's ceilings per backend (Envoy's "circuit breakers"). */
    connectionLimits: z
      .strictObject({
        maxConnections: within(TRAFFIC_BOUNDS.maxConnections).default(TRAFFIC_DEFAULTS.connectionLimits.maxConnections),
        maxPendingRequests: within(TRAFFIC_BOUNDS.requests).default(TRAFFIC_DEFAULTS.connectionLimits.maxPendingRequests),
        maxParallelRequests: within(TRAFFIC_BOUNDS.requests).default(TRAFFIC_DEFAULTS.connectionLimits.maxParallelRequests),
      })
      .prefault({}),
    /**
     * The scaling guide's circuit breaker, per backend pod: passive health checking ejects a pod
     * after consecutive 5xx (or connection failures) for a while. maxEjectionPercent: Envoy's
     * own 10 % ejects nothing below 10 pods; above 50 % Envoy balances over all pods anyway.
     */
    outlierDetection: z
      .strictObject({
        consecutiveServerErrors: within(TRAFFIC_BOUNDS.consecutiveServerErrors).default(TRAFFIC_DEFAULTS.outlierDetection.consecutiveServerErrors),
        ejectionSeconds: durationSeconds.default(TRAFFIC_DEFAULTS.outlierDetection.ejectionSeconds),
        maxEjectionPercent: within(TRAFFIC_BOUNDS.maxEjectionPercent).default(TRAFFIC_DEFAULTS.outlierDetection.maxEjectionPercent),
      })
      .prefault({}),
    /** Retries of requests that never reached a backend (connect failure, refused stream); 0 = none. */
    connectRetries: within(TRAFFIC_BOUNDS.connectRetries).default(TRAFFIC_DEFAULTS.connectRetries),
    /**
     * Per-client rate limits on single endpoints (each client address counts separately); the
     * app's own default, as the construct limits nothing unless told.
     * @default [{ path: "/api/content/generate", method: "POST", requestsPerMinute: 10 }]
     */
    rateLimits: z
      .array(rateLimitSchema)
      .default([{ path: '/api/content/generate', method: 'POST', requestsPerMinute: 10 }]),
    /**
     * Where rate limit counters live: "local" in each Envoy replica (N proxies allow up to N×
     * the limit per client), "global" in Envoy Gateway's rate limit service with a Valkey the
     * platform stack deploys (exact across replicas).
     */
    rateLimitScope: z.enum(['local', 'global']).default(TRAFFIC_DEFAULTS.rateLimitScope),
    /**
     * Wait after apply until the Gateway has an address, and output it as gateway_address (needs
     * Envoy Gateway running). Envoy Gateway gives ClusterIP and NodePort Gateways theirs as soon
     * as it creates the Service, and LoadBalancer ones when the load balancer does. The wait
     * needs a kubernetes_manifest, which makes every plan of the app stack read the cluster's
     * whole OpenAPI document (about 1.5 s more per plan); without it, the gateway output names
     * the Gateway whose status holds the address.
     */
    waitForAddress: flag.default(EDGE_GATEWAY_DEFAULTS.waitForAddress),
  })
  .superRefine((edge, ctx) => {
    if (edge.rateLimits.length > maxRateLimits(edge.rateLimitScope)) {
      ctx.addIssue({ code: 'custom', path: ['rateLimits'], input: edge.rateLimits.length, message: rateLimitCountRule(edge.rateLimitScope) });
    }
    for (const [i, first] of repeatedRateLimits(edge.rateLimits)) {
      ctx.addIssue({ code: 'custom', path: ['rateLimits', i], input: edge.rateLimits[i], message: repeatedRateLimitRule(`rateLimits.${first}`) });
    }
  });

const poolerSchema = z.strictObject({
  /** PgBouncer pods. @default ConnectionPooler's */
  instances: count('pods').default(POOLER_DEFAULTS.instances),
  /** Server connections per user/database pair (PgBouncer default_pool_size). */
  defaultPoolSize: count('connections'),
  /** Client connections PgBouncer accepts (max_client_conn). */
  maxClientConnections: count('connections'),
  /** @default ConnectionPooler's */
  resources: resourcesSchema.default(POOLER_DEFAULTS.resources),
  /** Scratch space of the pgbouncer container. @default ConnectionPooler's */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /** PgBouncer pods kept during drains; below instances. @default ConnectionPooler's: { minAvailable: 1 } from 2 instances on, none at 1 */
  disruptionBudget: z.strictObject({ minAvailable: count('pods') }).optional(),
});

const databaseSchema = z.strictObject({
  /**
   * Read replicas next to the primary (CloudNativePG `instances` = 1 + readReplicas). In prod at
   * least 1 (a standby to fail over to), unless `singleInstanceReason` says why one instance will do.
   */
  readReplicas: wholeNumber(0, 9, 'replicas'),
  /**
   * Why prod runs a single instance: without a standby, a node loss is an outage until the
   * node or its volume comes back. Only with readReplicas 0. @default unset: prod needs a standby
   */
  singleInstanceReason: z
    .string({ error: 'must be text saying why one instance is enough' })
    .trim()
    .min(MIN_REASON_LENGTH, { error: `must say why one instance is enough, in at least ${MIN_REASON_LENGTH} characters` })
    .optional(),
  /** @default PostgresCluster's */
  databaseName: dnsLabel.default(POSTGRES_DEFAULTS.databaseName),
  /**
   * Image of the PostgreSQL instances, tagged with its version; the major must be one the pinned
   * CloudNativePG supports (config/versions.json charts.cloudnativePg.postgresMajors).
   * @default config/versions.json images.postgres
   */
  image: postgresImage.optional(),
  storage: z.strictObject({
    size: storage,
    /** StorageClass; the cluster default when unset. */
    storageClass: dnsSubdomain.optional(),
  }),
  resources: resourcesSchema,
  /** Scratch space of each instance's containers (PGDATA is on its volume). @default PostgresCluster's */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /** PostgreSQL max_connections, up to PostgreSQL's own maximum. @default PostgresCluster's (PostgreSQL's own) */
  maxConnections: within({ ...MAX_CONNECTIONS, unit: 'connections' }).default(POSTGRES_DEFAULTS.maxConnections),
  /**
   * Connections kept for superusers and replication (PostgreSQL's superuser_reserved_connections
   * and the operator's), not for poolers; fewer than maxConnections. @default 10
   */
  reservedConnections: wholeNumber(0, MAX_CONNECTIONS.max - 1, 'connections').default(10),
  /** Further PostgreSQL parameters (max_connections is set from maxConnections). @default {} */
  parameters: z
    .record(
      z.string().regex(/^[a-z_.]+$/, { error: 'must be a PostgreSQL parameter name: lowercase letters, "_" and "."' }),
      z.string({ error: 'must be text' }),
    )
    .superRefine((parameters, ctx) => {
      for (const [name, value] of Object.entries(parameters)) {
        const problem = parameterProblem(name);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], input: value, message: problem });
      }
    })
    .default({}),
  /** The backend's SQLAlchemy-style pool, per process. */
  clientPool: z
    .strictObject({
      /** @default 20 */
      size: count('connections').default(20),
      /** @default 30 */
      maxOverflow: wholeNumber(0, INT32_MAX, 'connections').default(30),
      /** Worker processes per backend pod, each with its own pool. @default 1 */
      processesPerPod: count('processes').default(1),
    })
    .prefault({}),
  poolers: z.strictObject({ rw: poolerSchema, ro: poolerSchema }),
  /**
   * Schema migrations, run by goose as a Job before the backend rolls out (README "Schema
   * migrations").
   */
  migrations: z
    .strictObject({
      /** Directory of goose `.sql` files, relative to the repository root. @default "migrations" */
      directory: nonEmptyText.default('migrations'),
      /** The runner image (goose and psql). @default config/versions.json images.migrationRunner */
      image: imageRef.optional(),
    })
    .prefault({}),
  /** Scheduled base backups through the Barman Cloud plugin; off when unset. */
  backup: z
    .strictObject({
      /** Cron schedule with seconds, as CloudNativePG expects ("0 0 2 * * *"). */
      schedule: z.string({ error: BACKUP_SCHEDULE_RULE }).superRefine(by(backupScheduleProblem)),
      /** Name of the plugin's ObjectStore resource in the app namespace. */
      objectStoreName: dnsSubdomain,
    })
    .optional(),
});

const cacheSchema = z.strictObject({
  /** Valkey pods: one primary, the rest replicas. */
  instances: count('pods'),
  /** @default config/versions.json images.valkey */
  image: imageRef.optional(),
  resources: resourcesSchema,
  /** maxmemory as a percentage of the memory limit; the rest is headroom for fragmentation and buffers. @default ValkeyCache's */
  maxmemoryPercent: within(MAXMEMORY_PERCENT).default(VALKEY_DEFAULTS.maxmemoryPercent),
  /** An explicit maxmemory instead of maxmemoryPercent; must stay below the memory limit. */
  maxmemory: memory.optional(),
  /** The redis_exporter sidecar that serves the cache's metrics. @default ValkeyCache's */
  exporterResources: resourcesSchema.default(VALKEY_DEFAULTS.exporterResources),
  disruptionBudget: z.strictObject({ minAvailable: count('pods') }).optional(),
  /** Scratch space of the Valkey container (its /data and /tmp emptyDirs). @default ValkeyCache's */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /**
   * The Secret holding the password Valkey requires (created before deploy, README "Cache
   * password"); `key` defaults to the cache construct's ("password").
   */
  auth: z
    .strictObject({ secretName: dnsLabel, key: secretKey.optional() })
    .register(secretBearing, { reason: 'the password may be given in place of the name' }),
  /**
   * TLS on the cache's port with the certificate in this Secret (kubernetes.io/tls with ca.crt);
   * the URLs become rediss://. @default plain TCP
   */
  tls: tlsCertificate.optional(),
});

/** An objective in percent, from the lowest the fastest alerted burn allows to below 100. */
const sloPercent = numberBy(objectivePercentProblem);

const tracingUrl = z
  .string()
  // No "@" anywhere: a password holding an unencoded "/" would otherwise pass as a path.
  .regex(/^https?:\/\/[^/@\s]+(\/[^@\s]*)?$/, { error: 'must be an http:// or https:// URL without credentials (put them in a Secret)' });
const samplingRatio = numberBy((r) => rangeProblem(r, 0, 1, true, SAMPLING_RATIO_NOUN));
const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/;
/** Where the tracing endpoint runs: pods of another namespace, or addresses outside the cluster. */
const tracingPeer = z.union(
  [
    z.strictObject({ namespace: dnsLabel, pods: z.record(z.string().min(1), z.string()).optional() }),
    z.strictObject({ cidrs: z.array(z.string().regex(CIDR, { error: 'must be a CIDR such as "10.0.0.0/8"' })).min(1, { error: PEER_CIDRS_RULE }) }),
  ],
  { error: 'must be { namespace, pods } (pods of another namespace, pod labels optional) or { cidrs } (addresses outside the cluster)' },
);

const monitoringSchema = z.strictObject({
  /** @default "monitoring" */
  namespace: dnsLabel.default('monitoring'),
  /** How long Prometheus keeps samples. @default PrometheusStack's */
  retention: textBy(durationProblem).default(PROMETHEUS_STACK_DEFAULTS.retention),
  storage: z.strictObject({ size: storage, storageClass: dnsSubdomain.optional() }),
  resources: resourcesSchema,
  /** @default PrometheusStack's: Grafana enabled */
  grafana: z
    .strictObject({
      enabled: flag.default(PROMETHEUS_STACK_DEFAULTS.grafanaEnabled),
      /** Existing Secret with `admin-user` and `admin-password`; the chart generates one when unset. */
      adminSecretName: dnsSubdomain.optional().register(secretBearing, { reason: 'the password may be given in place of the name' }),
    })
    .prefault({}),
  /**
   * Alertmanager webhook receiver whose URL is read from a Secret in the monitoring namespace: the
   * URL carries a token, so it is never written in the config, the plan or the state.
   */
  alertWebhook: z
    .strictObject(secretKeyRef.shape, {
      error: 'must be a reference to the key of a Secret holding the URL, { secretName, key }: a literal URL would put its token into the plan and the state',
    })
    .register(secretBearing, { reason: 'a webhook URL carries its token' })
    .optional(),
  /** Thresholds of the app's alert rules. @default AlertRules' (ALERT_DEFAULTS) */
  alerts: z
    .strictObject({
      /** Share of requests answered 5xx. */
      errorRatio: numberBy(ALERT_RULES.ratio).default(ALERT_DEFAULTS.errorRatio.ratio),
      /** Traffic below which the 5xx ratio is not judged (one failed request at night is a 100% ratio). */
      minRequestsPerSecond: numberBy(ALERT_RULES.minRequestsPerSecond).default(ALERT_DEFAULTS.errorRatio.minRequestsPerSecond),
      p99LatencySeconds: numberBy(ALERT_RULES.seconds).default(ALERT_DEFAULTS.p99LatencySeconds),
      replicationLagSeconds: numberBy(ALERT_RULES.seconds).default(ALERT_DEFAULTS.replicationLagSeconds),
      /** Share of maxmemory. */
      cacheMemoryRatio: numberBy(ALERT_RULES.ratio).default(ALERT_DEFAULTS.cacheMemoryRatio),
    })
    .prefault({}),
  /**
   * Service-level objectives of the backend, each turned into recording rules and multi-window,
   * multi-burn-rate alerts; an objective replaces the threshold alert it covers
   * (availability: `alerts.errorRatio`, latency: `alerts.p99LatencySeconds`). None when unset.
   */
  slos: z
    .strictObject({
      /** Compliance window. @default ServiceLevelObjectives' */
      windowDays: numberBy(windowDaysProblem).default(SLO_DEFAULTS.windowDays),
      /** Percent of backend responses that are not 5xx. */
      availability: z.strictObject({ objectivePercent: sloPercent }).optional(),
      /** Percent of backend requests faster than `thresholdSeconds`, a bucket bound of the backend's histogram. */
      latency: z.strictObject({ objectivePercent: sloPercent, thresholdSeconds: numberBy(thresholdSecondsProblem) }).optional(),
    })
    .superRefine(by(objectivesProblem))
    .optional(),
  /**
   * Traces from the backend and frontend to OpenTelemetry (OTLP) or Elastic APM; the
   * NetworkPolicies open egress to `peer` on the URL's port only. Off when unset.
   */
  tracing: z
    .discriminatedUnion('backend', [
      z.strictObject({
        backend: z.literal('opentelemetry'),
        /** OTLP endpoint, e.g. "http://otel-collector.observability.svc:4318". */
        endpoint: tracingUrl,
        /** @default TracingEndpoint's */
        protocol: z.enum(['grpc', 'http/protobuf']).default(TRACING_DEFAULTS.protocol),
        /** Secret key (app namespace) holding OTEL_EXPORTER_OTLP_HEADERS; none when unset. */
        headers: z
          .strictObject(secretKeyRef.shape, { error: 'must be a reference to the key of a Secret, { secretName, key }: the headers carry credentials' })
          .register(secretBearing, { reason: 'OTLP headers carry credentials' })
          .optional(),
        peer: tracingPeer,
        /** @default TracingEndpoint's */
        samplingRatio: samplingRatio.default(TRACING_DEFAULTS.samplingRatio),
      }),
      z.strictObject({
        backend: z.literal('elastic-apm'),
        /** APM Server URL, e.g. "https://apm.example.com:8200". */
        serverUrl: tracingUrl,
        /** Secret key (app namespace) holding the APM Server's secret token. */
        secretToken: z
          .strictObject(secretKeyRef.shape, { error: 'must be a reference to the key of a Secret, { secretName, key }: a literal token would reach the plan and the state' })
          .register(secretBearing, { reason: 'the APM secret token' }),
        peer: tracingPeer,
        /** @default TracingEndpoint's */
        samplingRatio: samplingRatio.default(TRACING_DEFAULTS.samplingRatio),
      }),
    ])
    .optional(),
});

const S3_BUCKET_RULE = 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit';
const stateSchema = z.discriminatedUnion('backend', [
  z.strictObject({
    backend: z.literal('local'),
    /** @default "terraform.<stack>.tfstate" in the stack's directory */
    path: nonEmptyText.optional(),
  }),
  z.strictObject({
    backend: z.literal('s3'),
    bucket: z
      .string({ error: S3_BUCKET_RULE })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: S3_BUCKET_RULE }),
    /** Key prefix; the stack name is appended. */
    keyPrefix: nonEmptyText.default('web-topology'),
    region: nonEmptyText,
    /** @default true */
    encrypt: flag.default(true),
    useLockfile: flag.default(true),
  }),
  z.strictObject({
    backend: z.literal('kubernetes'),
    /** Namespace of the state Secrets. @default "kube-system" */
    namespace: dnsLabel.default('kube-system'),
    /** Secret suffix prefix; the stack name is appended. @default "web-topology" */
    secretSuffixPrefix: dnsLabel.default('web-topology'),
  }),
], { error: 'must name a state backend: { backend: "local" | "s3" | "kubernetes", … }' });

export const EnvironmentSchema = z
  .strictObject({
    /** Environment name; prefixes the stacks. */
    name: dnsLabel,
    /** How Terraform reaches the cluster. */
    cluster: z
      .strictObject({
        /** @default "~/.kube/config" */
        kubeconfigPath: nonEmptyText.default('~/.kube/config'),
        /** kubeconfig context; the current context when unset. */
        context: nonEmptyText.optional(),
      })
      .prefault({}),
    /** @default { backend: "local" } */
    state: stateSchema.default({ backend: 'local' }),
    /** Unit prices for the capacity report's cost estimate; no estimate when unset. */
    prices: z
      .strictObject({
        /** @default "USD" */
        currency: z
          .string({ error: 'must be a three-letter currency code' })
          .regex(/^[A-Z]{3}$/, { error: 'must be a three-letter currency code' })
          .default('USD'),
        vcpuHour: price,
        memoryGibHour: price,
        storageGibMonth: price,
      })
      .optional(),
    /** The app namespace and its guard rails. */
    namespace: z.strictObject({
      name: dnsLabel,
      quota: z.strictObject({
        requestsCpu: cpu,
        requestsMemory: memory,
        limitsCpu: cpu,
        limitsMemory: memory,
        /** @default AppNamespace's */
        pods: count('pods').default(APP_NAMESPACE_DEFAULTS.quota.pods),
        /** 0 allows no volume: the workload policy's quota check then refuses the database. @default AppNamespace's */
        persistentVolumeClaims: wholeNumber(0, INT32_MAX, 'volume claims').default(APP_NAMESPACE_DEFAULTS.quota.persistentVolumeClaims),
        requestsStorage: storage,
      }),
      /** Defaults for containers that set no resources of their own. @default AppNamespace's */
      limitRange: z
        .strictObject({
          defaultRequest: computeResources.default(APP_NAMESPACE_DEFAULTS.defaultRequest),
          default: computeResources.default(APP_NAMESPACE_DEFAULTS.defaultLimit),
        })
        .prefault({}),
    }),
    backend: webTierSchema,
    frontend: webTierSchema,
    /**
     * Further internal HTTP services in the app namespace, by name, each in the web tier's
     * shape (Deployment, Service, HPA, PDB); the backend may call them. @default {}
     */
    services: z.record(dnsLabel, webTierSchema).default({}),
    edge: edgeSchema.prefault({}),
    database: databaseSchema,
    cache: cacheSchema,
    monitoring: monitoringSchema,
  })
  .superRefine((env, ctx) => {
    const db = env.database;
    if (db.singleInstanceReason !== undefined && db.readReplicas > 0) {
      ctx.addIssue({ code: 'custom', path: ['database', 'singleInstanceReason'], input: db.singleInstanceReason, message: `must be unset with database.readReplicas ${db.readReplicas}: there is a standby` });
    }
    if (env.name !== 'prod') return;
    if (db.readReplicas === 0 && db.singleInstanceReason === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'readReplicas'],
        input: 0,
        message: 'must be at least 1 in prod: a single instance has no standby, so a node loss is an outage (or say why one will do in database.singleInstanceReason)',
      });
    }
    // Production rule: reproducible images.
    const images: [string, string | undefined][] = [
      ['backend.image', env.backend.image],
      ['frontend.image', env.frontend.image],
      ['cache.image', env.cache.image],
      ['database.migrations.image', env.database.migrations.image],
      ...Object.entries(env.services).map(([name, t]): [string, string] => [`services.${name}.image`, t.image]),
    ];
    for (const [path, image] of images) {
      // An image without any tag or digest is refused by its field's own rule already.
      if (image !== undefined && hasTagOrDigest(image) && isUnpinned(image)) {
        ctx.addIssue({ code: 'custom', path: path.split('.'), input: image, message: 'must not use the ":latest" tag in prod' });
      }
    }
  });

export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;
