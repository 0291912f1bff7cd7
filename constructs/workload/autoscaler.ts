import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { Construct } from 'constructs';
import type { Labels } from '../core/labels';
import { checkAtMost, checkInteger, INT32_MAX } from '../core/validation';

/** Replica bounds of a scaled workload. */
export interface ReplicaRange {
  /** Replicas never gone below; also the initial count. */
  readonly min: number;
  /** Replicas never gone above. */
  readonly max: number;
}

/** How fast the HPA adds or removes pods: the larger of the two policies applies per period. */
export interface ScalingRule {
  /** Window over which past recommendations are considered (0–3600). */
  readonly stabilizationWindowSeconds: number;
  /** At most this many pods per period. */
  readonly pods: number;
  /** At most this percentage of the current pods per period. */
  readonly percent: number;
  /** Length of the policy period (1–1800). */
  readonly periodSeconds: number;
}

export interface AutoscalingOptions {
  /** Target average CPU utilization, % of requests (above 100 allowed, as in Kubernetes). @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, % of requests. @default 80 */
  readonly memoryUtilization?: number;
  /** @default no window; +4 pods or +100% per 60 s (the HPA v2 default, made explicit) */
  readonly scaleUp?: ScalingRule;
  /** @default 300 s window; -1 pod or -10% per 60 s */
  readonly scaleDown?: ScalingRule;
}

export interface AutoscalerProps extends AutoscalingOptions {
  readonly namespace: string;
  /** Name of the HPA and of the Deployment it scales. */
  readonly deploymentName: string;
  /** @default {} */
  readonly labels?: Labels;
  readonly replicas: ReplicaRange;
}

/** The defaults of {@link AutoscalingOptions}. */
export const AUTOSCALING_DEFAULTS = {
  cpuUtilization: 70,
  memoryUtilization: 80,
  scaleUp: { stabilizationWindowSeconds: 0, pods: 4, percent: 100, periodSeconds: 60 },
  scaleDown: { stabilizationWindowSeconds: 300, pods: 1, percent: 10, periodSeconds: 60 },
} as const;
/**
 * Bounds of the autoscaling settings, with their units: utilization targets in percent of
 * requests (1000 is ten times the requests), and the HPA API's bounds of a scaling rule.
 */
export const AUTOSCALING_BOUNDS = {
  utilization: { min: 1, max: 1000, unit: 'percent' },
  stabilizationWindowSeconds: { min: 0, max: 3600, unit: 'seconds' },
  pods: { min: 1, max: INT32_MAX, unit: 'pods' },
  percent: { min: 1, max: 1000, unit: 'percent' },
  periodSeconds: { min: 1, max: 1800, unit: 'seconds' },
} as const;

/**
 * An `autoscaling/v2` HorizontalPodAutoscaler on CPU and memory utilization, with the scaling
 * behaviour written out so that a reviewer sees how fast the tier grows and shrinks.
 */
export class Autoscaler extends Construct {
  readonly hpa: HorizontalPodAutoscalerV2;
  readonly replicas: ReplicaRange;

  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    checkReplicas(this, 'replicas', props.replicas);
    const cpu = props.cpuUtilization ?? AUTOSCALING_DEFAULTS.cpuUtilization;
    const memory = props.memoryUtilization ?? AUTOSCALING_DEFAULTS.memoryUtilization;
    const { utilization: u } = AUTOSCALING_BOUNDS;
    checkInteger(this, 'cpuUtilization', cpu, u.min, u.max, u.unit);
    checkInteger(this, 'memoryUtilization', memory, u.min, u.max, u.unit);
    this.replicas = props.replicas;
    const utilization = (name: 'cpu' | 'memory', averageUtilization: number) => ({
      type: 'Resource',
      resource: { name, target: { type: 'Utilization', averageUtilization } },
    });
    const rule = (prop: string, r: ScalingRule) => {
      for (const key of ['stabilizationWindowSeconds', 'pods', 'percent', 'periodSeconds'] as const) {
        const b = AUTOSCALING_BOUNDS[key];
        checkInteger(this, `${prop}.${key}`, r[key], b.min, b.max, b.unit);
      }
      return [
        {
          stabilizationWindowSeconds: r.stabilizationWindowSeconds,
          // Max: the larger of the two policies applies, so small tiers still move by whole pods.
          selectPolicy: 'Max',
          policy: [
            { type: 'Pods', value: r.pods, periodSeconds: r.periodSeconds },
            { type: 'Percent', value: r.percent, periodSeconds: r.periodSeconds },
          ],
        },
      ];
    };
    this.hpa = new HorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicas: props.replicas.min,
        maxReplicas: props.replicas.max,
        metric: [utilization('cpu', cpu), utilization('memory', memory)],
        behavior: { scaleUp: rule('scaleUp', props.scaleUp ?? AUTOSCALING_DEFAULTS.scaleUp), scaleDown: rule('scaleDown', props.scaleDown ?? AUTOSCALING_DEFAULTS.scaleDown) },
      },
    });
  }
}

/** Whole numbers from 1 to the API's int32 maximum, min ≤ max. */
export function checkReplicas(scope: Construct, prop: string, r: ReplicaRange): void {
  checkInteger(scope, `${prop}.min`, r.min, 1, INT32_MAX, 'replicas');
  checkInteger(scope, `${prop}.max`, r.max, 1, INT32_MAX, 'replicas');
  checkAtMost(scope, `${prop}.min`, r.min, `${prop}.max`, r.max);
}
