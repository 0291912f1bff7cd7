// @ts-nocheck
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { parseQuantity } from '../core/quantity';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkDrainable, checkImage, checkInteger, checkName, checkQuantity, invalidProp } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, type IConnectable, type Peer } from '../guardrails/connections';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { DisruptionBudget } from '../workload/disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from '../workload/pod-security';
import { HOST, spreadOver, ZONE } from '../workload/topology-spread';

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
}

export const VALKEY_PORT = 6379;
const EXPORTER_PORT = 9121;
/** The valkey user of the official image. */
const RUN_AS = { user: 999, group: 999 } as const;
const EXPORTER_RESOURCES: ResourceRequirements = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } };
const EPHEMERAL_STORAGE: EphemeralStorage = { request: '128Mi', limit: '2Gi' };
const EXPORTER_EPHEMERAL_STORAGE: EphemeralStorage = { request: '16Mi', limit: '64Mi' };

/** Valkey's maxmemory in bytes: the explicit value, or a share of the memory limit in whole MiB. */
export function valkeyMaxmemoryBytes(memoryLimit: string, maxmemory?: string, maxmemoryPercent = 75): number {
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
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    const { name, namespace } = props;
    checkName(this, 'name', name);
    checkImage(this, 'image', props.image);
    checkImage(this, 'exporterImage', props.exporterImage);
    checkInteger(this, 'instances', props.instances, 1);
    checkResources(this, 'resources', props.resources);
    const exporterResources = props.exporterResources ?? EXPORTER_RESOURCES;
    checkResources(this, 'exporterResources', exporterResources);
    const storage = props.ephemeralStorage ?? EPHEMERAL_STORAGE;
    const exporterStorage = props.exporterEphemeralStorage ?? EXPORTER_EPHEMERAL_STORAGE;
    checkEphemeralStorage(this, 'ephemeralStorage', storage);
    checkEphemeralStorage(this, 'exporterEphemeralStorage', exporterStorage);
    if (props.maxmemoryPercent !== undefined) checkInteger(this, 'maxmemoryPercent', props.maxmemoryPercent, 10, 95);
    if (props.maxmemory !== undefined) {
      checkQuantity(this, 'maxmemory', props.maxmemory);
      if (parseQuantity(props.maxmemory) >= parseQuantity(props.resources.limits.memory)) {
        invalidProp(this, 'maxmemory', props.maxmemory, `must be less than 'resources.limits.memory' (${JSON.stringify(props.resources.limits.memory)}), or Valkey is killed before it evicts`);
      }
    }
    if (props.disruptionBudget) checkDrainable(this, props.disruptionBudget.minAvailable, 'instances', props.instances);

    this.cacheName = name;
    this.instances = props.instances;
    this.maxmemoryBytes = valkeyMaxmemoryBytes(props.resources.limits.memory, props.maxmemory, props.maxmemoryPercent);
    this.memoryLimitBytes = parseQuantity(props.resources.limits.memory);
    const labels = componentLabels(name);
    this.podSelector = selectorLabels(name);
    this.footprint = { name, namespace, minReplicas: props.instances, maxReplicas: props.instances, containers: [props.resources, exporterResources] };
    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } }, defaultPorts: [VALKEY_PORT] });
    // Replicas stream from the primary.
    this.connections.allowInternally([VALKEY_PORT]);
    const headless = `${name}-headless`;

    const config = new ConfigMapV1(this, 'config', {
      metadata: { name: `${name}-config`, namespace, labels: { ...labels } },
      data: {
        'valkey.conf': [
          `port ${VALKEY_PORT}`,
          'bind * -::*',
          // Reachable only through the NetworkPolicies: no AUTH, so no password to manage.
          'protected-mode no',
          'dir /data',
          'save ""',
          'appendonly no',
          `maxmemory ${this.maxmemoryBytes}`,
          'maxmemory-policy allkeys-lru',
          'replica-read-only yes',
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
    // Stable DNS names for the pods, before they are ready, so replicas find the primary.
    const headlessService = service('headless', this.podSelector, { clusterIp: 'None', publishNotReadyAddresses: true });
    this.writeService = service('write', { ...this.podSelector, 'statefulset.kubernetes.io/pod-name': `${name}-0` });
    this.readService = service('read', this.podSelector);
    this.writeHost = `${name}-write.${namespace}.svc`;
    this.readHost = `${name}-read.${namespace}.svc`;

    const primary = `${name}-0.${headless}`;
    const start =
      `case "$HOSTNAME" in *-0) exec valkey-server /etc/valkey/valkey.conf ;; ` +
      `*) exec valkey-server /etc/valkey/valkey.conf --replicaof ${primary} ${VALKEY_PORT} ;; esac`;

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
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(RUN_AS),
            topologySpreadConstraint: [spreadOver(HOST, 'ScheduleAnyway', this.podSelector), spreadOver(ZONE, 'ScheduleAnyway', this.podSelector)],
            container: [
              {
                name: 'valkey',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', start],
                port: [{ name: 'valkey', containerPort: VALKEY_PORT }],
                resources: containerResources(props.resources, storage),
                startupProbe: { tcpSocket: [{ port: 'valkey' }], periodSeconds: 2, failureThreshold: 30 },
                readinessProbe: { exec: { command: ['valkey-cli', '-p', String(VALKEY_PORT), 'ping'] }, periodSeconds: 5, timeoutSeconds: 2 },
                livenessProbe: { tcpSocket: [{ port: 'valkey' }], periodSeconds: 10, failureThreshold: 3 },
                securityContext: restrictedContainerSecurityContext(),
                volumeMount: [
                  { name: 'config', mountPath: '/etc/valkey', readOnly: true },
                  { name: 'data', mountPath: '/data' },
                  TMP_MOUNT,
                ],
              },
              {
                name: 'exporter',
                image: props.exporterImage,
                imagePullPolicy: 'IfNotPresent',
                env: [{ name: 'REDIS_ADDR', value: `redis://localhost:${VALKEY_PORT}` }],
                port: [{ name: 'metrics', containerPort: EXPORTER_PORT }],
                resources: containerResources(exporterResources, exporterStorage),
                // Readiness may report Valkey's state; liveness only that the exporter answers.
                startupProbe: { tcpSocket: [{ port: 'metrics' }], periodSeconds: 2, failureThreshold: 30 },
                readinessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 10 },
                livenessProbe: { tcpSocket: [{ port: 'metrics' }], periodSeconds: 20 },
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
            volume: [
              { name: 'config', configMap: { name: config.metadata.name } },
              { name: 'data', emptyDir: { sizeLimit: '64Mi' } },
              TMP_VOLUME,
            ],
          },
        },
      },
      dependsOn: [headlessService],
    });

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
}
