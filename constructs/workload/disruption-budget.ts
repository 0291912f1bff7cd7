import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { Construct } from 'constructs';
import type { Labels } from '../core/labels';
import { checkInteger, checkName, INT32_MAX } from '../core/validation';

export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  /** @default {} */
  readonly labels?: Labels;
  /** Labels of the pods it protects. */
  readonly selector: Labels;
  /** Pods that must stay available during voluntary disruptions (drains, upgrades). */
  readonly minAvailable: number;
}

/** A PodDisruptionBudget. Its owner checks that it still allows one disruption at the minimum scale. */
export class DisruptionBudget extends Construct {
  readonly pdb: PodDisruptionBudgetV1;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    checkName(this, 'name', props.name);
    checkInteger(this, 'minAvailable', props.minAvailable, 1, INT32_MAX, 'pods');
    this.pdb = new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: { minAvailable: String(props.minAvailable), selector: { matchLabels: { ...props.selector } } },
    });
  }
}
