import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OutputUnit, type Schema, validate } from '@cfworker/json-schema';
import { Token } from 'cdktf';
import type { CrdSchema } from './crds';

/** One field of a custom resource that its CRD's schema refuses. */
export interface SchemaProblem {
  /** Field path as the API server writes it, e.g. `spec.listeners[0].port`. */
  readonly path: string;
  readonly message: string;
}

// Each kind's schema is read when the first resource of that kind is checked, and then kept:
// EnvoyProxy's alone is 400 kB, and most programs use only some kinds.
const schemas = new Map<string, Schema>();
function loadSchema(source: CrdSchema): Schema {
  let schema = schemas.get(source.file);
  if (schema === undefined) {
    schema = JSON.parse(readFileSync(join(__dirname, 'crds', source.file), 'utf8')) as Schema;
    schemas.set(source.file, schema);
  }
  return schema;
}

const decodePointer = (pointer: string) =>
  pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** The values from the root down to a JSON pointer, root first (shorter if the path leaves the value). */
function valuesAlong(instance: unknown, segments: readonly string[]): unknown[] {
  const values = [instance];
  let value = instance;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || !(segment in value)) break;
    value = (value as Record<string, unknown>)[segment];
    values.push(value);
  }
  return values;
}

function fieldPath(instance: unknown, segments: readonly string[]): string {
  const values = valuesAlong(instance, segments);
  return segments
    .map((segment, i) => {
      if (Array.isArray(values[i])) return `[${segment}]`;
      const dotted = /^[A-Za-z_][\w-]*$/.test(segment);
      return dotted ? `${i === 0 ? '' : '.'}${segment}` : `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** A scalar for a message, as JSON (long strings cut). */
function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** `, not <value>` for a refused scalar; objects and lists are not echoed whole. */
const refused = (value: unknown) => (typeof value === 'object' && value !== null ? '' : `, not ${describe(value)}`);

const list = (values: readonly unknown[]) =>
  values.length > 12 ? `${values.slice(0, 12).map(describe).join(', ')}, …` : values.map(describe).join(', ');

/** The part of the schema at a JSON pointer; undefined if the schema has nothing there. */
function schemaAt(schema: Schema, keywordLocation: string): unknown {
  const segments = decodePointer(keywordLocation);
  const values = valuesAlong(schema, segments);
  return values.length === segments.length + 1 ? values.at(-1) : undefined;
}

/** The rule a keyword states, in words. */
function rule(keyword: string, expected: unknown, fallback: string): string {
  switch (keyword) {
    case 'type':
      return `must be of type ${(Array.isArray(expected) ? expected : [expected]).join(' or ')}`;
    case 'enum':
      return `must be one of ${list(expected as unknown[])}`;
    case 'pattern':
      return `must match the pattern ${String(expected)}`;
    case 'format':
      return `must be a valid ${String(expected)}`;
    case 'minimum':
      return `must be at least ${String(expected)}`;
    case 'maximum':
      return `must be at most ${String(expected)}`;
    case 'minLength':
      return `must be at least ${String(expected)} characters long`;
    case 'maxLength':
      return `must be at most ${String(expected)} characters long`;
    case 'minItems':
      return `must have at least ${String(expected)} items`;
    case 'maxItems':
      return `must have at most ${String(expected)} items`;
    case 'minProperties':
      return `must have at least ${String(expected)} entries`;
    case 'maxProperties':
      return `must have at most ${String(expected)} entries`;
    case 'uniqueItems':
      return 'must not repeat an item';
    case 'anyOf':
      return 'must satisfy at least one of the CRD\'s alternatives';
    case 'oneOf':
      return 'must satisfy exactly one of the CRD\'s alternatives';
    case 'not':
      return 'is a combination the CRD forbids';
    default:
      return fallback;
  }
}

// Errors that only say that something below failed; the error below says what.
const WRAPPERS = new Set(['properties', 'items', 'additionalProperties', 'allOf']);
const ALTERNATIVES = new Set(['anyOf', 'oneOf', 'not']);

/**
 * What the schema of `source` refuses in `body`, one problem per field: unknown fields (which the
 * API server would silently prune), wrong types, missing required fields, values out of range or
 * pattern. Values that are still Terraform tokens are not judged here: only plan and apply know them.
 */
export function schemaProblems(source: CrdSchema, body: object): SchemaProblem[] {
  const schema = loadSchema(source);
  // No $ref in structural schemas: an empty lookup spares validate() indexing the whole schema.
  const { errors } = validate(body, schema, '4', {}, false);
  const unresolved = (segments: readonly string[]) => valuesAlong(body, segments).some((v) => Token.isUnresolved(v));

  const problems = new Map<string, string>();
  const add = (segments: readonly string[], message: string) => {
    const path = fieldPath(body, segments);
    if (!problems.has(path)) problems.set(path, message);
  };
  // Branches of a failed anyOf/oneOf/not explain only why each alternative did not fit.
  const inBranch = (e: OutputUnit) =>
    errors.some((a) => ALTERNATIVES.has(a.keyword) && e.keywordLocation.startsWith(`${a.keywordLocation}/`));
  for (const error of errors) {
    if (WRAPPERS.has(error.keyword) || inBranch(error)) continue;
    const segments = decodePointer(error.instanceLocation);
    if (unresolved(segments)) continue;
    if (error.keyword === 'false') {
      // additionalProperties: false, reached by a field the CRD does not declare.
      const parent = errors.find(
        (e) => e.keyword === 'additionalProperties' && e.instanceLocation === error.instanceLocation.replace(/\/[^/]*$/, ''),
      );
      const declared = parent ? schemaAt(schema, parent.keywordLocation.replace(/\/additionalProperties$/, '/properties')) : undefined;
      const names = typeof declared === 'object' && declared !== null ? Object.keys(declared).sort() : [];
      add(segments, `unknown field${names.length > 0 ? ` (the CRD declares ${names.join(', ')})` : ''}`);
    } else if (error.keyword === 'required') {
      const object = valuesAlong(body, segments).at(-1) as Record<string, unknown>;
      for (const name of schemaAt(schema, error.keywordLocation) as string[]) {
        if (!(name in object)) add([...segments, name], 'required, but missing');
      }
    } else {
      const value = valuesAlong(body, segments).at(-1);
      add(segments, `${rule(error.keyword, schemaAt(schema, error.keywordLocation), error.error)}${refused(value)}`);
    }
  }
  return [...problems].map(([path, message]) => ({ path, message }));
}
