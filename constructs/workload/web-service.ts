import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Construct } from 'constructs';
import type { WebTierConfig } from '../../config/schema';
import { componentLabels, selectorLabels } from '../core/labels';
import { Autoscaler } from './autoscaler';
import { DisruptionBudget } from './disruption-budget';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from './pod-security';
import { HOST, spreadOver, ZONE } from './topology-spread';
import { addDependency } from '../core/construct-dependencies';

/** A reference to one key of a Secret in the same namespace. */
export interface SecretKeyRef {
  readonly secretName: string;
  readonly key: string;
}

/** A container environment variable: a literal, or a Secret key resolved by the kubelet. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretKeyRef: SecretKeyRef };

export interface WebServiceProps {
  /** Name of the Deployment, Service, ServiceAccount, HPA and PDB; also the container's name. */
  readonly name: string;
  readonly namespace: string;
  /** Image, replicas, resources, ports, probes, autoscaling, disruption budget and env of the tier. */
  readonly tier: WebTierConfig;
  /**
   * Variables wired by the stack (service URLs, database credentials). They come after the
   * tier's secretEnv and before its env, so `$(VAR)` references to them resolve.
   * @default []
   */
  readonly env?: readonly EnvVar[];
  /** Service port that forwards to the `http` container port. @default 80 */
  readonly servicePort?: number;
}

/** Container UID/GID of the web tiers; the images must not need root. */
const RUN_AS = { user: 10001, group: 10001 } as const;

/**
 * A stateless HTTP tier in the production shape: a Deployment that rolls without losing
 * capacity, spread over zones and hosts, probed, sized, and locked down to the restricted Pod
 * Security profile; a ClusterIP Service; an HPA; a PDB; and its own ServiceAccount without an
 * API token. The HPA owns the replica count after the first apply.
 */
export class WebService extends Construct {
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly autoscaler: Autoscaler;
  readonly disruptionBudget?: DisruptionBudget;
  /** Labels that select this tier's pods. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Name of the Service (and of every other object of the tier). */
  readonly serviceName: string;
  readonly servicePort: number;
  /** The container's `http` port, which NetworkPolicies must open. */
  readonly containerPort: number;
  /** In-cluster DNS name of the Service. */
  readonly host: string;

  /** The props it was built from, for review tooling. */
  readonly props: WebServiceProps;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    this.props = props;
    const { name, namespace, tier } = props;
    const labels = componentLabels(name);
    this.podSelector = selectorLabels(name);
    this.serviceName = name;
    this.servicePort = props.servicePort ?? 80;
    this.containerPort = tier.port;
    this.host = `${name}.${namespace}.svc`;
    const metadata = { name, namespace, labels: { ...labels } };

    const account = new ServiceAccountV1(this, 'service-account', {
      metadata,
      automountServiceAccountToken: false,
    });

    const ports = [{ name: 'http', containerPort: tier.port }];
    if (tier.metricsPort !== undefined) ports.push({ name: 'metrics', containerPort: tier.metricsPort });

    const httpGet = { path: tier.healthPath, port: 'http' };
    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata,
      spec: {
        // Only the first apply sets this; afterwards the HPA owns it (see lifecycle below).
        replicas: String(tier.replicas.min),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.podSelector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '0' } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(RUN_AS),
            topologySpreadConstraint: [
              spreadOver(ZONE, tier.zoneSpread === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway', this.podSelector, true),
              spreadOver(HOST, 'ScheduleAnyway', this.podSelector, true),
            ],
            container: [
              {
                name,
                image: tier.image,
                imagePullPolicy: 'IfNotPresent',
                port: ports,
                env: envVars([
                  ...Object.entries(tier.secretEnv).map(([n, ref]) => ({ name: n, secretKeyRef: ref })),
                  ...(props.env ?? []),
                  ...Object.entries(tier.env).map(([n, value]) => ({ name: n, value })),
                ]),
                resources: { requests: { ...tier.resources.requests }, limits: { ...tier.resources.limits } },
                // Startup allows 60 s to boot; liveness then only restarts a hung process.
                startupProbe: { httpGet, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
                readinessProbe: { httpGet, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
                livenessProbe: { httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
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
    if (tier.metricsPort !== undefined) {
      servicePorts.push({ name: 'metrics', port: tier.metricsPort, targetPort: 'metrics', protocol: 'TCP' });
    }
    this.service = new ServiceV1(this, 'service', {
      metadata,
      spec: { type: 'ClusterIP', selector: { ...this.podSelector }, port: servicePorts },
    });

    this.autoscaler = new Autoscaler(this, 'autoscaler', {
      namespace,
      deploymentName: name,
      labels,
      replicas: tier.replicas,
      autoscaling: tier.autoscaling,
    });
    addDependency(this.autoscaler.hpa, this.deployment);

    if (tier.disruptionBudget !== undefined) {
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        name,
        namespace,
        labels,
        selector: this.podSelector,
        minAvailable: tier.disruptionBudget.minAvailable,
      });
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
