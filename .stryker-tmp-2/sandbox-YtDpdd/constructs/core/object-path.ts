/** Follows a path of keys and indexes through plain data (Terraform JSON, raw config), like lodash's get. */
// @ts-nocheck

export function valueAt(root: unknown, ...path: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
