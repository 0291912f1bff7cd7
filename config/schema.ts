/**
 * The typed configuration of one environment, validated with zod at synth.
 *
 * Every object is strict (unknown keys are errors, so a typo never silently falls back to a
 * default) and every default is written here once; `z.input<typeof EnvironmentSchema>` is what
 * an environment file may say, `EnvironmentConfig` is what the constructs receive.
 */
import { z } from 'zod';
import { hasTagOrDigest, imageTag, isUnpinned, PINNED_IMAGE_RULE } from '../constructs/core/image';
import { isQuantity, parseQuantity } from '../constructs/core/quantity';
import { DURATION_SECONDS_MAX, INT32_MAX, MIN_REASON_LENGTH, SECRET_KEY, SECRET_KEY_RULE, UINT32_MAX } from '../constructs/core/validation';
import { BACKUP_SCHEDULE_RULE, backupScheduleProblem } from '../constructs/database/postgres-cluster';
import versions from './versions.json';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Kubernetes' largest int32: the bound of replica counts, ports and most integer fields of the API. */
// registry/path:tag or registry/path@sha256:digest (optionally both); the tag is what follows
// the last ':' after the last '/'.
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * Schemas whose values may hold a secret (a URL with a token, an environment variable's value):
 * an error about them or anything inside them shows "(hidden)" instead of the value.
 */
export const secretBearing = z.registry<{ readonly reason: string }>();
// register() marks the instance itself: mark a field's own schema, never a shared one such as dnsSubdomain.

/** A DNS-1123 label: the name rule for Kubernetes namespaces, Services and most objects. */
const DNS_LABEL_RULE = 'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit';
const dnsLabel = z.string({ error: DNS_LABEL_RULE }).max(63, { error: DNS_LABEL_RULE }).regex(DNS1123_LABEL, { error: DNS_LABEL_RULE });

/** A DNS-1123 subdomain: the name rule for Secrets, StorageClasses and custom resources (dots allowed). */
const DNS_SUBDOMAIN_RULE =
  'must be a DNS-1123 subdomain: at most 253 characters of dot-separated DNS-1123 labels (lowercase letters, digits and "-")';
const dnsSubdomain = z
  .string({ error: DNS_SUBDOMAIN_RULE })
  .max(253, { error: DNS_SUBDOMAIN_RULE })
  .regex(DNS1123_SUBDOMAIN, { error: DNS_SUBDOMAIN_RULE });

/** A whole number from min to max, with one rule for every way it can be wrong (not a number, NaN, out of range). */
function wholeNumber(min: number, max: number, unit?: string) {
  const rule = `must be a whole number${unit === undefined ? '' : ` of ${unit}`} from ${min} to ${max}`;
  return z.int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
}

/** Finite numbers (zod refuses NaN and ±Infinity as numbers), each with one rule in words. */
const FRACTION_RULE = 'must be a number between 0 and 1 (both excluded)';
const fraction = z.number({ error: FRACTION_RULE }).gt(0, { error: FRACTION_RULE }).lt(1, { error: FRACTION_RULE });
const positiveNumber = z.number({ error: 'must be a number above 0' }).gt(0, { error: 'must be a number above 0' });
const nonNegativeNumber = z.number({ error: 'must be a number of at least 0' }).min(0, { error: 'must be a number of at least 0' });

/** One of a fixed list of words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

const flag = z.boolean({ error: 'must be true or false' });
const text = z.string({ error: 'must be text' });
const nonEmptyText = text.min(1, { error: 'must not be empty' });
const httpPath = z.string({ error: 'must be an HTTP path starting with "/"' }).startsWith('/', { error: 'must be an HTTP path starting with "/"' });

const hostname = z
  .string()
  .max(253, { error: 'must be at most 253 characters' })
  .refine((h) => DNS1123_SUBDOMAIN.test(h.replace(/^\*\./, '')), {
    error: 'must be a DNS hostname (lowercase, dot-separated DNS-1123 labels, optionally starting with "*.")',
  });

/** A container image reference that names its version: a tag or a digest. */
const imageRef = z
  .string({ error: 'must be an image reference such as "registry.example.com/team/app:1.4.2"' })
  .regex(IMAGE, { error: 'must be an image reference such as "registry.example.com/team/app:1.4.2"' })
  .refine(hasTagOrDigest, { error: PINNED_IMAGE_RULE });

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
  // zod runs this check after a failed format check too: report one problem per value.
  if (!IMAGE.test(image) || !hasTagOrDigest(image)) return;
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

const quantity = (what: string) =>
  z.string({ error: `must be a positive Kubernetes quantity of ${what}` }).refine((q) => isQuantity(q) && parseQuantity(q) > 0, {
    error: `must be a positive Kubernetes quantity of ${what}`,
  });
const cpu = quantity('CPU, such as "500m" or "2"');
const memory = quantity('memory, such as "512Mi" or "2Gi"');
const storage = quantity('storage, such as "10Gi"');

const positiveInt = wholeNumber(1, INT32_MAX);
const port = wholeNumber(1024, 65535);
const seconds = (max: number) => wholeNumber(0, max, 'seconds');

const computeResources = z.strictObject({ cpu, memory });

/** Requests and limits of one container; requests must not exceed limits. */
const resourcesSchema = z
  .strictObject({ requests: computeResources, limits: computeResources })
  .superRefine((r, ctx) => {
    for (const key of ['cpu', 'memory'] as const) {
      // zod still runs this refinement when a field failed its own check.
      if (!isQuantity(r.requests[key]) || !isQuantity(r.limits[key])) continue;
      if (parseQuantity(r.requests[key]) > parseQuantity(r.limits[key])) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', key],
          input: r.requests[key],
          message: `must not exceed limits.${key} (${r.limits[key]})`,
        });
      }
    }
  });
export type Resources = z.infer<typeof resourcesSchema>;

const replicasSchema = z
  .strictObject({
    /** Replicas the HPA never goes below; also the Deployment's initial count. */
    min: positiveInt,
    /** Replicas the HPA never goes above. */
    max: positiveInt,
  })
  .superRefine((r, ctx) => {
    if (r.min > r.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], input: r.min, message: `must be ≤ replicas.max (${r.max})` });
    }
  });

const scalingRuleSchema = z.strictObject({
  /** Window over which past recommendations are considered. */
  stabilizationWindowSeconds: seconds(3600),
  /** At most this many pods added/removed per period. */
  pods: positiveInt,
  /** At most this percentage of current pods added/removed per period. */
  percent: wholeNumber(1, 1000, 'percent'),
  /** Length of the policy period (the API allows 1 to 1800). */
  periodSeconds: wholeNumber(1, 1800, 'seconds'),
});

/** Requests and limits of a container's local scratch space; the request must not exceed the limit. */
const ephemeralStorageSchema = z
  .strictObject({ request: storage, limit: storage })
  .superRefine((e, ctx) => {
    if (isQuantity(e.request) && isQuantity(e.limit) && parseQuantity(e.request) > parseQuantity(e.limit)) {
      ctx.addIssue({ code: 'custom', path: ['request'], input: e.request, message: `must not exceed limit (${e.limit})` });
    }
  });

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
  /** The container's HTTP port (named `http`); above 1023 because the pod runs as non-root. */
  port: port.default(8080),
  /** Port (named `metrics`) serving Prometheus metrics at `metricsPath`; none when unset. */
  metricsPort: port.optional(),
  /** @default "/metrics" */
  metricsPath: httpPath.default('/metrics'),
  /** HTTP path of the readiness probe, which may check the tier's dependencies. @default "/health" */
  healthPath: httpPath.default('/health'),
  /**
   * HTTP path of the startup and liveness probes; it must not check dependencies, or their
   * outage restarts every pod. @default a TCP check of the http port
   */
  livenessPath: httpPath.optional(),
  /** Scratch space of the container (its /tmp emptyDir, logs). @default { request: "256Mi", limit: "2Gi" } */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  autoscaling: z
    .strictObject({
      /**
       * Target average CPU utilization, % of requests; above 100 when pods may use more than they
       * request, up to what their limits allow (checked against the limits). @default 70
       */
      cpuUtilization: positiveInt.default(70),
      /** Target average memory utilization, % of requests; below what the memory limit allows. @default 80 */
      memoryUtilization: positiveInt.default(80),
      /** @default no window; +4 pods or +100% per 60 s, whichever is more (the HPA v2 default, made explicit) */
      scaleUp: scalingRuleSchema.default({ stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 }),
      /** @default 300 s window; -1 pod or -10% per 60 s, whichever is more */
      scaleDown: scalingRuleSchema.default({ stabilizationWindowSeconds: 300, pods: 1, percent: 10, periodSeconds: 60 }),
    })
    .prefault({}),
  /**
   * Spread over zones: "required" refuses to schedule a pod that would unbalance zones,
   * "preferred" only scores for balance (nodes without a zone label stay usable). @default "preferred"
   */
  zoneSpread: oneOf(['required', 'preferred']).default('preferred'),
  /** PodDisruptionBudget; none when unset. */
  disruptionBudget: z.strictObject({ minAvailable: positiveInt }).optional(),
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

const durationSeconds = wholeNumber(1, DURATION_SECONDS_MAX, 'seconds');

const rateLimitSchema = z.strictObject({
  /** Request path, matched exactly; a query string does not escape the limit. */
  path: z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/, { error: 'must be a URL path starting with "/", without query or fragment' }),
  /** @default "POST" */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Requests each client address may make per minute. */
  requestsPerMinute: wholeNumber(1, UINT32_MAX),
});

const edgeSchema = z
  .strictObject({
    /** Kubernetes Service type of the Envoy proxies. @default "LoadBalancer" */
    serviceType: z.enum(['LoadBalancer', 'ClusterIP', 'NodePort']).default('LoadBalancer'),
    /** Hostnames the listeners and routes answer for; any host when empty. @default [] */
    hostnames: z.array(hostname).max(16, { error: 'must list at most 16 hostnames' }).default([]),
    /** HTTPS listener on 443 with the certificate in this Secret (type kubernetes.io/tls) of the app namespace. */
    tls: tlsCertificate.optional(),
    /** Envoy proxy replicas. @default 2 */
    proxyReplicas: wholeNumber(1, INT32_MAX).default(2),
    /**
     * How the client's address reaches Envoy, for rate limits and logs: 0 = clients connect
     * directly (an L4 load balancer keeps their source address; X-Forwarded-For is not trusted);
     * N = through N proxies that append to X-Forwarded-For (a CDN, an L7 load balancer).
     * @default 0
     */
    trustedProxies: wholeNumber(0, UINT32_MAX).default(0),
    /** Upstream request timeout. @default 30 */
    requestTimeoutSeconds: durationSeconds.default(30),
    /** Upstream connect timeout (the scaling guide's proxy_connect_timeout). @default 30 */
    connectTimeoutSeconds: durationSeconds.default(30),
    /** Envoy's ceilings per backend (Envoy's "circuit breakers"). @default 1024 each */
    connectionLimits: z
      .strictObject({
        maxConnections: wholeNumber(1, UINT32_MAX).default(1024),
        maxPendingRequests: wholeNumber(1, UINT32_MAX).default(1024),
        maxParallelRequests: wholeNumber(1, UINT32_MAX).default(1024),
      })
      .prefault({}),
    /**
     * The scaling guide's circuit breaker, per backend pod: passive health checking ejects a pod
     * after consecutive 5xx (or connection failures) for a while. maxEjectionPercent: Envoy's
     * own 10 % ejects nothing below 10 pods; above 50 % Envoy balances over all pods anyway.
     * @default 5 errors, 60 s, 50 %
     */
    outlierDetection: z
      .strictObject({
        consecutiveServerErrors: wholeNumber(1, UINT32_MAX).default(5),
        ejectionSeconds: durationSeconds.default(60),
        maxEjectionPercent: wholeNumber(1, 100).default(50),
      })
      .prefault({}),
    /** Retries of requests that never reached a backend (connect failure, refused stream); 0 = none. @default 2 */
    connectRetries: wholeNumber(0, INT32_MAX).default(2),
    /**
     * Per-client rate limits on single endpoints (each client address counts separately).
     * @default [{ path: "/api/content/generate", method: "POST", requestsPerMinute: 10 }]
     */
    rateLimits: z
      .array(rateLimitSchema)
      .default([{ path: '/api/content/generate', method: 'POST', requestsPerMinute: 10 }]),
    /**
     * Where rate limit counters live: "local" in each Envoy replica (N proxies allow up to N×
     * the limit per client), "global" in Envoy Gateway's rate limit service with a Valkey the
     * platform stack deploys (exact across replicas).
     * @default "local"
     */
    rateLimitScope: z.enum(['local', 'global']).default('local'),
    /**
     * Wait after apply until the Gateway has an address, and output it as gateway_address (needs
     * Envoy Gateway running). Envoy Gateway gives ClusterIP and NodePort Gateways theirs as soon
     * as it creates the Service, and LoadBalancer ones when the load balancer does. The wait
     * needs a kubernetes_manifest, which makes every plan of the app stack read the cluster's
     * whole OpenAPI document (about 1.5 s more per plan); without it, the gateway output names
     * the Gateway whose status holds the address.
     * @default false
     */
    waitForAddress: z.boolean().default(false),
  })
  .superRefine((edge, ctx) => {
    // Envoy Gateway takes 16 local or 256 global rules; each limit needs two (IPv4 and IPv6).
    const max = edge.rateLimitScope === 'local' ? 8 : 128;
    if (edge.rateLimits.length > max) {
      ctx.addIssue({ code: 'custom', path: ['rateLimits'], input: edge.rateLimits.length, message: `must hold at most ${max} limits with rateLimitScope "${edge.rateLimitScope}"` });
    }
    const seen = new Map<string, number>();
    edge.rateLimits.forEach((r, i) => {
      const key = `${r.method} ${r.path}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['rateLimits', i], input: key, message: `must not repeat the method and path of rateLimits.${first}` });
      } else {
        seen.set(key, i);
      }
    });
  });

const poolerSchema = z.strictObject({
  /** PgBouncer pods. @default 2 */
  instances: positiveInt.default(2),
  /** Server connections per user/database pair (PgBouncer default_pool_size). */
  defaultPoolSize: positiveInt,
  /** Client connections PgBouncer accepts (max_client_conn). */
  maxClientConnections: positiveInt,
  resources: resourcesSchema.default({
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
  }),
  /** Scratch space of the pgbouncer container. @default { request: "128Mi", limit: "512Mi" } */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /** PgBouncer pods kept during drains; below instances. @default { minAvailable: 1 } from 2 instances on, none at 1 */
  disruptionBudget: z.strictObject({ minAvailable: positiveInt }).optional(),
});

const databaseSchema = z.strictObject({
  /**
   * Read replicas next to the primary (CloudNativePG `instances` = 1 + readReplicas). In prod at
   * least 1 (a standby to fail over to), unless `singleInstanceReason` says why one instance will do.
   */
  readReplicas: wholeNumber(0, 9),
  /**
   * Why prod runs a single instance: without a standby, a node loss is an outage until the
   * node or its volume comes back. Only with readReplicas 0. @default unset: prod needs a standby
   */
  singleInstanceReason: z
    .string({ error: 'must be text saying why one instance is enough' })
    .trim()
    .min(MIN_REASON_LENGTH, { error: `must say why one instance is enough, in at least ${MIN_REASON_LENGTH} characters` })
    .optional(),
  /** @default "app" */
  databaseName: dnsLabel.default('app'),
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
  /** Scratch space of each instance's containers (PGDATA is on its volume). @default { request: "256Mi", limit: "1Gi" } */
  ephemeralStorage: ephemeralStorageSchema.optional(),
  /** PostgreSQL max_connections, up to PostgreSQL's own maximum (MAX_BACKENDS, 2^18 − 1). @default 200 */
  maxConnections: wholeNumber(10, 262143).default(200),
  /** Connections kept for superusers and replication, not for poolers; fewer than maxConnections. @default 10 */
  reservedConnections: wholeNumber(0, 262142).default(10),
  /** Further PostgreSQL parameters (max_connections is set from maxConnections). @default {} */
  parameters: z
    .record(
      z.string().regex(/^[a-z_.]+$/, { error: 'must be a PostgreSQL parameter name: lowercase letters, "_" and "."' }),
      z.string({ error: 'must be text' }),
    )
    .default({}),
  /** The backend's SQLAlchemy-style pool, per process. */
  clientPool: z
    .strictObject({
      /** @default 20 */
      size: positiveInt.default(20),
      /** @default 30 */
      maxOverflow: wholeNumber(0, INT32_MAX).default(30),
      /** Worker processes per backend pod, each with its own pool. @default 1 */
      processesPerPod: positiveInt.default(1),
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
      schedule: z.string({ error: BACKUP_SCHEDULE_RULE }).superRefine((schedule, ctx) => {
        const problem = backupScheduleProblem(schedule);
        if (problem) ctx.addIssue({ code: 'custom', input: schedule, message: problem });
      }),
      /** Name of the plugin's ObjectStore resource in the app namespace. */
      objectStoreName: dnsSubdomain,
    })
    .optional(),
});

const cacheSchema = z.strictObject({
  /** Valkey pods: one primary, the rest replicas. */
  instances: positiveInt,
  /** @default config/versions.json images.valkey */
  image: imageRef.optional(),
  resources: resourcesSchema,
  /** maxmemory as a percentage of the memory limit; the rest is headroom for fragmentation and buffers. @default 75 */
  maxmemoryPercent: wholeNumber(10, 95, 'percent').default(75),
  /** An explicit maxmemory instead of maxmemoryPercent; must stay below the memory limit. */
  maxmemory: memory.optional(),
  /** The redis_exporter sidecar that serves the cache's metrics. */
  exporterResources: resourcesSchema.default({
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '100m', memory: '128Mi' },
  }),
  disruptionBudget: z.strictObject({ minAvailable: positiveInt }).optional(),
  /** Scratch space of the Valkey container (its /data and /tmp emptyDirs). @default { request: "128Mi", limit: "2Gi" } */
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

/** An objective in percent; below 93.06 % a 14.4× burn of the budget would exceed every request. */
const SLO_PERCENT_RULE = 'must be a percentage from 93.06 (so that a 14.4× burn of the error budget is possible) to below 100';
const sloPercent = z.number().min(93.06, { error: SLO_PERCENT_RULE }).lt(100, { error: SLO_PERCENT_RULE });

const tracingUrl = z
  .string()
  // No "@" anywhere: a password holding an unencoded "/" would otherwise pass as a path.
  .regex(/^https?:\/\/[^/@\s]+(\/[^@\s]*)?$/, { error: 'must be an http:// or https:// URL without credentials (put them in a Secret)' });
const samplingRatio = z.number().min(0).max(1, { error: 'must be a share of traces from 0 to 1' });
const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/;
/** Where the tracing endpoint runs: pods of another namespace, or addresses outside the cluster. */
const tracingPeer = z.union(
  [
    z.strictObject({ namespace: dnsLabel, pods: z.record(z.string().min(1), z.string()).optional() }),
    z.strictObject({ cidrs: z.array(z.string().regex(CIDR, { error: 'must be a CIDR such as "10.0.0.0/8"' })).min(1) }),
  ],
  { error: 'must be { namespace, pods } (pods of another namespace, pod labels optional) or { cidrs } (addresses outside the cluster)' },
);

const monitoringSchema = z.strictObject({
  /** @default "monitoring" */
  namespace: dnsLabel.default('monitoring'),
  /** How long Prometheus keeps samples. @default "15d" */
  retention: z
    .string({ error: 'must be a Prometheus duration such as "15d"' })
    .regex(/^\d+(ms|s|m|h|d|w|y)$/, { error: 'must be a Prometheus duration such as "15d"' })
    .default('15d'),
  storage: z.strictObject({ size: storage, storageClass: dnsSubdomain.optional() }),
  resources: resourcesSchema,
  /** @default { enabled: true } */
  grafana: z
    .strictObject({
      enabled: flag.default(true),
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
  /** Thresholds of the app's alert rules. */
  alerts: z
    .strictObject({
      /** @default 0.05 (5% of requests answered 5xx) */
      errorRatio: fraction.default(0.05),
      /** Traffic below which the 5xx ratio is not judged (one failed request at night is a 100% ratio). @default 1 */
      minRequestsPerSecond: z.number().nonnegative().max(1e6).default(1),
      /** @default 1 */
      p99LatencySeconds: positiveNumber.default(1),
      /** @default 1 */
      replicationLagSeconds: positiveNumber.default(1),
      /** @default 0.9 (90% of maxmemory) */
      cacheMemoryRatio: fraction.default(0.9),
    })
    .prefault({}),
  /**
   * Service-level objectives of the backend, each turned into recording rules and multi-window,
   * multi-burn-rate alerts; an objective replaces the threshold alert it covers
   * (availability: `alerts.errorRatio`, latency: `alerts.p99LatencySeconds`). None when unset.
   */
  slos: z
    .strictObject({
      /** Compliance window. @default 30 */
      windowDays: z.int().min(7).max(90, { error: 'must be a whole number of days from 7 to 90' }).default(30),
      /** Percent of backend responses that are not 5xx. */
      availability: z.strictObject({ objectivePercent: sloPercent }).optional(),
      /** Percent of backend requests faster than `thresholdSeconds`, a bucket bound of the backend's histogram. */
      latency: z.strictObject({ objectivePercent: sloPercent, thresholdSeconds: z.number().positive().max(3600) }).optional(),
    })
    .refine((s) => s.availability !== undefined || s.latency !== undefined, { error: 'must set availability, latency or both' })
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
        /** @default "http/protobuf" */
        protocol: z.enum(['grpc', 'http/protobuf']).default('http/protobuf'),
        /** Secret key (app namespace) holding OTEL_EXPORTER_OTLP_HEADERS; none when unset. */
        headers: z
          .strictObject(secretKeyRef.shape, { error: 'must be a reference to the key of a Secret, { secretName, key }: the headers carry credentials' })
          .register(secretBearing, { reason: 'OTLP headers carry credentials' })
          .optional(),
        peer: tracingPeer,
        /** @default 0.1 */
        samplingRatio: samplingRatio.default(0.1),
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
        /** @default 0.1 */
        samplingRatio: samplingRatio.default(0.1),
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
        vcpuHour: nonNegativeNumber,
        memoryGibHour: nonNegativeNumber,
        storageGibMonth: nonNegativeNumber,
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
        /** @default 200 */
        pods: positiveInt.default(200),
        /** @default 20 */
        persistentVolumeClaims: positiveInt.default(20),
        requestsStorage: storage,
      }),
      /** Defaults for containers that set no resources of their own. */
      limitRange: z
        .strictObject({
          defaultRequest: computeResources.default({ cpu: '100m', memory: '128Mi' }),
          default: computeResources.default({ cpu: '500m', memory: '512Mi' }),
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
    // Production rules: reproducible images and workloads that survive a voluntary disruption.
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
    const web = (path: string[], t: WebTierConfig): [string[], number, boolean] => [
      [...path, 'replicas', 'min'],
      t.replicas.min,
      t.disruptionBudget !== undefined,
    ];
    const tiers: [string[], number, boolean][] = [
      web(['backend'], env.backend),
      web(['frontend'], env.frontend),
      ...Object.entries(env.services).map(([name, t]) => web(['services', name], t)),
      [['cache', 'instances'], env.cache.instances, env.cache.disruptionBudget !== undefined],
    ];
    for (const [path, min, hasPdb] of tiers) {
      if (hasPdb && min < 2) {
        ctx.addIssue({ code: 'custom', path, input: min, message: 'must be at least 2 in prod for a tier with a PodDisruptionBudget' });
      }
    }
  });

export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;
