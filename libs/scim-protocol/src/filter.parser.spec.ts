import { describe, expect, it } from 'vitest';
import { type Filter, stringifyFilter } from './filter.ast.js';
import { parseFilter, parsePathSyntax } from './filter.parser.js';
import { ScimError } from './scim.error.js';

const eq = (name: string, value: unknown, extra: Record<string, string> = {}): Filter =>
  ({ kind: 'compare', path: { name, ...extra }, op: 'eq', value }) as Filter;

function expectInvalidFilter(input: string, message?: RegExp): ScimError {
  try {
    parseFilter(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const scimError = error as ScimError;
    expect(scimError.status).toBe(400);
    expect(scimError.scimType).toBe('invalidFilter');
    if (message) expect(scimError.detail).toMatch(message);
    return scimError;
  }
  throw new Error(`expected ${input} to be rejected`);
}

describe('parseFilter: RFC 7644 §3.4.2.2 examples', () => {
  const cases: [string, Filter][] = [
    ['userName eq "bjensen"', eq('userName', 'bjensen')],
    [
      `name.familyName co "O'Malley"`,
      { kind: 'compare', path: { name: 'name', subAttr: 'familyName' }, op: 'co', value: "O'Malley" },
    ],
    ['userName sw "J"', { kind: 'compare', path: { name: 'userName' }, op: 'sw', value: 'J' }],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      {
        kind: 'compare',
        path: { uri: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'userName' },
        op: 'sw',
        value: 'J',
      },
    ],
    ['title pr', { kind: 'present', path: { name: 'title' } }],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { name: 'meta', subAttr: 'lastModified' },
        op: 'gt',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    [
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { name: 'meta', subAttr: 'lastModified' },
        op: 'ge',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    [
      'meta.lastModified lt "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { name: 'meta', subAttr: 'lastModified' },
        op: 'lt',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    [
      'meta.lastModified le "2011-05-13T04:42:34Z"',
      {
        kind: 'compare',
        path: { name: 'meta', subAttr: 'lastModified' },
        op: 'le',
        value: '2011-05-13T04:42:34Z',
      },
    ],
    [
      'title pr and userType eq "Employee"',
      { kind: 'and', left: { kind: 'present', path: { name: 'title' } }, right: eq('userType', 'Employee') },
    ],
    [
      'title pr or userType eq "Intern"',
      { kind: 'or', left: { kind: 'present', path: { name: 'title' } }, right: eq('userType', 'Intern') },
    ],
    [
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      eq('schemas', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
    ],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      {
        kind: 'and',
        left: eq('userType', 'Employee'),
        right: {
          kind: 'or',
          left: { kind: 'compare', path: { name: 'emails' }, op: 'co', value: 'example.com' },
          right: {
            kind: 'compare',
            path: { name: 'emails', subAttr: 'value' },
            op: 'co',
            value: 'example.org',
          },
        },
      },
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      {
        kind: 'and',
        left: { kind: 'compare', path: { name: 'userType' }, op: 'ne', value: 'Employee' },
        right: {
          kind: 'not',
          filter: {
            kind: 'or',
            left: { kind: 'compare', path: { name: 'emails' }, op: 'co', value: 'example.com' },
            right: {
              kind: 'compare',
              path: { name: 'emails', subAttr: 'value' },
              op: 'co',
              value: 'example.org',
            },
          },
        },
      },
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      { kind: 'and', left: eq('userType', 'Employee'), right: eq('emails', 'work', { subAttr: 'type' }) },
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      {
        kind: 'and',
        left: eq('userType', 'Employee'),
        right: {
          kind: 'valuePath',
          path: { name: 'emails' },
          filter: {
            kind: 'and',
            left: eq('type', 'work'),
            right: { kind: 'compare', path: { name: 'value' }, op: 'co', value: '@example.com' },
          },
        },
      },
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      {
        kind: 'or',
        left: {
          kind: 'valuePath',
          path: { name: 'emails' },
          filter: {
            kind: 'and',
            left: eq('type', 'work'),
            right: { kind: 'compare', path: { name: 'value' }, op: 'co', value: '@example.com' },
          },
        },
        right: {
          kind: 'valuePath',
          path: { name: 'ims' },
          filter: {
            kind: 'and',
            left: eq('type', 'xmpp'),
            right: { kind: 'compare', path: { name: 'value' }, op: 'co', value: '@foo.com' },
          },
        },
      },
    ],
  ];

  it.each(cases)('%s', (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
    expect(parseFilter(stringifyFilter(parseFilter(input)))).toStrictEqual(expected);
  });
});

describe('parseFilter: filters Entra sends (entra-client.md)', () => {
  const cases: [string, Filter][] = [
    ['userName eq "Test_User_00aa…"', eq('userName', 'Test_User_00aa…')],
    ['userName eq "non-existent user"', eq('userName', 'non-existent user')],
    ['externalId eq "<value>"', eq('externalId', '<value>')],
    // Tutorial prose shows it unquoted; accepted as a string.
    ['externalId eq jyoung', eq('externalId', 'jyoung')],
    [
      'id eq "<id>" and manager eq "<id>"',
      { kind: 'and', left: eq('id', '<id>'), right: eq('manager', '<id>') },
    ],
    [
      'id eq "<id>" and manager eq "<mgrId>"',
      { kind: 'and', left: eq('id', '<id>'), right: eq('manager', '<mgrId>') },
    ],
    ['displayName eq "displayName"', eq('displayName', 'displayName')],
    ['displayName eq "<name>"', eq('displayName', '<name>')],
    ['userName eq "<Entra displayName>"', eq('userName', '<Entra displayName>')],
    [
      'id eq <groupId> and members eq <userId>',
      { kind: 'and', left: eq('id', '<groupId>'), right: eq('members', '<userId>') },
    ],
    [
      'id eq "<g>" and members[value eq "<u>"]',
      {
        kind: 'and',
        left: eq('id', '<g>'),
        right: { kind: 'valuePath', path: { name: 'members' }, filter: eq('value', '<u>') },
      },
    ],
    [
      'emails[type eq "work"].value eq "…"',
      {
        kind: 'valuePath',
        path: { name: 'emails' },
        filter: { kind: 'and', left: eq('type', 'work'), right: eq('value', '…') },
      },
    ],
    // `filter=userName+eq+%22cf4d78e8-…%22` after the HTTP layer decoded `+` and `%22`.
    ['userName eq "cf4d78e8-…"', eq('userName', 'cf4d78e8-…')],
    ['DisplayName eq "BobIsAmazing"', eq('DisplayName', 'BobIsAmazing')],
    [
      'active eq true and (meta.lastModified ge "2026-01-01T00:00:00Z" and meta.lastModified le "2026-02-01T00:00:00Z")',
      {
        kind: 'and',
        left: eq('active', true),
        right: {
          kind: 'and',
          left: {
            kind: 'compare',
            path: { name: 'meta', subAttr: 'lastModified' },
            op: 'ge',
            value: '2026-01-01T00:00:00Z',
          },
          right: {
            kind: 'compare',
            path: { name: 'meta', subAttr: 'lastModified' },
            op: 'le',
            value: '2026-02-01T00:00:00Z',
          },
        },
      },
    ],
  ];

  it.each(cases)('%s', (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
    expect(parseFilter(stringifyFilter(parseFilter(input)))).toStrictEqual(expected);
  });
});

describe('parseFilter: lexical details', () => {
  it('treats operators, keywords and literals case-insensitively', () => {
    expect(parseFilter('userName EQ "a" AND active Eq TRUE OR title PR')).toStrictEqual({
      kind: 'or',
      left: { kind: 'and', left: eq('userName', 'a'), right: eq('active', true) },
      right: { kind: 'present', path: { name: 'title' } },
    });
  });

  it('tolerates runs of spaces, tabs and line breaks', () => {
    expect(parseFilter('  userName \t eq   "a"\n and\t\tid  eq "b"  ')).toStrictEqual({
      kind: 'and',
      left: eq('userName', 'a'),
      right: eq('id', 'b'),
    });
  });

  it('decodes JSON string escapes', () => {
    expect(parseFilter(String.raw`userName eq "a\"b\\c\/d\n\t\u00e9\ud83d\ude00"`)).toStrictEqual(
      eq('userName', 'a"b\\c/d\n\té😀'),
    );
  });

  it('reads numbers, booleans and null', () => {
    expect(parseFilter('x eq 42')).toStrictEqual(eq('x', 42));
    expect(parseFilter('x gt -1.5e3')).toStrictEqual({
      kind: 'compare',
      path: { name: 'x' },
      op: 'gt',
      value: -1500,
    });
    expect(parseFilter('x eq false')).toStrictEqual(eq('x', false));
    expect(parseFilter('x eq null')).toStrictEqual(eq('x', null));
    expect(parseFilter('x eq "true"')).toStrictEqual(eq('x', 'true'));
  });

  it('gives not a higher precedence than and, and and higher than or', () => {
    expect(stringifyFilter(parseFilter('a pr or b pr and not (c pr)'))).toBe('a pr or (b pr and not (c pr))');
    expect(stringifyFilter(parseFilter('a pr and b pr or c pr'))).toBe('(a pr and b pr) or c pr');
  });

  it('accepts not without parentheses and an attribute named like a keyword', () => {
    expect(parseFilter('not title pr')).toStrictEqual({
      kind: 'not',
      filter: { kind: 'present', path: { name: 'title' } },
    });
    expect(parseFilter('not eq "x"')).toStrictEqual(eq('not', 'x'));
    expect(parseFilter('origin eq "x" or order pr')).toStrictEqual({
      kind: 'or',
      left: eq('origin', 'x'),
      right: { kind: 'present', path: { name: 'order' } },
    });
  });

  it('reads URN-qualified sub-attributes', () => {
    expect(
      parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"'),
    ).toStrictEqual(
      eq('manager', 'm', {
        uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        subAttr: 'value',
      }),
    );
  });
});

describe('parseFilter: errors', () => {
  it.each([
    ['', /filter is empty/],
    ['   ', /filter is empty/],
    ['userName', /at position 8: expected comparison operator/],
    ['userName bogus "x"', /at position 9: expected comparison operator .* found 'bogus'/],
    ['userName eq', /at position 11: expected a value after 'eq'/],
    ['userName eq "abc', /at position 12: unterminated string/],
    ['userName eq "a\\qb"', /at position 14: invalid escape/],
    ['(userName eq "a"', /at position 16: expected '\)'/],
    ['userName eq "a")', /at position 15: expected 'and', 'or' or end of filter/],
    ['userName eq "a" and', /at position 19: expected attribute name/],
    ['emails[type eq "work"', /expected '\]'/],
    ['emails[type[value eq "x"] eq "y"]', /value filters cannot be nested/],
    ['name.givenName[value eq "x"]', /must follow an attribute/],
    ['a.b.c eq "x"', /not a valid attribute path/],
    ['http://x:y eq "z"', /expected comparison operator|not a valid attribute path/],
    ['foo:bar eq "z"', /not a valid attribute path/],
    ['1abc eq "z"', /not a valid attribute path/],
    ['x eq 1e999', /out of range/],
    ['userName eq "a" andx id eq "b"', /expected 'and', 'or' or end of filter/],
  ])('%j is invalidFilter', (input, message) => {
    expectInvalidFilter(input, message);
  });

  it('limits the length', () => {
    const long = `userName eq "${'a'.repeat(5000)}"`;
    expectInvalidFilter(long, /at most 4096/);
    expect(() => parseFilter(long, { maxLength: 10_000 })).not.toThrow();
  });

  it('limits the nesting depth instead of overflowing the stack', () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a pr${')'.repeat(depth)}`;
    expect(() => parseFilter(nested(32))).not.toThrow();
    expectInvalidFilter(nested(33), /nests deeper than 32 levels/);
    expectInvalidFilter('not '.repeat(40) + 'a pr', /nests deeper/);
    expectInvalidFilter(nested(100_000), /at most 4096/);
    expectInvalidFilter(nested(2000).slice(0, 4000), /nests deeper/);
  });
});

describe('parsePathSyntax (PATCH paths)', () => {
  it('parses value filters with a trailing sub-attribute', () => {
    expect(parsePathSyntax('emails[type eq "work"].value')).toStrictEqual({
      attribute: { name: 'emails' },
      valueFilter: eq('type', 'work'),
      filterSubAttr: 'value',
    });
    expect(parsePathSyntax('members[value eq "7f4bc1a3-…"]')).toStrictEqual({
      attribute: { name: 'members' },
      valueFilter: eq('value', '7f4bc1a3-…'),
    });
    expect(
      parsePathSyntax('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber'),
    ).toStrictEqual({
      attribute: {
        uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        name: 'employeeNumber',
      },
    });
  });

  it('rejects trailing garbage', () => {
    expect(() => parsePathSyntax('emails[type eq "work"]x')).toThrow(/position 22/);
    expect(() => parsePathSyntax('name.givenName extra')).toThrow(/position 15/);
  });
});
