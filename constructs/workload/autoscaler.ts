import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { Construct } from 'constructs';
import type { WebTierConfig } from '../../config/schema';
import type { Labels } from '../core/labels';

export interface AutoscalerProps {
  readonly namespace: string;
  /** Name of the HPA and of the Deployment it scales. */
  readonly deploymentName: string;
  readonly labels: Labels;
  /** Replica bounds. */
  readonly replicas: WebTierConfig['replicas'];
  /** Utilization targets and scale-up/scale-down behaviour. */
  readonly autoscaling: WebTierConfig['autoscaling'];
}

/**
 * An `autoscaling/v2` HorizontalPodAutoscaler on CPU and memory utilization, with the scaling
 * behaviour written out so that a reviewer sees how fast the tier grows and shrinks.
 */
export class Autoscaler extends Construct {
  readonly hpa: HorizontalPodAutoscalerV2;

  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    const { autoscaling: a } = props;
    const utilization = (name: 'cpu' | 'memory', averageUtilization: number) => ({
      type: 'Resource',
      resource: { name, target: { type: 'Utilization', averageUtilization } },
    });
    const rule = (r: WebTierConfig['autoscaling']['scaleUp']) => [
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
    this.hpa = new HorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicas: props.replicas.min,
        maxReplicas: props.replicas.max,
        metric: [utilization('cpu', a.cpuUtilization), utilization('memory', a.memoryUtilization)],
        behavior: { scaleUp: rule(a.scaleUp), scaleDown: rule(a.scaleDown) },
      },
    });
  }
}
