import type { DeploymentV1SpecTemplateSpecTopologySpreadConstraint } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import type { Labels } from '../core/labels';

/** The zone and host topology keys every multi-replica workload spreads over. */
export const ZONE = 'topology.kubernetes.io/zone';
export const HOST = 'kubernetes.io/hostname';

/**
 * A topology spread constraint with a skew of one pod. With `rolling`, only pods of the
 * current ReplicaSet count, so a rollout is not judged by the pods it is replacing.
 */
export function spreadOver(
  topologyKey: string,
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
  selector: Labels,
  rolling = false,
): DeploymentV1SpecTemplateSpecTopologySpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: [{ matchLabels: { ...selector } }],
    ...(rolling ? { matchLabelKeys: ['pod-template-hash'] } : {}),
  };
}
