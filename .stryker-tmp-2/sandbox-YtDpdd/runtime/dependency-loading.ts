/**
 * Loads our dependencies' CommonJS files as plain Node does and leaves tsx to our own TypeScript.
 * Under tsx every file Node loads paid twice for what only our files need (BENCHMARKS.md):
 * - tsx scans every `.js` file for ES module syntax, to transform it if it finds any; cdktf and
 *   the provider bindings are CommonJS, and each of their files carries an inline source map with
 *   its whole TypeScript source, so the scan read megabytes for nothing;
 * - tsx turns on Node's source maps so that stack traces point at our TypeScript, and Node then
 *   decodes and parses each of those inline maps too.
 * Together about a quarter of synth's time. Stack frames inside a dependency now point at its
 * JavaScript, as without tsx; ours still point at our TypeScript.
 *
 * Import this first, before anything from node_modules is loaded. Node reads a file's source map
 * while compiling it, so maps stay off while a dependency compiles. A `.js` file in a package of
 * `"type": "module"` still goes to tsx, which loads ES modules.
 */
// @ts-nocheck

import { readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

interface LoadingModule {
  _compile(content: string, filename: string): unknown;
}
type Loader = (module: LoadingModule, filename: string) => void;
const Module = require('node:module') as { prototype: LoadingModule; _extensions: Record<string, Loader> };

const dependencies = `${sep}node_modules${sep}`;

const compile = Module.prototype._compile;
Module.prototype._compile = function compileDependencyWithoutMap(content, filename) {
  if (!process.sourceMapsEnabled || !filename.includes(dependencies)) return compile.call(this, content, filename);
  process.setSourceMapsEnabled(false);
  try {
    return compile.call(this, content, filename);
  } finally {
    process.setSourceMapsEnabled(true);
  }
};

// Node decides a `.js` file's format by the nearest package.json up to the node_modules folder.
const moduleScopes = new Map<string, boolean>();
function inModulePackage(dir: string): boolean {
  if (basename(dir) === 'node_modules') return false;
  const known = moduleScopes.get(dir);
  if (known !== undefined) return known;
  let isModule: boolean;
  try {
    isModule = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const parent = dirname(dir);
    isModule = parent !== dir && inModulePackage(parent);
  }
  moduleScopes.set(dir, isModule);
  return isModule;
}

const loadJs = Module._extensions['.js'];
Module._extensions['.js'] = function loadDependencyAsNode(module, filename) {
  if (!filename.includes(dependencies) || inModulePackage(dirname(filename))) return loadJs(module, filename);
  module._compile(readFileSync(filename, 'utf8'), filename);
};
