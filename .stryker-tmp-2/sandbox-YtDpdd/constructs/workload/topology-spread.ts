// @ts-nocheck
import type { DeploymentV1SpecTemplateSpecTopologySpreadConstraint } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import type { Labels } from '../core/labels';

/** The zone and host topology keys every multi-replica workload spreads over. */
export const ZONE = 'topology.kubernetes.io/zone';
export const HOST = 'kubernetes.io/hostname';

type WhenUnsatisfiable = 'DoNotSchedule' | 'ScheduleAnyway';

/**
 * A topology spread constraint with a skew of one pod, as the Kubernetes API spells it (for the
 * pod templates of custom resources). With `rolling`, only pods of the current ReplicaSet
 * count, so a rollout is not judged by the pods it is replacing.
 */
export function spreadConstraint(topologyKey: string, whenUnsatisfiable: WhenUnsatisfiable, selector: Labels, rolling = false) {
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: { ...selector } },
    ...(rolling ? { matchLabelKeys: ['pod-template-hash'] } : {}),
  };
}

/** The same constraint in the Terraform provider's shape (Deployments, StatefulSets). */
export function spreadOver(
  topologyKey: string,
  whenUnsatisfiable: WhenUnsatisfiable,
  selector: Labels,
  rolling = false,
): DeploymentV1SpecTemplateSpecTopologySpreadConstraint {
  const constraint = spreadConstraint(topologyKey, whenUnsatisfiable, selector, rolling);
  return { ...constraint, labelSelector: [constraint.labelSelector] };
}
