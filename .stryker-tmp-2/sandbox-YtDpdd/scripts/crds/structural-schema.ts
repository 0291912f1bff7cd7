/**
 * Turns a CRD's `openAPIV3Schema` (a Kubernetes structural schema) into plain JSON Schema with the
 * meaning the API server gives it, for the validator (ajv) and the type generator
 * (json-schema-to-typescript), which know nothing of Kubernetes' extensions:
 * - `x-kubernetes-int-or-string`: an integer or a string (controller-gen's `anyOf` of the two is replaced);
 * - `nullable`: `null` is accepted too;
 * - unknown fields: the API server prunes fields a structural schema does not declare, which silently
 *   drops a misspelt field; here an object accepts only its declared properties (or, for a map, its
 *   `additionalProperties`), unless it has `x-kubernetes-preserve-unknown-fields`;
 * - the root's `metadata` is ObjectMeta, which the API server checks itself: accepted as any object;
 *   `status` is written by the operator, never by us: left out, so sending one is an unknown field;
 * - `format`: kept only where JSON Schema means the same as Kubernetes (ipv4, ipv6, date-time);
 *   the others either only document (int32, int64, byte) or mean something else (duration);
 * - `pattern` is Go RE2 syntax: a leading `(?i)` (case-insensitive) becomes explicit letter classes,
 *   which JavaScript's RegExp reads the same way; any pattern JavaScript cannot read is refused.
 * Left to the API server at apply (dropped here): CEL rules (`x-kubernetes-validations`) and the
 * merge hints `x-kubernetes-list-type`, `-list-map-keys` and `-map-type`. Any other `x-kubernetes-*`
 * key is refused, so that a CRD using an extension this file does not know cannot pass unnoticed.
 */
// @ts-nocheck


/** A JSON Schema object, as ajv and json-schema-to-typescript take it. */
export type JsonSchema = { [keyword: string]: unknown };

const APPLY_TIME_ONLY = new Set([
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);
const HANDLED = new Set(['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'nullable']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SAME_FORMATS = new Set(['ipv4', 'ipv6', 'date-time']);

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RE2's leading `(?i)` as JavaScript: each letter outside a class becomes `[xX]`, and a class gets the
 * other case of its letters and ranges (`[^a-z]` becomes `[^a-zA-Z]`); escapes (`\d`) stay as they are.
 */
function caseInsensitive(pattern: string): string {
  let out = '';
  let cls: { body: string; other: string } | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const escaped = c === '\\' ? c + (pattern[++i] ?? '') : undefined;
    if (cls !== undefined) {
      if (c === ']' && escaped === undefined) {
        out += `${cls.body}${cls.other}]`;
        cls = undefined;
      } else {
        cls.body += escaped ?? c;
        cls.other += escaped ?? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
      }
    } else if (escaped !== undefined) {
      out += escaped;
    } else if (c === '[') {
      const negated = pattern[i + 1] === '^';
      if (negated) i++;
      out += negated ? '[^' : '[';
      cls = { body: '', other: '' };
    } else {
      out += /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    }
  }
  return out;
}

function jsPattern(pattern: string, path: string): string {
  const flag = /^(\^?)\(\?i\)/.exec(pattern);
  const js = flag ? flag[1] + caseInsensitive(pattern.slice(flag[0].length)) : pattern;
  try {
    new RegExp(js, 'u');
  } catch (error) {
    throw new Error(`${path}.pattern: ${JSON.stringify(pattern)} is not a JavaScript regular expression (${(error as Error).message})`);
  }
  return js;
}

function translateNode(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (HANDLED.has(keyword) || APPLY_TIME_ONLY.has(keyword)) continue;
    if (keyword.startsWith('x-kubernetes-')) throw new Error(`${path}: unsupported schema extension ${keyword}`);
    if (keyword === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, translateNode(child as JsonSchema, `${path}.${name}`)]),
      );
    } else if ((keyword === 'items' || keyword === 'additionalProperties' || keyword === 'not') && isSchema(value)) {
      out[keyword] = translateNode(value, `${path}.${keyword}`);
    } else if (keyword === 'pattern' && typeof value === 'string') {
      out.pattern = jsPattern(value, path);
    } else if (keyword === 'format') {
      if (SAME_FORMATS.has(value as string)) out.format = value;
    } else if (SUBSCHEMA_LISTS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((child, i) => translateNode(child as JsonSchema, `${path}.${keyword}[${i}]`));
    } else {
      out[keyword] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    out.type = ['integer', 'string'];
  }
  if (node.nullable === true && out.type !== undefined) {
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  if (out.type === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = node['x-kubernetes-preserve-unknown-fields'] === true;
  }
  return out;
}

/** JSON Schema of a whole custom resource, from its CRD version's `openAPIV3Schema`. */
export function resourceJsonSchema(openAPIV3Schema: JsonSchema): JsonSchema {
  const schema = translateNode(openAPIV3Schema, 'openAPIV3Schema');
  const { status: _status, ...properties } = isSchema(schema.properties) ? schema.properties : {};
  return { ...schema, properties: { ...properties, metadata: { type: 'object' } } };
}
