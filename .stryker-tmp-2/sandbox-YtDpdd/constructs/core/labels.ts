/** The recommended app.kubernetes.io labels, shared by every object of one component. */
// @ts-nocheck

export type Labels = Readonly<Record<string, string>>;

const PART_OF = 'web-topology';

/** Labels that select a component's pods; stable for the life of the Deployment. */
export function selectorLabels(component: string): Labels {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': PART_OF };
}

/** Selector labels plus bookkeeping labels for every object of the component. */
export function componentLabels(component: string): Labels {
  return { ...selectorLabels(component), 'app.kubernetes.io/managed-by': 'cdktf' };
}

/** Whether a label selector (matchLabels) selects an object with these labels. */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
