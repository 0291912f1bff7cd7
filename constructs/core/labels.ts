import type { IConstruct } from 'constructs';
import { checkName } from './validation';

/** The recommended app.kubernetes.io labels, shared by every object of one component. */
export type Labels = Readonly<Record<string, string>>;

const PART_OF = 'app.kubernetes.io/part-of';

/** What the components built under a scope belong to. */
export interface ComponentLabelsProps {
  /**
   * The application they are part of (a DNS-1123 label): their `app.kubernetes.io/part-of`
   * label, in their selectors too.
   * @default no part-of label
   */
  readonly partOf?: string;
}

/**
 * Labels every component built under `scope` from now on. Call it on the stack before adding
 * them: a construct's context is fixed once it has children.
 */
export function labelComponents(scope: IConstruct, props: ComponentLabelsProps): void {
  if (props.partOf === undefined) return;
  checkName(scope, 'partOf', props.partOf);
  scope.node.setContext(PART_OF, props.partOf);
}

/** Labels that select a component's pods; stable for the life of the Deployment. */
export function selectorLabels(scope: IConstruct, component: string): Labels {
  const partOf: unknown = scope.node.tryGetContext(PART_OF);
  return { 'app.kubernetes.io/name': component, ...(typeof partOf === 'string' ? { [PART_OF]: partOf } : {}) };
}

/** Selector labels plus bookkeeping labels for every object of the component. */
export function componentLabels(scope: IConstruct, component: string): Labels {
  return { ...selectorLabels(scope, component), 'app.kubernetes.io/managed-by': 'cdktf' };
}

/** Whether a label selector (matchLabels) selects an object with these labels. */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
