/**
 * The typed configuration of one environment, validated with zod at synth.
 *
 * Every object is strict (unknown keys are errors, so a typo never silently falls back to a
 * default) and every default is written here once; `z.input<typeof EnvironmentSchema>` is what
 * an environment file may say, `EnvironmentConfig` is what the constructs receive.
 */
import { z } from 'zod';
import { isQuantity, parseQuantity } from './quantity';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// registry/path:tag or registry/path@sha256:digest (optionally both); the tag is what follows
// the last ':' after the last '/'.
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** A DNS-1123 label: the name rule for Kubernetes namespaces, Services and most objects. */
const dnsLabel = z
  .string()
  .max(63, { error: 'must be at most 63 characters (DNS-1123 label)' })
  .regex(DNS1123_LABEL, {
    error: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
  });

const hostname = z
  .string()
  .max(253, { error: 'must be at most 253 characters' })
  .refine((h) => DNS1123_SUBDOMAIN.test(h.replace(/^\*\./, '')), {
    error: 'must be a DNS hostname (lowercase, dot-separated DNS-1123 labels, optionally starting with "*.")',
  });

/** A container image reference that names its version: a tag or a digest. */
const imageRef = z
  .string()
  .regex(IMAGE, { error: 'must be an image reference such as "registry.example.com/team/app:1.4.2"' })
  .refine(hasTagOrDigest, { error: 'must be pinned with a tag or a digest (":1.4.2" or "@sha256:…")' });

export function hasTagOrDigest(image: string): boolean {
  return image.includes('@sha256:') || imageTag(image) !== undefined;
}

/** The tag of an image reference, if it has one. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

const quantity = (what: string) =>
  z.string().refine((q) => isQuantity(q) && parseQuantity(q) > 0, {
    error: `must be a positive Kubernetes quantity of ${what}`,
  });
const cpu = quantity('CPU, such as "500m" or "2"');
const memory = quantity('memory, such as "512Mi" or "2Gi"');
const storage = quantity('storage, such as "10Gi"');

const positiveInt = z.int().min(1, { error: 'must be a whole number of at least 1' });
const percent = z.int().min(1).max(100, { error: 'must be a whole percentage from 1 to 100' });
const seconds = (max: number) => z.int().min(0).max(max, { error: `must be a whole number of seconds from 0 to ${max}` });

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
  percent: z.int().min(1).max(1000, { error: 'must be a whole percentage from 1 to 1000' }),
  /** Length of the policy period. */
  periodSeconds: z.int().min(1).max(1800, { error: 'must be a whole number of seconds from 1 to 1800' }),
});

const secretKeyRef = z.strictObject({ secretName: dnsLabel, key: z.string().regex(/^[-._a-zA-Z0-9]+$/) });

const envName = z.string().regex(ENV_VAR_NAME, { error: 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' });

const webTierSchema = z.strictObject({
  /** Container image, pinned by tag or digest. */
  image: imageRef,
  replicas: replicasSchema,
  resources: resourcesSchema,
  /** The container's HTTP port (named `http`); above 1023 because the pod runs as non-root. */
  port: z.int().min(1024).max(65535).default(8080),
  /** Port (named `metrics`) serving Prometheus metrics at `metricsPath`; none when unset. */
  metricsPort: z.int().min(1024).max(65535).optional(),
  /** @default "/metrics" */
  metricsPath: z.string().startsWith('/').default('/metrics'),
  /** HTTP path of the startup, readiness and liveness probes. @default "/health" */
  healthPath: z.string().startsWith('/').default('/health'),
  autoscaling: z
    .strictObject({
      /** Target average CPU utilization, % of requests. @default 70 */
      cpuUtilization: percent.default(70),
      /** Target average memory utilization, % of requests. @default 80 */
      memoryUtilization: percent.default(80),
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
  zoneSpread: z.enum(['required', 'preferred']).default('preferred'),
  /** PodDisruptionBudget; none when unset. */
  disruptionBudget: z.strictObject({ minAvailable: positiveInt }).optional(),
  /** Plain environment variables (no secrets: use secretEnv). @default {} */
  env: z.record(envName, z.string()).default({}),
  /** Environment variables read from Secrets at run time, so no value reaches Terraform. @default {} */
  secretEnv: z.record(envName, secretKeyRef).default({}),
});
export type WebTierConfig = z.infer<typeof webTierSchema>;

/** Envoy Gateway's uint32 fields (connection ceilings, rate limit requests, trusted hops). */
const UINT32_MAX = 4_294_967_295;
/** Gateway API Durations allow at most five digits per unit. */
const DURATION_SECONDS_MAX = 99_999;
const wholeNumber = (min: number, max: number) =>
  z.int().min(min, { error: `must be a whole number from ${min} to ${max}` }).max(max, { error: `must be a whole number from ${min} to ${max}` });
const durationSeconds = wholeNumber(1, DURATION_SECONDS_MAX);

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
    tls: z.strictObject({ certificateSecretName: dnsLabel }).optional(),
    /** Envoy proxy replicas. @default 2 */
    proxyReplicas: wholeNumber(1, 2_147_483_647).default(2),
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
    connectRetries: wholeNumber(0, 2_147_483_647).default(2),
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
     * Wait after apply until the Gateway has an address (needs Envoy Gateway running). Envoy
     * Gateway gives ClusterIP and NodePort Gateways theirs as soon as it creates the Service, and
     * LoadBalancer ones when the load balancer does. Without waiting, the gateway_address output is
     * read once at apply ("pending" if too early) and the next plan shows it change.
     * @default true
     */
    waitForAddress: z.boolean().default(true),
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
});

const databaseSchema = z.strictObject({
  /** Read replicas next to the primary (CloudNativePG `instances` = 1 + readReplicas). */
  readReplicas: z.int().min(0).max(9),
  /** @default "app" */
  databaseName: dnsLabel.default('app'),
  /** Image of the PostgreSQL instances. @default config/versions.json images.postgres */
  image: imageRef.optional(),
  storage: z.strictObject({
    size: storage,
    /** StorageClass; the cluster default when unset. */
    storageClass: dnsLabel.optional(),
  }),
  resources: resourcesSchema,
  /** PostgreSQL max_connections. @default 200 */
  maxConnections: z.int().min(10).max(10000).default(200),
  /** Connections kept for superusers and replication, not for poolers. @default 10 */
  reservedConnections: z.int().min(0).max(1000).default(10),
  /** Further PostgreSQL parameters (max_connections is set from maxConnections). @default {} */
  parameters: z.record(z.string().regex(/^[a-z_.]+$/), z.string()).default({}),
  /** The backend's SQLAlchemy-style pool, per process. */
  clientPool: z
    .strictObject({
      /** @default 20 */
      size: positiveInt.default(20),
      /** @default 30 */
      maxOverflow: z.int().min(0).default(30),
      /** Worker processes per backend pod, each with its own pool. @default 1 */
      processesPerPod: positiveInt.default(1),
    })
    .prefault({}),
  poolers: z.strictObject({ rw: poolerSchema, ro: poolerSchema }),
  /** Scheduled base backups through the Barman Cloud plugin; off when unset. */
  backup: z
    .strictObject({
      /** Cron schedule with seconds, as CloudNativePG expects ("0 0 2 * * *"). */
      schedule: z.string().regex(/^(\S+\s+){5}\S+$/, { error: 'must be a six-field cron schedule (with seconds)' }),
      /** Name of the plugin's ObjectStore resource in the app namespace. */
      objectStoreName: dnsLabel,
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
  maxmemoryPercent: z.int().min(10).max(95).default(75),
  /** An explicit maxmemory instead of maxmemoryPercent; must stay below the memory limit. */
  maxmemory: memory.optional(),
  /** The redis_exporter sidecar that serves the cache's metrics. */
  exporterResources: resourcesSchema.default({
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '100m', memory: '128Mi' },
  }),
  disruptionBudget: z.strictObject({ minAvailable: positiveInt }).optional(),
});

const monitoringSchema = z.strictObject({
  /** @default "monitoring" */
  namespace: dnsLabel.default('monitoring'),
  /** How long Prometheus keeps samples. @default "15d" */
  retention: z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, { error: 'must be a Prometheus duration such as "15d"' }).default('15d'),
  storage: z.strictObject({ size: storage, storageClass: dnsLabel.optional() }),
  resources: resourcesSchema,
  /** @default { enabled: true } */
  grafana: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Existing Secret with `admin-user` and `admin-password`; the chart generates one when unset. */
      adminSecretName: dnsLabel.optional(),
    })
    .prefault({}),
  /** Alertmanager webhook receiver whose URL is read from a Secret in the monitoring namespace. */
  alertWebhook: secretKeyRef.optional(),
  /** Thresholds of the app's alert rules. */
  alerts: z
    .strictObject({
      /** @default 0.05 (5% of requests answered 5xx) */
      errorRatio: z.number().gt(0).lt(1).default(0.05),
      /** @default 1 */
      p99LatencySeconds: z.number().positive().default(1),
      /** @default 1 */
      replicationLagSeconds: z.number().positive().default(1),
      /** @default 0.9 (90% of maxmemory) */
      cacheMemoryRatio: z.number().gt(0).lt(1).default(0.9),
    })
    .prefault({}),
});

const stateSchema = z.discriminatedUnion('backend', [
  z.strictObject({
    backend: z.literal('local'),
    /** @default "terraform.<stack>.tfstate" in the stack's directory */
    path: z.string().optional(),
  }),
  z.strictObject({
    backend: z.literal('s3'),
    bucket: z.string().min(3),
    /** Key prefix; the stack name is appended. */
    keyPrefix: z.string().default('web-topology'),
    region: z.string().min(1),
    /** @default true */
    encrypt: z.boolean().default(true),
    useLockfile: z.boolean().default(true),
  }),
  z.strictObject({
    backend: z.literal('kubernetes'),
    /** Namespace of the state Secrets. @default "kube-system" */
    namespace: dnsLabel.default('kube-system'),
    /** Secret suffix prefix; the stack name is appended. @default "web-topology" */
    secretSuffixPrefix: dnsLabel.default('web-topology'),
  }),
]);

export const EnvironmentSchema = z
  .strictObject({
    /** Environment name; prefixes the stacks. */
    name: dnsLabel,
    /** How Terraform reaches the cluster. */
    cluster: z
      .strictObject({
        /** @default "~/.kube/config" */
        kubeconfigPath: z.string().min(1).default('~/.kube/config'),
        /** kubeconfig context; the current context when unset. */
        context: z.string().min(1).optional(),
      })
      .prefault({}),
    /** @default { backend: "local" } */
    state: stateSchema.default({ backend: 'local' }),
    /** Unit prices for the capacity report's cost estimate; no estimate when unset. */
    prices: z
      .strictObject({
        /** @default "USD" */
        currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be a three-letter currency code' }).default('USD'),
        vcpuHour: z.number().nonnegative(),
        memoryGibHour: z.number().nonnegative(),
        storageGibMonth: z.number().nonnegative(),
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
    if (env.name !== 'prod') return;
    // Production rules: reproducible images and workloads that survive a voluntary disruption.
    const images: [string, string | undefined][] = [
      ['backend.image', env.backend.image],
      ['frontend.image', env.frontend.image],
      ['database.image', env.database.image],
      ['cache.image', env.cache.image],
    ];
    for (const [path, image] of images) {
      if (image !== undefined && imageTag(image) === 'latest' && !image.includes('@sha256:')) {
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
