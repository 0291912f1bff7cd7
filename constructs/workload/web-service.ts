import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import { addDependency } from '../core/construct-dependencies';
import { pullPolicyFor } from '../core/image';
import { componentLabels, selectorLabels, type Labels } from '../core/labels';
import { checkEphemeralStorage, checkResources, containerResources, type EphemeralStorage, type ResourceRequirements } from '../core/resources';
import { checkDrainable, checkImage, checkInteger, checkName, checkPath, invalidProp } from '../core/validation';
import type { PodFootprint, Workload } from '../core/workload';
import { Connections, type IConnectable, type Peer } from '../guardrails/connections';
import { MetricsMonitor } from '../monitoring/metrics-monitor';
import { Autoscaler, checkReplicas, type AutoscalingOptions, type ReplicaRange } from './autoscaler';
import { DisruptionBudget } from './disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME, UNPRIVILEGED } from './pod-security';
import { HOST, spreadOver, ZONE } from './topology-spread';

/** A reference to one key of a Secret in the same namespace. */
export interface SecretKeyRef {
  readonly secretName: string;
  readonly key: string;
}

/** A container environment variable: a literal, or a Secret key resolved by the kubelet. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretKeyRef: SecretKeyRef };

/** Prometheus metrics served by the container. */
export interface MetricsEndpoint {
  /** Container port (named `metrics`), 1024–65535. */
  readonly port: number;
  /** @default "/metrics" */
  readonly path?: string;
  /** Prometheus' pods: they get a ServiceMonitor and a flow to the port. */
  readonly scrapedBy: Peer;
}

/** The defaults of {@link WebServiceProps} and {@link MetricsEndpoint}. */
export const WEB_SERVICE_DEFAULTS = {
  port: 8080,
  servicePort: 80,
  readinessPath: '/health',
  metricsPath: '/metrics',
  zoneSpread: 'preferred',
  ephemeralStorage: { request: '256Mi', limit: '2Gi' },
} as const;
/** The container's ports: above 1023, as the pod runs as non-root. */
export const CONTAINER_PORTS = { min: 1024, max: 65_535 } as const;

export interface WebServiceProps {
  /** Name of the Deployment, Service, ServiceAccount, HPA and PDB; also the container's name. */
  readonly name: string;
  readonly namespace: string;
  /** Container image, pinned by a tag or a digest. */
  readonly image: string;
  /** HPA bounds; the Deployment starts at `min`. */
  readonly replicas: ReplicaRange;
  readonly resources: ResourceRequirements;
  /**
   * Scratch space of the container, which writes to an emptyDir at /tmp.
   * @default { request: "256Mi", limit: "2Gi" }
   */
  readonly ephemeralStorage?: EphemeralStorage;
  /** The container's HTTP port (named `http`), 1024–65535 as the pod runs as non-root. @default 8080 */
  readonly port?: number;
  /** Service port that forwards to the `http` container port. @default 80 */
  readonly servicePort?: number;
  /** Path of the readiness probe, which may check the service's dependencies. @default "/health" */
  readonly readinessPath?: string;
  /**
   * Path of the startup and liveness probes. Liveness restarts the container, so it must not
   * depend on anything but the process itself.
   * @default a TCP check of the http port
   */
  readonly livenessPath?: string;
  /** @default no metrics, no ServiceMonitor */
  readonly metrics?: MetricsEndpoint;
  /** @default 70 % CPU, 80 % memory; see AutoscalingOptions */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Spread over zones: "required" refuses to schedule a pod that would unbalance zones,
   * "preferred" only scores for balance. @default "preferred"
   */
  readonly zoneSpread?: 'required' | 'preferred';
  /** Pods kept during voluntary disruptions; below `replicas.min`. @default no PodDisruptionBudget */
  readonly disruptionBudget?: { readonly minAvailable: number };
  /** Variables in order: a `$(VAR)` reference resolves only to a variable before it. @default [] */
  readonly env?: readonly EnvVar[];
}

/**
 * A stateless HTTP tier in the production shape: a Deployment that rolls without losing
 * capacity, spread over zones and hosts, probed, sized, and locked down to the restricted Pod
 * Security profile; a ClusterIP Service; an HPA; a PDB; its own ServiceAccount without an
 * API token; and, when it serves metrics, a ServiceMonitor. The HPA owns the replica count
 * after the first apply. Clients are admitted with `connections.allowDefaultPortFrom`.
 */
export class WebService extends Construct implements IConnectable, Workload {
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly autoscaler: Autoscaler;
  readonly disruptionBudget?: DisruptionBudget;
  readonly metricsMonitor?: MetricsMonitor;
  /** Labels that select this tier's pods. */
  readonly podSelector: Labels;
  /** Name of the Service (and of every other object of the tier). */
  readonly serviceName: string;
  readonly servicePort: number;
  /** The container's `http` port. */
  readonly containerPort: number;
  /** In-cluster DNS name of the Service. */
  readonly host: string;
  /** `http://<host>:<servicePort>`. */
  readonly url: string;
  /** The container's environment, in order. */
  readonly env: readonly EnvVar[];
  readonly connections: Connections;
  readonly footprint: PodFootprint;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const { name, namespace } = props;
    const port = props.port ?? WEB_SERVICE_DEFAULTS.port;
    const storage = props.ephemeralStorage ?? WEB_SERVICE_DEFAULTS.ephemeralStorage;
    checkName(this, 'name', name);
    checkImage(this, 'image', props.image);
    checkReplicas(this, 'replicas', props.replicas);
    checkResources(this, 'resources', props.resources);
    checkEphemeralStorage(this, 'ephemeralStorage', storage);
    checkInteger(this, 'port', port, CONTAINER_PORTS.min, CONTAINER_PORTS.max);
    if (props.metrics) {
      checkInteger(this, 'metrics.port', props.metrics.port, CONTAINER_PORTS.min, CONTAINER_PORTS.max);
      if (props.metrics.port === port) invalidProp(this, 'metrics.port', props.metrics.port, `must differ from 'port' (${port})`);
    }
    for (const [prop, path] of [['readinessPath', props.readinessPath], ['livenessPath', props.livenessPath], ['metrics.path', props.metrics?.path]] as const) {
      if (path !== undefined) checkPath(this, prop, path);
    }
    if (props.disruptionBudget) checkDrainable(this, props.disruptionBudget.minAvailable, 'replicas.min', props.replicas.min);

    const labels = componentLabels(this, name);
    this.podSelector = selectorLabels(this, name);
    this.serviceName = name;
    this.servicePort = props.servicePort ?? WEB_SERVICE_DEFAULTS.servicePort;
    checkInteger(this, 'servicePort', this.servicePort, 1, 65535);
    this.containerPort = port;
    this.host = `${name}.${namespace}.svc`;
    this.url = `http://${this.host}:${this.servicePort}`;
    this.env = props.env ?? [];
    this.connections = new Connections(this, { namespace, peer: { name, selector: { pods: this.podSelector } }, defaultPorts: [port] });
    this.footprint = { name, namespace, minReplicas: props.replicas.min, maxReplicas: props.replicas.max, containers: [props.resources] };
    const metadata = { name, namespace, labels: { ...labels } };

    const account = new ServiceAccountV1(this, 'service-account', {
      metadata,
      automountServiceAccountToken: false,
    });

    const ports = [{ name: 'http', containerPort: port }];
    if (props.metrics) ports.push({ name: 'metrics', containerPort: props.metrics.port });

    const ready = { httpGet: { path: props.readinessPath ?? WEB_SERVICE_DEFAULTS.readinessPath, port: 'http' } };
    const alive = props.livenessPath === undefined ? { tcpSocket: [{ port: 'http' }] } : { httpGet: { path: props.livenessPath, port: 'http' } };
    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata,
      spec: {
        // Only the first apply sets this; afterwards the HPA owns it (see lifecycle below).
        replicas: String(props.replicas.min),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.podSelector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '0' } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(UNPRIVILEGED),
            topologySpreadConstraint: [
              spreadOver(ZONE, (props.zoneSpread ?? WEB_SERVICE_DEFAULTS.zoneSpread) === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway', this.podSelector, true),
              spreadOver(HOST, 'ScheduleAnyway', this.podSelector, true),
            ],
            container: [
              {
                name,
                image: props.image,
                imagePullPolicy: pullPolicyFor(props.image),
                port: ports,
                env: envVars(this.env),
                resources: containerResources(props.resources, storage),
                // Startup allows 60 s to boot; then readiness takes the pod out of the Service
                // while a dependency is down, and liveness only restarts a hung process.
                startupProbe: { ...alive, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
                readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
                livenessProbe: { ...alive, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
                securityContext: restrictedContainerSecurityContext(),
                volumeMount: [TMP_MOUNT],
              },
            ],
            volume: [TMP_VOLUME],
          },
        },
      },
      lifecycle: { ignoreChanges: ['spec[0].replicas'] },
      dependsOn: [account],
    });

    const servicePorts = [{ name: 'http', port: this.servicePort, targetPort: 'http', protocol: 'TCP' }];
    if (props.metrics) servicePorts.push({ name: 'metrics', port: props.metrics.port, targetPort: 'metrics', protocol: 'TCP' });
    this.service = new ServiceV1(this, 'service', {
      metadata,
      spec: { type: 'ClusterIP', selector: { ...this.podSelector }, port: servicePorts },
    });

    this.autoscaler = new Autoscaler(this, 'autoscaler', {
      ...props.autoscaling,
      namespace,
      deploymentName: name,
      labels,
      replicas: props.replicas,
    });
    addDependency(this.autoscaler.hpa, this.deployment);

    if (props.disruptionBudget !== undefined) {
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        name,
        namespace,
        labels,
        selector: this.podSelector,
        minAvailable: props.disruptionBudget.minAvailable,
      });
    }

    if (props.metrics) {
      this.metricsMonitor = new MetricsMonitor(this, 'monitor', {
        name,
        namespace,
        through: 'service',
        selector: this.podSelector,
        path: props.metrics.path ?? WEB_SERVICE_DEFAULTS.metricsPath,
      });
      this.connections.allowFrom(props.metrics.scrapedBy, [props.metrics.port]);
    }
  }
}

function envVars(vars: readonly EnvVar[]) {
  return vars.map((v) =>
    'value' in v
      ? { name: v.name, value: v.value }
      : { name: v.name, valueFrom: { secretKeyRef: { name: v.secretKeyRef.secretName, key: v.secretKeyRef.key } } },
  );
}
