import fs from 'node:fs';
import { schemaProblems } from '../../constructs/core/crd-validation';

// A schema that states each keyword once, where the pinned CRDs use only some of them; its path is
// relative to constructs/core/crds, where the generated schemas live.
const KEYWORDS = { crd: 'keywords', source: 'fixture', file: '../../../__tests__/fixtures/keywords.schema.json' };

/** The message for each field path that the fixture schema refuses in `body`. */
const problems = (body: object) => Object.fromEntries(schemaProblems(KEYWORDS, { name: 'x', ...body }).map((p) => [p.path, p.message]));

describe('schemaProblems', () => {
  it.each([
    ['pattern', 'A1', 'must match the pattern ^[a-z]+$, not "A1"'],
    ['format', '10.0.0', 'must be a valid ipv4, not "10.0.0"'],
    ['minimum', 0, 'must be at least 1, not 0'],
    ['maximum', 10, 'must be at most 9, not 10'],
    ['minLength', 'a', 'must be at least 2 characters long, not "a"'],
    ['maxLength', 'abcd', 'must be at most 3 characters long, not "abcd"'],
    ['minItems', [], 'must have at least 1 items'],
    ['maxItems', ['a', 'b'], 'must have at most 1 items'],
    ['minProperties', {}, 'must have at least 1 entries'],
    ['maxProperties', { a: '1', b: '2' }, 'must have at most 1 entries'],
    ['uniqueItems', ['a', 'a'], 'must not repeat an item'],
    ['anyOf', true, "must satisfy at least one of the CRD's alternatives, not true"],
    ['oneOf', 'x', `must satisfy exactly one of the CRD's alternatives, not "x"`],
    ['not', 's', 'is a combination the CRD forbids, not "s"'],
    ['shortEnum', 'z', 'must be one of "x", "y", not "z"'],
  ])('states the %s rule in words', (field, value, message) => {
    expect(problems({ [field]: value })).toEqual({ [field]: message });
  });

  it("falls back to the validator's own text for a keyword it has no words for", () => {
    expect(problems({ multipleOf: 7 })).toEqual({ multipleOf: '7 is not a multiple of 5., not 7' });
  });

  it('lists at most twelve allowed values', () => {
    expect(problems({ twelve: 'z' }).twelve).toBe('must be one of "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", not "z"');
    expect(problems({ enum: 'z' }).enum).toBe('must be one of "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", …, not "z"');
  });

  it('echoes null, but no object or list', () => {
    expect(problems({ shortEnum: null, minItems: {}, maxProperties: [] })).toEqual({
      shortEnum: 'must be of type string, not null',
      minItems: 'must be of type array',
      maxProperties: 'must be of type object',
    });
  });

  it('cuts a long refused value to 60 characters', () => {
    const value = 'Y'.repeat(80);
    expect(problems({ pattern: value }).pattern).toBe(`must match the pattern ^[a-z]+$, not ${JSON.stringify(value).slice(0, 57)}…`);
    expect(problems({ pattern: 'Y'.repeat(58) }).pattern).toBe(`must match the pattern ^[a-z]+$, not ${JSON.stringify('Y'.repeat(58))}`);
  });

  it('reports one problem per field, the first the validator finds', () => {
    expect(problems({ shortEnum: 5 })).toEqual({ shortEnum: 'must be of type string, not 5' });
  });

  it('reads a schema file at most once, however many resources it checks', () => {
    const read = jest.spyOn(fs, 'readFileSync');
    try {
      schemaProblems(KEYWORDS, { name: 'a' });
      schemaProblems(KEYWORDS, { name: 'b' });
      expect(read.mock.calls.filter(([file]) => String(file).endsWith('keywords.schema.json')).length).toBeLessThanOrEqual(1);
    } finally {
      read.mockRestore();
    }
  });

  it('names a missing required field of the resource itself', () => {
    expect(schemaProblems(KEYWORDS, {})).toEqual([{ path: 'name', message: 'required, but missing' }]);
  });

  it('lists the fields the enclosing object declares, sorted, next to an unknown one', () => {
    const found = problems({ extra: 1, nested: { beta: '1' }, closed: { x: 1 } });
    expect(found['nested.beta']).toBe('unknown field (the CRD declares alpha, zeta)');
    expect(found.extra).toMatch(/^unknown field \(the CRD declares anyOf, closed, enum, format, /);
    // An object that declares no fields has none to list.
    expect(found['closed.x']).toBe('unknown field');
  });
});
