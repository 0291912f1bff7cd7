import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { StatefulSetV1 } from '@cdktf/provider-kubernetes/lib/stateful-set-v1';
import { Construct } from 'constructs';
import type { EnvironmentConfig, Resources } from '../../config/schema';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { DisruptionBudget } from '../workload/disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from '../workload/pod-security';
import { HOST, spreadOver, ZONE } from '../workload/topology-spread';

export interface ValkeyCacheProps {
  /** Name of the StatefulSet; Services are `<name>-write`, `<name>-read` and `<name>-headless`. */
  readonly name: string;
  readonly namespace: string;
  /** Instances, resources, maxmemory and disruption budget. */
  readonly cache: EnvironmentConfig['cache'];
  /** Valkey image (pinned). */
  readonly image: string;
  /** redis_exporter image (pinned). */
  readonly exporterImage: string;
  /** Bytes Valkey may use for data before it evicts. */
  readonly maxmemoryBytes: number;
}

export const VALKEY_PORT = 6379;
export const EXPORTER_PORT = 9121;
/** The valkey user of the official image. */
const RUN_AS = { user: 999, group: 999 } as const;

/**
 * Valkey as a pure cache from its official image: a StatefulSet whose pod 0 is the primary and
 * the others replicate from it, with no RDB snapshots or AOF, `allkeys-lru` eviction below a
 * maxmemory that leaves headroom under the memory limit; a Service for writes (the primary), one
 * for reads (every instance), redis_exporter as a sidecar with a ServiceMonitor, and a PDB.
 * Failover is not automatic: a lost primary comes back as pod 0 with an empty cache.
 */
export class ValkeyCache extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly writeService: ServiceV1;
  readonly readService: ServiceV1;
  /** Labels of every cache pod. */
  readonly podSelector: Labels;
  readonly writeHost: string;
  readonly readHost: string;

  /** The props it was built from, for review tooling. */
  readonly props: ValkeyCacheProps;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    this.props = props;
    const { name, namespace, cache } = props;
    const labels = componentLabels(name);
    this.podSelector = selectorLabels(name);
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
          `maxmemory ${props.maxmemoryBytes}`,
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
    const resources = (r: Resources) => ({ requests: { ...r.requests }, limits: { ...r.limits } });

    this.statefulSet = new StatefulSetV1(this, 'statefulset', {
      metadata: { name, namespace, labels: { ...labels } },
      spec: {
        serviceName: headless,
        replicas: String(cache.instances),
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
                resources: resources(cache.resources),
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
                resources: resources(cache.exporterResources),
                startupProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 2, failureThreshold: 30 },
                readinessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/health', port: 'metrics' }, periodSeconds: 20 },
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

    // The read Service reaches every instance exactly once.
    new MetricsMonitor(this, 'monitor', {
      name,
      namespace,
      through: 'service',
      selector: { ...this.podSelector, 'app.kubernetes.io/component': 'read' },
    });

    if (cache.disruptionBudget !== undefined) {
      new DisruptionBudget(this, 'disruption-budget', {
        name,
        namespace,
        labels,
        selector: this.podSelector,
        minAvailable: cache.disruptionBudget.minAvailable,
      });
    }
  }
}
