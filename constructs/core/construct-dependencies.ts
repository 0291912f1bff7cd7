import { Aspects, dependable, TerraformDataSource, TerraformResource, TerraformStack, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';

type Dependent = TerraformResource | TerraformDataSource;

const isDependent = (c: IConstruct): c is Dependent => c instanceof TerraformResource || c instanceof TerraformDataSource;

/**
 * Gives `construct.node.addDependency(other)` its meaning in Terraform: every resource under
 * `construct` gets a `depends_on` for every resource under `other`. cdktf itself only honours
 * `dependsOn` on single resources, which would force constructs to expose their internals.
 */
export class ConstructDependencies implements IAspect {
  /** The targets each resource depends on already: the aspects of a stack may run more than once. */
  private readonly added = new WeakMap<Dependent, Set<Dependent>>();

  visit(node: IConstruct): void {
    if (!isDependent(node)) return;
    const added = this.added.get(node) ?? new Set<Dependent>();
    this.added.set(node, added);
    const targets = new Set(node.dependsOn ?? []);
    for (let scope: IConstruct | undefined = node; scope && !(scope instanceof TerraformStack); scope = scope.node.scope) {
      for (const dependency of scope.node.dependencies) {
        for (const target of dependency.node.findAll()) {
          if (isDependent(target) && target !== node && !added.has(target)) {
            added.add(target);
            targets.add(dependable(target));
          }
        }
      }
    }
    if (targets.size > 0) node.dependsOn = [...targets];
  }
}

const withAspect = new WeakSet<TerraformStack>();

/**
 * Makes sure the stack of `scope` resolves construct dependencies (once per stack). Called before
 * synth: an aspect added while the aspects run is not run.
 */
export function resolveDependencies(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (!withAspect.has(stack)) {
    Aspects.of(stack).add(new ConstructDependencies());
    withAspect.add(stack);
  }
}

/** Makes every resource under `dependent` depend on every resource under `targets`. */
export function addDependency(dependent: IConstruct, ...targets: IConstruct[]): void {
  for (const target of targets) dependent.node.addDependency(target);
  resolveDependencies(dependent);
}
