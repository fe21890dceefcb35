import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilter } from './filter.parser.js';
import {
  type CustomFilterCompiler,
  type FilterColumnMap,
  compileFilterToSql,
  equalityValues,
  escapeLike,
} from './filter.sql.js';
import { ScimError } from './scim.error.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const userColumns: FilterColumnMap = {
  id: { column: 'u.id', type: 'uuid' },
  userName: { column: 'u.user_name' },
  externalId: { column: 'u.external_id' },
  displayName: { column: 'u.display_name' },
  title: { column: 'u.title' },
  userType: { column: 'u.user_type' },
  active: { column: 'u.active' },
  'meta.created': { column: 'u.created_at' },
  'meta.lastModified': { column: 'u.updated_at' },
  'name.givenName': { column: 'u.given_name' },
  'name.familyName': { column: 'u.family_name' },
  emails: { jsonArray: 'u.emails' },
  'roles.value': { jsonArray: 'u.roles', key: 'value' },
  [`${ENTERPRISE}:employeeNumber`]: { column: 'u.employee_number' },
  'manager.value': { column: 'u.manager_id' },
};

/** What the Groups module will plug in for `members`; here only to prove the hook interface. */
const membersHook: CustomFilterCompiler = (request, context) => {
  const ids = equalityValues(request);
  if (!ids) throw ScimError.invalidFilter(`members supports only 'value eq' filters`);
  return ids
    .map(
      (id) =>
        `EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.member_id = ${context.param(id)})`,
    )
    .join(' OR ');
};

const groupColumns: FilterColumnMap = {
  id: { column: 'g.id' },
  displayName: { column: 'g.display_name' },
  externalId: { column: 'g.external_id' },
  members: { custom: membersHook },
};

const user = (filter: string, paramOffset = 0) =>
  compileFilterToSql(parseFilter(filter), { resourceType: 'User', columns: userColumns, paramOffset });
const group = (filter: string, paramOffset = 0) =>
  compileFilterToSql(parseFilter(filter), { resourceType: 'Group', columns: groupColumns, paramOffset });

const G = '2819c223-7f76-453a-919d-413861904646';
const U = '902c246b-6245-4190-8e05-00816be7344a';
const MEMBER_SQL = (n: number) =>
  `EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.member_id = $${n})`;

describe('compileFilterToSql: the filters Entra sends', () => {
  it.each([
    ['userName eq "Test_User_00aa…"', 'lower(u.user_name) = lower($1)', ['Test_User_00aa…']],
    ['userName eq "non-existent user"', 'lower(u.user_name) = lower($1)', ['non-existent user']],
    ['externalId eq "acme-sso:00aa00aa"', 'u.external_id = $1', ['acme-sso:00aa00aa']],
    ['externalId eq jyoung', 'u.external_id = $1', ['jyoung']],
    ['DisplayName eq "BobIsAmazing"', 'lower(u.display_name) = lower($1)', ['BobIsAmazing']],
    [`id eq "${U}" and manager eq "${G}"`, 'u.id = $1 AND lower(u.manager_id) = lower($2)', [U, G]],
    [
      'emails[type eq "work"].value eq "a@b.c"',
      `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE lower(e->>'type') = lower($1) AND lower(e->>'value') = lower($2))`,
      ['work', 'a@b.c'],
    ],
  ])('User %s', (filter, sql, params) => {
    expect(user(filter)).toEqual({ sql, params });
  });

  it.each([
    ['displayName eq "displayName"', 'lower(g.display_name) = lower($1)', ['displayName']],
    [`id eq "${G}" and members[value eq "${U}"]`, `g.id = $1 AND (${MEMBER_SQL(2)})`, [G, U]],
    [`id eq "${G}" and members eq "${U}"`, `g.id = $1 AND (${MEMBER_SQL(2)})`, [G, U]],
    [`id eq ${G} and members eq ${U}`, `g.id = $1 AND (${MEMBER_SQL(2)})`, [G, U]],
    [`id eq "${G}" and members.value eq "${U}"`, `g.id = $1 AND (${MEMBER_SQL(2)})`, [G, U]],
    [`members[value eq "a" or value eq "b"]`, `(${MEMBER_SQL(1)} OR ${MEMBER_SQL(2)})`, ['a', 'b']],
  ])('Group %s', (filter, sql, params) => {
    expect(group(filter)).toEqual({ sql, params });
  });

  it('numbers placeholders after the caller offset', () => {
    expect(group(`id eq "${G}" and members[value eq "${U}"]`, 3)).toEqual({
      sql: `g.id = $4 AND (${MEMBER_SQL(5)})`,
      params: [G, U],
    });
  });

  it('passes hook errors through as invalidFilter', () => {
    expect(() => group('members[type eq "User"]')).toThrow(/members supports only/);
  });
});

describe('compileFilterToSql: operators and types', () => {
  it.each([
    ['userName ne "x"', 'lower(u.user_name) IS DISTINCT FROM lower($1)', ['x']],
    ['userName co "a%b_c\\\\d"', 'lower(u.user_name) LIKE lower($1)', ['%a\\%b\\_c\\\\d%']],
    ['userName sw "J"', 'lower(u.user_name) LIKE lower($1)', ['J%']],
    ['userName ew "son"', 'lower(u.user_name) LIKE lower($1)', ['%son']],
    ['externalId sw "J"', 'u.external_id LIKE $1', ['J%']],
    ['userName gt "m"', 'lower(u.user_name) > lower($1)', ['m']],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      'lower(u.user_name) LIKE lower($1)',
      ['J%'],
    ],
    ['title pr', "(u.title IS NOT NULL AND u.title <> '')", []],
    ['active pr', 'u.active IS NOT NULL', []],
    ['active eq true', 'u.active = $1', [true]],
    ['active eq "True"', 'u.active = $1', [true]],
    ['active eq "false"', 'u.active = $1', [false]],
    ['active ne false', 'u.active IS DISTINCT FROM $1', [false]],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      "u.updated_at >= $1::timestamptz + interval '1 millisecond'",
      ['2011-05-13T04:42:34.000Z'],
    ],
    [
      'meta.created le "2011-05-13"',
      "u.created_at < $1::timestamptz + interval '1 millisecond'",
      ['2011-05-13T00:00:00.000Z'],
    ],
    ['title eq null', "(u.title IS NULL OR u.title = '')", []],
    ['title ne null', "(u.title IS NOT NULL AND u.title <> '')", []],
    ['id eq "not-a-uuid"', 'FALSE', []],
    [`id ne "not-a-uuid"`, 'u.id IS NOT NULL', []],
    ['id sw "2819"', 'u.id::text LIKE $1', ['2819%']],
    ['name.familyName co "O\'Malley"', 'lower(u.family_name) LIKE lower($1)', ["%O'Malley%"]],
    [`${ENTERPRISE}:employeeNumber eq "42"`, 'lower(u.employee_number) = lower($1)', ['42']],
    ['employeeNumber eq 42', 'lower(u.employee_number) = lower($1)', ['42']],
    [`${ENTERPRISE}:manager.value eq "m"`, 'lower(u.manager_id) = lower($1)', ['m']],
    [
      'emails co "example.com"',
      `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE lower(e->>'value') LIKE lower($1))`,
      ['%example.com%'],
    ],
    [
      'emails.value ne "a@b.c"',
      `NOT EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE lower(e->>'value') = lower($1))`,
      ['a@b.c'],
    ],
    ['emails pr', 'coalesce(jsonb_array_length(u.emails), 0) > 0', []],
    [
      'emails.value pr',
      `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE (e->>'value' IS NOT NULL AND e->>'value' <> ''))`,
      [],
    ],
    [
      'emails[primary eq "True"]',
      `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE (e->>'primary')::boolean = $1)`,
      [true],
    ],
    [
      'roles.value eq "GlobalReader"',
      `EXISTS (SELECT 1 FROM jsonb_array_elements(u.roles) AS e WHERE lower(e->>'value') = lower($1))`,
      ['GlobalReader'],
    ],
    [
      'name[givenName eq "Barbara" and familyName eq "Jensen"]',
      '(lower(u.given_name) = lower($1) AND lower(u.family_name) = lower($2))',
      ['Barbara', 'Jensen'],
    ],
  ])('%s', (filter, sql, params) => {
    expect(user(filter)).toEqual({ sql, params });
  });

  it('combines and, or and not with correct grouping', () => {
    expect(
      user('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")'),
    ).toEqual({
      sql:
        'lower(u.user_type) = lower($1) AND (' +
        `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE lower(e->>'value') LIKE lower($2)) OR ` +
        `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE lower(e->>'value') LIKE lower($3)))`,
      params: ['Employee', '%example.com%', '%example.org%'],
    });
    expect(user('userType ne "Employee" and not (title pr or userType eq "Intern")')).toEqual({
      sql:
        'lower(u.user_type) IS DISTINCT FROM lower($1) AND ' +
        "(((u.title IS NOT NULL AND u.title <> '') OR lower(u.user_type) = lower($2))) IS NOT TRUE",
      params: ['Employee', 'Intern'],
    });
    expect(user('title pr or userName eq "a" and active eq true')).toEqual({
      sql: "((u.title IS NOT NULL AND u.title <> '') OR lower(u.user_name) = lower($1) AND u.active = $2)",
      params: ['a', true],
    });
    expect(user('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]')).toEqual({
      sql:
        'lower(u.user_type) = lower($1) AND EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e ' +
        "WHERE lower(e->>'type') = lower($2) AND lower(e->>'value') LIKE lower($3))",
      params: ['Employee', 'work', '%@example.com%'],
    });
  });
});

/** Mismatches with the in-memory evaluator that the differential test (test/filter-differential.e2e-spec.ts) found. */
describe('compileFilterToSql agrees with the in-memory evaluator', () => {
  const EMAILS = (condition: string) =>
    `EXISTS (SELECT 1 FROM jsonb_array_elements(u.emails) AS e WHERE ${condition})`;
  const PRESENT_VALUE = "(e->>'value' IS NOT NULL AND e->>'value' <> '')";

  it.each([
    // `eq null` is "not present" and `ne null` is "present", on multi-valued attributes too.
    ['emails eq null', `NOT ${EMAILS(PRESENT_VALUE)}`, []],
    ['emails.value ne null', EMAILS(PRESENT_VALUE), []],
    ['emails[type eq null]', EMAILS("(e->>'type' IS NULL OR e->>'type' = '')"), []],
    ['emails.primary eq null', `NOT ${EMAILS("(e->>'primary')::boolean IS NOT NULL")}`, []],
    // An empty string is no value, as `pr` already says.
    ['title eq null', "(u.title IS NULL OR u.title = '')", []],
    ['title ne null', "(u.title IS NOT NULL AND u.title <> '')", []],
    ['title eq ""', 'FALSE', []],
    ['title ne ""', 'TRUE', []],
    ['title co ""', "(u.title IS NOT NULL AND u.title <> '')", []],
    ['title ge ""', "(u.title IS NOT NULL AND u.title <> '')", []],
    ['title le ""', 'FALSE', []],
    ['title lt "b"', "(lower(u.title) < lower($1) AND u.title <> '')", ['b']],
    ['title le "b"', "(lower(u.title) <= lower($1) AND u.title <> '')", ['b']],
    ['emails.value ne ""', `NOT ${EMAILS('FALSE')}`, []],
    // SCIM JSON shows dateTimes to the millisecond; the columns hold microseconds.
    [
      'meta.created eq "2011-05-13T04:42:34.5+02:00"',
      "(u.created_at >= $1::timestamptz AND u.created_at < $1::timestamptz + interval '1 millisecond')",
      ['2011-05-13T02:42:34.500Z'],
    ],
    [
      'meta.created ne "2011-05-13T04:42:34Z"',
      "(u.created_at >= $1::timestamptz AND u.created_at < $1::timestamptz + interval '1 millisecond') IS NOT TRUE",
      ['2011-05-13T04:42:34.000Z'],
    ],
    [
      'meta.created gt "2011-05-13"',
      "u.created_at >= $1::timestamptz + interval '1 millisecond'",
      ['2011-05-13T00:00:00.000Z'],
    ],
    ['meta.created lt "2011-05-13"', 'u.created_at < $1::timestamptz', ['2011-05-13T00:00:00.000Z']],
    // `id` is caseExact (RFC 7643 §3.1); PostgreSQL prints uuids in lower case.
    [`id eq "${U.toUpperCase()}"`, 'FALSE', []],
    [`id ne "${U.toUpperCase()}"`, 'u.id IS NOT NULL', []],
    ['id sw "902C"', 'u.id::text LIKE $1', ['902C%']],
  ])('%s', (filter, sql, params) => {
    expect(user(filter)).toEqual({ sql, params });
  });
});

describe('compileFilterToSql: rejections', () => {
  it.each([
    ['foo eq "x"', /attribute 'foo' is not filterable/],
    ['name.middleName eq "x"', /attribute 'name.middleName' is not filterable/],
    ['emails[display eq "x"] or ims[type eq "xmpp"]', /attribute 'ims.type' is not filterable/],
    ['active eq "maybe"', /boolean/],
    ['active eq 1', /boolean/],
    ['active gt true', /not supported on boolean/],
    ['active co "t"', /not supported on boolean/],
    ['meta.created eq "yesterday"', /not an xsd:dateTime/],
    ['meta.created co "2011"', /not supported on dates/],
    ['title gt null', /cannot compare/],
    ['emails[type eq "work" and roles eq "x"]', /not filterable/],
  ])('%s', (filter, message) => {
    let caught: unknown;
    try {
      user(filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimError);
    expect((caught as ScimError).scimType).toBe('invalidFilter');
    expect((caught as ScimError).detail).toMatch(message);
  });

  it('refuses a column map entry that is ambiguous', () => {
    expect(() =>
      compileFilterToSql(parseFilter('a pr'), {
        resourceType: 'User',
        columns: { a: { column: 'x', jsonArray: 'y' } },
      }),
    ).toThrow(/exactly one/);
  });
});

describe('compileFilterToSql: values never reach the SQL text', () => {
  const attributes = [
    'userName',
    'externalId',
    'name.givenName',
    'emails.value',
    'roles.value',
    'employeeNumber',
  ];
  const operators = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

  it('produces the same SQL whatever the value, and carries the value as a parameter', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...attributes),
        fc.constantFrom(...operators),
        // The empty string is no value and compiles to a fixed condition without parameter (tested above).
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        (attribute, operator, value) => {
          const filter = `${attribute} ${operator} ${JSON.stringify(value)}`;
          const reference = user(`${attribute} ${operator} "x"`);
          const compiled = user(filter);
          expect(compiled.sql).toBe(reference.sql);
          expect(compiled.params).toHaveLength(1);
          const param = compiled.params[0] as string;
          expect(param === value || param.includes(escapeLike(value))).toBe(true);
          if (value.length >= 6) expect(compiled.sql.includes(value)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps hook values out of the SQL text too', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 6, maxLength: 40 }), (value) => {
        const compiled = group(`members[value eq ${JSON.stringify(value)}]`);
        expect(compiled.sql).toBe(`(${MEMBER_SQL(1)})`);
        expect(compiled.params).toEqual([value]);
      }),
      { numRuns: 200 },
    );
  });
});
