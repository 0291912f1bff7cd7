import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import { Construct } from 'constructs';
import { pullPolicyFor } from '../core/image';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { parseQuantity } from '../core/quantity';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkDrainable, checkImage, checkInteger, checkName, checkQuantity, INT32_MAX, invalidProp, requireProp, SECRET_KEY, SECRET_KEY_RULE } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, type IConnectable, type Peer } from '../guardrails/connections';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { ValkeyMetrics } from './valkey-metrics';
import { DisruptionBudget } from '../workload/disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSettings, TMP_MOUNT, TMP_VOLUME, UNPRIVILEGED } from '../workload/pod-security';
import { HOST, spreadOver, ZONE } from '../workload/topology-spread';
import type { EnvVar } from '../workload/web-service';
import { VALKEY_PORT, valkeyConfigLines, valkeyContainer, valkeyDirectives, type ValkeyDirective } from './valkey-pod';

/** The password every client, replica and probe of the cache gives, from a Secret made outside Terraform. */
export interface ValkeyAuth {
  /** Secret in the cache's namespace holding the password; created before deploy, so no value reaches the plan or the state. */
  readonly secretName: string;
  /** Key of the password in the Secret. @default "password" */
  readonly key?: string;
}

/** TLS on Valkey's port, for clients and replication alike. */
export interface ValkeyTls {
  /**
   * A kubernetes.io/tls Secret with `tls.crt`, `tls.key` and `ca.crt`; the certificate names
   * every host of `ValkeyCache.tlsDnsNames` (clients check the Services' names, the exporter
   * "localhost").
   */
  readonly certificateSecretName: string;
}

/** Names of the variables `ValkeyCache.connectionEnv` writes. */
export interface CacheClientEnvNames {
  /** The password, from the Secret, which the URLs refer to. @default "CACHE_PASSWORD" */
  readonly password?: string;
  /** URL of the primary, for writes. @default "REDIS_URL" */
  readonly writeUrl?: string;
  /** URL of every instance, for reads; `false` for none. @default "REDIS_READ_URL" */
  readonly readUrl?: string | false;
}

export interface ValkeyCacheProps {
  /** Name of the StatefulSet; Services are `<name>-write`, `<name>-read` and `<name>-headless`. */
  readonly name: string;
  readonly namespace: string;
  /** Valkey image, pinned by a tag or a digest. */
  readonly image: string;
  /** redis_exporter image, pinned by a tag or a digest. */
  readonly exporterImage: string;
  /** Valkey pods: pod 0 is the primary, the others its replicas. */
  readonly instances: number;
  readonly resources: ResourceRequirements;
  /** @default requests 50m / 64Mi, limits 100m / 128Mi */
  readonly exporterResources?: ResourceRequirements;
  /** Data Valkey keeps before it evicts, below the memory limit. @default `maxmemoryPercent` of the memory limit */
  readonly maxmemory?: string;
  /** maxmemory as a percentage (10–95) of the memory limit; the rest is headroom. @default 75 */
  readonly maxmemoryPercent?: number;
  /** Scratch space of the Valkey container (emptyDirs at /data and /tmp). @default { request: "128Mi", limit: "2Gi" } */
  readonly ephemeralStorage?: EphemeralStorage;
  /** Scratch space of the exporter, which writes nothing. @default { request: "16Mi", limit: "64Mi" } */
  readonly exporterEphemeralStorage?: EphemeralStorage;
  /** Pods kept during voluntary disruptions; below `instances`. @default no PodDisruptionBudget */
  readonly disruptionBudget?: { readonly minAvailable: number };
  /** Prometheus' pods: they get a ServiceMonitor and a flow to the exporter. @default no ServiceMonitor */
  readonly scrapedBy?: Peer;
  /** The password Valkey requires (`requirepass`), replicas give their primary (`masterauth`) and clients, probe and exporter send. */
  readonly auth: ValkeyAuth;
  /** @default no TLS: plain TCP, inside the NetworkPolicies */
  readonly tls?: ValkeyTls;
}

const EXPORTER_PORT = 9121;
const AUTH_KEY = 'password';
const CLIENT_ENV: Required<CacheClientEnvNames> = { password: 'CACHE_PASSWORD', writeUrl: 'REDIS_URL', readUrl: 'REDIS_READ_URL' };
/**
 * Written at start from the Secret by the start script, so no ConfigMap, argument or state holds
 * the password; in memory (an emptyDir of medium Memory), so no disk of the node does either.
 */
const AUTH_DIR = '/run/valkey';
const AUTH_CONF = `${AUTH_DIR}/auth.conf`;
/** Where the certificate Secret is mounted. */
const TLS_DIR = '/tls';
const CA_FILE = `${TLS_DIR}/ca.crt`;
/**
 * Characters the password may hold: the kubelet puts it into the clients' URLs unencoded, and
 * the start script into a quoted `requirepass` line.
 */
const PASSWORD_CHARS = 'A-Za-z0-9._~-';
/** The defaults of {@link ValkeyCacheProps}. */
export const VALKEY_DEFAULTS = {
  maxmemoryPercent: 75,
  exporterResources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
} as const;
/** Bounds of {@link ValkeyCacheProps.maxmemoryPercent}: at least 5 % headroom, at most 90 %. */
export const MAXMEMORY_PERCENT = { min: 10, max: 95, unit: 'percent' } as const;
const EPHEMERAL_STORAGE: EphemeralStorage = { request: '128Mi', limit: '2Gi' };
const EXPORTER_EPHEMERAL_STORAGE: EphemeralStorage = { request: '16Mi', limit: '64Mi' };

/** Valkey's maxmemory in bytes: the explicit value, or a share of the memory limit in whole MiB. */
export function valkeyMaxmemoryBytes(memoryLimit: string, maxmemory?: string, maxmemoryPercent: number = VALKEY_DEFAULTS.maxmemoryPercent): number {
  if (maxmemory !== undefined) return parseQuantity(maxmemory);
  return Math.floor((parseQuantity(memoryLimit) * maxmemoryPercent) / 100 / 2 ** 20) * 2 ** 20;
}

/**
 * Valkey as a pure cache from its official image: a StatefulSet whose pod 0 is the primary and
 * the others replicate from it, with no RDB snapshots or AOF, `allkeys-lru` eviction below a
 * maxmemory that leaves headroom under the memory limit; a Service for writes (the primary), one
 * for reads (every instance), redis_exporter as a sidecar with a ServiceMonitor, and a PDB.
 * Failover is not automatic: a lost primary comes back as pod 0 with an empty cache.
 */
export class ValkeyCache extends Construct implements IConnectable, Workload {
  readonly statefulSet: StatefulSetV1;
  readonly writeService: ServiceV1;
  readonly readService: ServiceV1;
  readonly cacheName: string;
  readonly instances: number;
  /** Labels of every cache pod. */
  readonly podSelector: Labels;
  /** The primary, for writes. */
  readonly writeHost: string;
  /** Every instance, for reads. */
  readonly readHost: string;
  readonly port = VALKEY_PORT;
  readonly maxmemoryBytes: number;
  /** The Valkey container's memory limit, bytes. */
  readonly memoryLimitBytes: number;
  readonly metricsMonitor?: MetricsMonitor;
  /** The series its exporter serves and the alerts that belong to them. */
  readonly metrics: ValkeyMetrics;
  readonly connections: Connections;
  readonly footprint: PodFootprint;
  /** "rediss" with TLS, "redis" without. */
  readonly scheme: 'redis' | 'rediss';
  /** Hosts the TLS certificate must name: the Services, the pods (replication) and localhost (the exporter). */
  readonly tlsDnsNames: readonly string[];
  private readonly auth: Required<ValkeyAuth>;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    const { name, namespace } = props;
    checkName(this, 'name', name);
    checkImage(this, 'image', props.image);
    checkImage(this, 'exporterImage', props.exporterImage);
    checkInteger(this, 'instances', props.instances, 1, INT32_MAX, 'pods');
    checkResources(this, 'resources', props.resources);
    const exporterResources = props.exporterResources ?? VALKEY_DEFAULTS.exporterResources;
    checkResources(this, 'exporterResources', exporterResources);
    const storage = props.ephemeralStorage ?? EPHEMERAL_STORAGE;
    const exporterStorage = props.exporterEphemeralStorage ?? EXPORTER_EPHEMERAL_STORAGE;
    checkEphemeralStorage(this, 'ephemeralStorage', storage);
    checkEphemeralStorage(this, 'exporterEphemeralStorage', exporterStorage);
    if (props.maxmemoryPercent !== undefined) checkInteger(this, 'maxmemoryPercent', props.maxmemoryPercent, MAXMEMORY_PERCENT.min, MAXMEMORY_PERCENT.max, MAXMEMORY_PERCENT.unit);
    if (props.maxmemory !== undefined) {
      checkQuantity(this, 'maxmemory', props.maxmemory);
      if (parseQuantity(props.maxmemory) >= parseQuantity(props.resources.limits.memory)) {
        invalidProp(this, 'maxmemory', props.maxmemory, `must be less than 'resources.limits.memory' (${JSON.stringify(props.resources.limits.memory)}), or Valkey is killed before it evicts`);
      }
    }
    if (props.disruptionBudget) checkDrainable(this, props.disruptionBudget.minAvailable, 'instances', props.instances);
    requireProp(this, 'auth', props.auth, props.auth !== undefined, 'must name the Secret holding the password ({ secretName, key }): a cache without AUTH is refused');
    const secretName = props.auth.secretName;
    requireProp(this, 'auth.secretName', secretName, typeof secretName === 'string' && secretName !== '', 'must name the pre-created Secret holding the password: a cache without AUTH is refused');
    checkName(this, 'auth.secretName', secretName);
    const key = props.auth.key ?? AUTH_KEY;
    requireProp(this, 'auth.key', key, SECRET_KEY.test(key), SECRET_KEY_RULE);
    const tls = props.tls;
    if (tls !== undefined) {
      const cert = tls.certificateSecretName;
      requireProp(this, 'tls.certificateSecretName', cert, typeof cert === 'string' && cert !== '', 'must name a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt: TLS needs a certificate');
      checkName(this, 'tls.certificateSecretName', cert);
    }

    this.cacheName = name;
    this.instances = props.instances;
    this.auth = { secretName, key };
    this.scheme = tls ? 'rediss' : 'redis';
    this.maxmemoryBytes = valkeyMaxmemoryBytes(props.resources.limits.memory, props.maxmemory, props.maxmemoryPercent);
    this.memoryLimitBytes = parseQuantity(props.resources.limits.memory);
    const labels = componentLabels(this, name);
    this.podSelector = selectorLabels(this, name);
    this.footprint = { name, namespace, minReplicas: props.instances, maxReplicas: props.instances, containers: [props.resources, exporterResources] };
    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } }, defaultPorts: [VALKEY_PORT] });
    // Replicas stream from the primary.
    this.connections.allowInternally([VALKEY_PORT]);
    const headless = `${name}-headless`;

    const listen: ValkeyDirective[] | undefined = tls
      ? [
          ['port', '0'],
          ['tls-port', String(VALKEY_PORT)],
          ['tls-cert-file', `${TLS_DIR}/tls.crt`],
          ['tls-key-file', `${TLS_DIR}/tls.key`],
          ['tls-ca-cert-file', CA_FILE],
          ['tls-replication', 'yes'],
          // Clients prove who they are with the password, not a certificate.
          ['tls-auth-clients', 'no'],
        ]
      : undefined;
    const config = new ConfigMapV1(this, 'config', {
      metadata: { name: `${name}-config`, namespace, labels: { ...labels } },
      data: {
        'valkey.conf': [
          ...valkeyConfigLines([
            // Should the password be missing, Valkey answers on loopback only.
            ...valkeyDirectives({ listen, protectedMode: true, dir: '/data', maxmemory: String(this.maxmemoryBytes), maxmemoryPolicy: 'allkeys-lru' }),
            ['replica-read-only', 'yes'],
            // requirepass and masterauth, written by the start script from the Secret.
            ['include', AUTH_CONF],
          ]),
          '',
        ].join('\n'),
      },
    });

    const service = (role: string, selector: Labels, extra: { clusterIp?: string; publishNotReadyAddresses?: boolean } = {}) =>
      new ServiceV1(this, role, {
        metadata: { name: `${name}-${role}`, namespace, labels: { ...labels, 'app.kubernetes.io/component': role } },
        spec: {
          type: 'ClusterIP',
          selector: { ...selector },
          port: [
            { name: 'valkey', port: VALKEY_PORT, targetPort: 'valkey', protocol: 'TCP' },
            { name: 'metrics', port: EXPORTER_PORT, targetPort: 'metrics', protocol: 'TCP' },
          ],
          ...extra,
        },
      });
    // The StatefulSet names its pods `<name>-<ordinal>`; pod 0 is the primary.
    const podName = (ordinal: number | string) => `${name}-${ordinal}`;
    // Stable DNS names for the pods, before they are ready, so replicas find the primary.
    const headlessService = service('headless', this.podSelector, { clusterIp: 'None', publishNotReadyAddresses: true });
    this.writeService = service('write', { ...this.podSelector, 'statefulset.kubernetes.io/pod-name': podName(0) });
    this.readService = service('read', this.podSelector);
    this.writeHost = `${name}-write.${namespace}.svc`;
    this.readHost = `${name}-read.${namespace}.svc`;
    this.tlsDnsNames = [this.writeHost, this.readHost, `*.${headless}.${namespace}.svc`, 'localhost'];

    const primary = `${podName(0)}.${headless}`;
    // The password comes in REDISCLI_AUTH (valkey-cli reads it too, so the probe needs no argument);
    // printf is a shell builtin, so it is in no process' arguments.
    const start =
      `case "$REDISCLI_AUTH" in ''|*[!${PASSWORD_CHARS}]*) ` +
      `echo "the password in Secret '${secretName}', key '${key}', must be non-empty and only letters, digits, '.', '_', '~' and '-' (it goes into the clients' URLs unencoded)" >&2; exit 1 ;; esac; ` +
      `umask 077; printf 'requirepass "%s"\\nmasterauth "%s"\\n' "$REDISCLI_AUTH" "$REDISCLI_AUTH" > ${AUTH_CONF}; ` +
      `case "$HOSTNAME" in *-0) exec valkey-server /etc/valkey/valkey.conf ;; ` +
      `*) exec valkey-server /etc/valkey/valkey.conf --replicaof ${primary} ${VALKEY_PORT} ;; esac`;
    const password = (envName: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: secretName, key } } });

    this.statefulSet = new StatefulSetV1(this, 'statefulset', {
      metadata: { name, namespace, labels: { ...labels } },
      spec: {
        serviceName: headless,
        replicas: String(props.instances),
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { ...this.podSelector } },
        updateStrategy: [{ type: 'RollingUpdate' }],
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            ...restrictedPodSettings(UNPRIVILEGED),
            topologySpreadConstraint: [spreadOver(HOST, 'ScheduleAnyway', this.podSelector), spreadOver(ZONE, 'ScheduleAnyway', this.podSelector)],
            container: [
              valkeyContainer({
                image: props.image,
                command: ['sh', '-c', start],
                env: [password('REDISCLI_AUTH')],
                resources: containerResources(props.resources, storage),
                cliOptions: tls ? ['--tls', '--cacert', CA_FILE] : [],
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/valkey', readOnly: true },
                  { name: 'data', mountPath: '/data' },
                  TMP_MOUNT,
                  { name: 'auth', mountPath: AUTH_DIR },
                  ...(tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
                ],
              }),
              {
                name: 'exporter',
                image: props.exporterImage,
                imagePullPolicy: pullPolicyFor(props.exporterImage),
                // The certificate names localhost for it (tlsDnsNames): the exporter checks the host name.
                env: [
                  { name: 'REDIS_ADDR', value: `${this.scheme}://localhost:${VALKEY_PORT}` },
                  password('REDIS_PASSWORD'),
                  ...(tls ? [{ name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: CA_FILE }] : []),
                ],
                port: [{ name: 'metrics', containerPort: EXPORTER_PORT }],
                resources: containerResources(exporterResources, exporterStorage),
                // Readiness may report Valkey's state; liveness only that the exporter answers.
                startupProbe: { tcpSocket: [{ port: 'metrics' }], periodSeconds: 2, failureThreshold: 30 },
                readinessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: [{ port: 'metrics' }], periodSeconds: 20 },
                securityContext: restrictedContainerSecurityContext(),
                // The CA only: the exporter has no use for the private key.
                ...(tls ? { volumeMount: [{ name: 'tls-ca', mountPath: TLS_DIR, readOnly: true }] } : {}),
              },
            ],
            volume: [
              { name: 'config', configMap: { name: config.metadata.name } },
              { name: 'data', emptyDir: { sizeLimit: '64Mi' } },
              TMP_VOLUME,
              { name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
              ...(tls
                ? [
                    // Readable by the pod's group (fsGroup) only.
                    { name: 'tls', secret: { secretName: tls.certificateSecretName, defaultMode: '0440' } },
                    { name: 'tls-ca', secret: { secretName: tls.certificateSecretName, defaultMode: '0440', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  ]
                : []),
            ],
          },
        },
      },
      dependsOn: [headlessService],
    });

    this.metrics = new ValkeyMetrics(namespace, podName('[0-9]+'));
    if (props.scrapedBy) {
      // The read Service reaches every instance exactly once.
      this.metricsMonitor = new MetricsMonitor(this, 'monitor', {
        name,
        namespace,
        through: 'service',
        selector: { ...this.podSelector, 'app.kubernetes.io/component': 'read' },
      });
      this.connections.allowFrom(props.scrapedBy, [EXPORTER_PORT]);
    }

    if (props.disruptionBudget !== undefined) {
      new DisruptionBudget(this, 'disruption-budget', {
        name,
        namespace,
        labels,
        selector: this.podSelector,
        minAvailable: props.disruptionBudget.minAvailable,
      });
    }
  }

  /**
   * What a client container needs: the password from the Secret first, then the URLs that refer
   * to it, which the kubelet fills in (`$(CACHE_PASSWORD)`), so the password never enters the
   * plan or the state. Keep them in this order, ahead of anything that refers to them.
   */
  connectionEnv(names: CacheClientEnvNames = {}): EnvVar[] {
    const { password, writeUrl, readUrl } = { ...CLIENT_ENV, ...names };
    const url = (host: string) => `${this.scheme}://:$(${password})@${host}:${this.port}/0`;
    return [
      { name: password, secretKeyRef: { ...this.auth } },
      { name: writeUrl, value: url(this.writeHost) },
      ...(readUrl === false ? [] : [{ name: readUrl, value: url(this.readHost) }]),
    ];
  }
}
