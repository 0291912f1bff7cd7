/**
 * A Kubernetes object is its kind, namespace and name: two constructs that render the same one
 * would overwrite each other at apply, and an object an operator makes (CloudNativePG's
 * `<cluster>-rw` Service) would be taken from it; two workloads that select the same pod labels
 * would share their pods. `checkUniqueNames` finds such a clash in the construct tree at synth,
 * before anything reaches a cluster; the constructs that name objects make their stack run it.
 */
import { Aspects, TerraformResource, TerraformStack, Token } from 'cdktf';
import type { IConstruct } from 'constructs';
import { appliedObject } from './custom-resource';
import { valueAt } from './object-path';
import { invalidProp } from './validation';

export interface ObjectName {
  readonly kind: string;
  /** Empty for a cluster-scoped object. */
  readonly namespace: string;
  readonly name: string;
}

interface Claim extends ObjectName {
  readonly by: IConstruct;
  /** Who makes the object when the construct does not render it itself. */
  readonly madeBy?: string;
}

const declared = new WeakMap<IConstruct, { objects: readonly ObjectName[]; madeBy: string }[]>();

/**
 * Declares objects that `madeBy` (an operator) creates for `scope`, so that no construct of the
 * stack renders an object of the same kind and name in that namespace.
 */
export function declareObjects(scope: IConstruct, madeBy: string, objects: readonly ObjectName[]): void {
  declared.set(scope, [...(declared.get(scope) ?? []), { objects, madeBy }]);
  checkUniqueNamesAtSynth(scope);
}

const checked = new WeakSet<TerraformStack>();

/**
 * Makes the stack of `scope` run `checkUniqueNames` on itself at synth, once it holds everything
 * (once per stack, however many constructs ask).
 */
export function checkUniqueNamesAtSynth(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (checked.has(stack)) return;
  checked.add(stack);
  Aspects.of(stack).add({
    visit: (node) => {
      if (node === stack) checkUniqueNames(stack);
    },
  });
}

/** kubernetes_horizontal_pod_autoscaler_v2 → HorizontalPodAutoscaler. */
function kindOf(resourceType: string): string {
  return resourceType
    .replace(/^kubernetes_/, '')
    .replace(/_v\d+(beta\d+)?$/, '')
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** The object a kubernetes provider resource renders, if it renders one. */
function rendered(resource: TerraformResource): ObjectName | undefined {
  const type = resource.terraformResourceType;
  const body = valueAt(resource.toTerraform(), 'resource', type, resource.friendlyUniqueId);
  // A custom resource's object carries its kind; a typed resource's kind is in its type.
  const object = appliedObject(type, body);
  if (object === undefined && !type.startsWith('kubernetes_')) return undefined;
  // A name known only at apply (a reference) cannot be compared here.
  const field = (...path: string[]) => {
    const raw = valueAt(object ?? body, ...path);
    return typeof raw === 'string' && !Token.isUnresolved(raw) ? raw : undefined;
  };
  const [kind, name] = [object === undefined ? kindOf(type) : field('kind'), field('metadata', 'name')];
  return kind && name ? { kind, namespace: field('metadata', 'namespace') ?? '', name } : undefined;
}

/** The pods a Deployment or StatefulSet owns, as its selector's labels ("k=v,k=v", sorted). */
function podSelector(resource: TerraformResource): string | undefined {
  const type = resource.terraformResourceType;
  if (!/^kubernetes_(deployment|stateful_set)_v1$/.test(type)) return undefined;
  const labels = valueAt(resource.toTerraform(), 'resource', type, resource.friendlyUniqueId, 'spec', 'selector', 'match_labels');
  if (labels === null || typeof labels !== 'object') return undefined;
  return Object.entries(labels as Record<string, unknown>)
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(',');
}

const describe = (c: Claim) => (c.madeBy ? `${c.madeBy} for ${c.by.node.path}` : c.by.node.path);

/**
 * Throws for the first object that two constructs (or a construct and an operator) would both
 * make, naming the later one's path, the name, and who has it already.
 */
export function checkUniqueNames(root: IConstruct): void {
  const claims = new Map<string, Claim>();
  const selectors = new Map<string, IConstruct>();
  for (const c of root.node.findAll()) {
    const objects: Claim[] = (declared.get(c) ?? []).flatMap((d) => d.objects.map((o) => ({ ...o, by: c, madeBy: d.madeBy })));
    const own = c instanceof TerraformResource ? rendered(c) : undefined;
    if (own) objects.push({ ...own, by: c });
    // Two workloads selecting the same labels would each count the other's pods as their own,
    // and every Service, policy and monitor of one would pick the other's pods too.
    const selector = c instanceof TerraformResource ? podSelector(c) : undefined;
    if (own && selector) {
      const first = selectors.get(`${own.namespace}/${selector}`);
      if (first) invalidProp(c, 'spec.selector', selector, `must select only its own pods: ${first.node.path} selects the same labels in namespace '${own.namespace}'`);
      selectors.set(`${own.namespace}/${selector}`, c);
    }
    for (const claim of objects) {
      const key = `${claim.kind}/${claim.namespace}/${claim.name}`;
      const first = claims.get(key);
      if (first) {
        const where = claim.namespace ? ` in namespace '${claim.namespace}'` : '';
        const made = claim.madeBy ? ` (the ${claim.kind} ${claim.madeBy} makes for it)` : '';
        invalidProp(claim.by, 'metadata.name', claim.name, `must be unique per kind${made}: ${describe(first)} already makes the ${claim.kind} of that name${where}`);
      }
      claims.set(key, claim);
    }
  }
}
