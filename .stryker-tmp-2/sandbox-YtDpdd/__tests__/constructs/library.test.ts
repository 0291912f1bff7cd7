// @ts-nocheck
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Every module a TypeScript file imports, as written (static and dynamic imports, re-exports). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? typeScriptFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Imports of files under `dir` that resolve into one of `outside` (project-relative folders). */
function importsInto(dir: string, outside: readonly string[]): string[] {
  return typeScriptFiles(join(ROOT, dir)).flatMap((file) =>
    importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(ROOT, resolve(dirname(file), spec)))
      .filter((target) => outside.some((folder) => target === folder || target.startsWith(`${folder}/`)))
      .map((target) => `${relative(ROOT, file)} imports ${target}`),
  );
}

describe('the construct library', () => {
  it('imports nothing of the app: its config, stacks or review', () => {
    expect(importsInto('constructs', ['config', 'stacks', 'review', 'main.ts'])).toEqual([]);
  });

  it('would name a file that did', () => {
    // The check reads the stacks, which do import the config: it must see those imports.
    expect(importsInto('stacks', ['config'])).toContain('stacks/app-stack.ts imports config/versions.json');
  });
});
