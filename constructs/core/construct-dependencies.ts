import { dependable, TerraformDataSource, TerraformResource, TerraformStack, type IAspect } from 'cdktf';
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
