import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { Construct } from 'constructs';
import type { Labels } from '../core/labels';

export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** Labels of the pods it protects. */
  readonly selector: Labels;
  /** Pods that must stay available during voluntary disruptions (drains, upgrades). */
  readonly minAvailable: number;
}

/** A PodDisruptionBudget. That it still allows one disruption at the minimum scale is a config invariant. */
export class DisruptionBudget extends Construct {
  readonly pdb: PodDisruptionBudgetV1;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    this.pdb = new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: { minAvailable: String(props.minAvailable), selector: { matchLabels: { ...props.selector } } },
    });
  }
}
