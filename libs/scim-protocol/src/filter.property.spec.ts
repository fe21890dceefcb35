import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttributePath,
  type Filter,
  type FilterLiteral,
  COMPARE_OPERATORS,
  stringifyFilter,
} from './filter.ast.js';
import { parseFilter } from './filter.parser.js';
import { ScimError } from './scim.error.js';

function parsesOrRejectsWith400(input: string): void {
  try {
    parseFilter(input);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
  }
}

const TOKENS = [
  'userName',
  'emails',
  '.value',
  'name.givenName',
  'meta.lastModified',
  'members',
  'not',
  'and',
  'or',
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
  'pr',
  'EQ',
  'And',
  '(',
  ')',
  '[',
  ']',
  '"',
  '"x"',
  '"a\\"b"',
  '\\',
  '\\u00e9',
  '\\u',
  '1',
  '-2.5e3',
  '1e999',
  'true',
  'False',
  'null',
  ' ',
  '  ',
  '\t',
  '\n',
  '.',
  ':',
  'urn:ietf:params:scim:schemas:core:2.0:User:',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  '$ref',
  'type',
  'value',
  '+',
  '%22',
  'jyoung',
  '@example.com',
];

describe('parseFilter never fails with anything but a 400 ScimError', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), parsesOrRejectsWith400), {
      numRuns: 500,
    });
  });

  it('on strings built from filter tokens', () => {
    const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 });
    fc.assert(
      fc.property(tokens, fc.boolean(), (parts, spaced) =>
        parsesOrRejectsWith400(parts.join(spaced ? ' ' : '')),
      ),
      { numRuns: 500 },
    );
  });

  it('on deep nesting', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom('(', 'not (', 'not ', 'emails[', 'a['),
        (depth, opener) => parsesOrRejectsWith400(`${opener.repeat(depth)}a pr`),
      ),
      { numRuns: 50 },
    );
  });
});

/** Plain objects only: the parser builds object literals, and toStrictEqual compares prototypes. */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true });

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/);
const uri = fc.constantFrom(
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:acme:x',
);
const path: fc.Arbitrary<AttributePath> = record({
  uri: fc.option(uri, { nil: undefined }),
  name,
  subAttr: fc.option(name, { nil: undefined }),
}).map(({ uri, name, subAttr }) => ({
  ...(uri !== undefined ? { uri } : {}),
  name,
  ...(subAttr !== undefined ? { subAttr } : {}),
}));
const relativePath: fc.Arbitrary<AttributePath> = name.map((n) => ({ name: n }));
const literal: fc.Arbitrary<FilterLiteral> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (Object.is(value, -0) ? 0 : value)),
  fc.boolean(),
  fc.constant(null),
);

function filterArbitrary(
  leafPath: fc.Arbitrary<AttributePath>,
  allowValuePath: boolean,
): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => {
    const leaves: fc.Arbitrary<Filter>[] = [
      record({
        kind: fc.constant('compare' as const),
        path: leafPath,
        op: fc.constantFrom(...COMPARE_OPERATORS),
        value: literal,
      }),
      record({ kind: fc.constant('present' as const), path: leafPath }),
    ];
    if (allowValuePath) {
      leaves.push(
        record({
          kind: fc.constant('valuePath' as const),
          path: record({ name }),
          filter: filterArbitrary(relativePath, false),
        }),
      );
    }
    return {
      filter: fc.oneof(
        { depthSize: 'small', maxDepth: 4 },
        ...leaves,
        record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
        record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
        record({ kind: fc.constant('not' as const), filter: tie('filter') }),
      ),
    };
  }).filter;
}

describe('stringifyFilter', () => {
  it('re-parses to the same tree', () => {
    fc.assert(
      fc.property(filterArbitrary(path, true), (filter) => {
        expect(parseFilter(stringifyFilter(filter))).toStrictEqual(filter);
      }),
      { numRuns: 400 },
    );
  });

  it('is a fixed point after one parse of any accepted input', () => {
    const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 20 }).map((parts) => parts.join(' '));
    fc.assert(
      fc.property(tokens, (input) => {
        let parsed: Filter;
        try {
          parsed = parseFilter(input);
        } catch {
          return;
        }
        expect(parseFilter(stringifyFilter(parsed))).toStrictEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });
});
