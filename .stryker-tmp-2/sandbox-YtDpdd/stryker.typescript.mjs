// @ts-nocheck
// Stryker 10 reads tsconfig.json through TypeScript's classic compiler API, which TypeScript 7 (this
// project's compiler, whose type checks the checker runs through @typescript/native) no longer
// has: Stryker's own packages get TypeScript 5's API as `typescript`; everything else is unchanged.
import { register } from 'node:module';

const hook = `export function resolve(specifier, context, next) {
  const fromStryker = specifier === 'typescript' && (context.parentURL ?? '').includes('/node_modules/@stryker-mutator/');
  return next(fromStryker ? 'typescript-classic' : specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
