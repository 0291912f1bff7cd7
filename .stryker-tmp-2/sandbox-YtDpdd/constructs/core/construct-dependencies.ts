// @ts-nocheck
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
  visit(node: IConstruct): void {
    if (!isDependent(node)) return;
    const targets = new Set(node.dependsOn ?? []);
    for (let scope: IConstruct | undefined = node; scope && !(scope instanceof TerraformStack); scope = scope.node.scope) {
      for (const dependency of scope.node.dependencies) {
        for (const target of dependency.node.findAll()) {
          if (isDependent(target) && target !== node) targets.add(dependable(target));
        }
      }
    }
    if (targets.size > 0) node.dependsOn = [...targets];
  }
}

const withAspect = new WeakSet<TerraformStack>();

/**
 * Makes every resource under `dependent` depend on every resource under `targets`, and makes
 * sure the stack resolves construct dependencies (once per stack).
 */
export function addDependency(dependent: IConstruct, ...targets: IConstruct[]): void {
  for (const target of targets) dependent.node.addDependency(target);
  const stack = TerraformStack.of(dependent);
  if (!withAspect.has(stack)) {
    Aspects.of(stack).add(new ConstructDependencies());
    withAspect.add(stack);
  }
}
