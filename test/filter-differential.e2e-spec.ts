/**
 * Differential test of the two filter implementations: for random users stored exactly as the SCIM
 * Users service stores them, and for random filters built from the RFC 7644 grammar, the in-memory
 * evaluator (`filter.evaluate.ts`, over each user's SCIM JSON from `toScimUser`) must select the same
 * users as the SQL compiler (`filter.sql.ts` with `USER_FILTER_COLUMNS`, run in PostgreSQL with the
 * organization scoping of `UsersRepository`).
 *
 * The users are drawn once per run from a random seed (printed on failure, replayable with
 * FILTER_DIFFERENTIAL_DATA_SEED); the filters come from fast-check, which prints its own seed and
 * path (replayable with FILTER_DIFFERENTIAL_SEED and FILTER_DIFFERENTIAL_PATH).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveGlobalRole,
  rolesOfEntries,
  storedAttributesOf,
  toScimUser,
  USER_FILTER_COLUMNS,
} from '#scim';
import {
  type Filter,
  matchesFilter,
  parseFilter,
  compileFilterToSql,
  type JsonObject,
  normalizeResource,
  SCHEMA_URN,
  ScimError,
} from '#scim-protocol';
import { normalizeUserName, type ScimUserState, type UserRow } from '#users';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ENTERPRISE = SCHEMA_URN.enterpriseUser;
const SIGNPATH = SCHEMA_URN.signpathUser;
const CORE = SCHEMA_URN.coreUser;
const FILTERS_PER_RUN = 1_200;
/** SQL refusals that come from USER_FILTER_COLUMNS (what is stored where), not from filter semantics. */
const STORE_LIMITS = /is not filterable|roles can only be filtered|stored apart/;

// ---------------------------------------------------------------------------------------------
// Users: SCIM POST bodies, turned into rows the way ScimUsersService.create does.
// ---------------------------------------------------------------------------------------------

const GIVEN = ['alice', 'Alice', 'alicia', 'Al', 'bob', 'Bobby', 'bo%b', 'b_b', 'zoë', 'Zoë', 'søren'];
const FAMILY = [
  'smith',
  'Smith',
  'SMITHSON',
  'straße',
  'STRASSE',
  'Émile',
  'émile',
  'ΣΟΦΙΑ',
  'σοφια',
  "O'Neil",
];
const MORE = [
  'x\\y',
  'Ann-Marie',
  'İlker',
  'ilker',
  'ÅSA',
  'åsa',
  '日本',
  'naïve',
  'NAÏVE',
  'ǅemal',
  'ＡＢＣ',
  'ａｂ',
  '😀x',
  'x😀',
];
const DOMAINS = ['example.com', 'Example.COM', 'example.org', 'mail.example.com', 'x.io', 'exämple.de'];
const EMAIL_TYPES = ['work', 'home', 'other', 'Work', 'WORK'];
const DEPARTMENTS = ['Sales', 'sales', 'Sales & Marketing', 'R&D', 'r&d', 'Engineering', 'Eng', ''];
const TITLES = ['Engineer', 'engineer', 'Senior Engineer', 'CEO', 'Tour Guide'];
const ROLE_SETS: string[][] = [
  [],
  [],
  ['RegularUser'],
  ['GlobalAdministrator'],
  ['GlobalReader', 'RegularUser'],
  ['CertificateAdministrator'],
  ['SignPath Project Administrator'],
];

const word = fc.constantFrom(...GIVEN, ...FAMILY, ...MORE);
const optional = <T>(arbitrary: fc.Arbitrary<T>, freq = 1): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined, freq });

const emailArbitrary = fc.record(
  {
    value: fc
      .tuple(word, fc.constantFrom('', '.', '_', '+1'), optional(word), fc.constantFrom(...DOMAINS))
      .map(([a, sep, b, domain]) => `${a}${b === undefined ? '' : `${sep}${b}`}@${domain}`),
    type: fc.constantFrom(...EMAIL_TYPES),
    primary: fc.constantFrom(true, false, 'True', 'False'),
    display: fc.constantFrom('Work mail', 'home', 'Alice'),
  },
  { requiredKeys: ['value'] },
);

interface UserSeed {
  body: JsonObject;
  /** Microseconds after 2024-01-01 for created_at; updated_at follows it. */
  createdMicros: number;
  modifiedMicros: number;
}

function userBodyArbitrary(index: number): fc.Arbitrary<UserSeed> {
  return fc
    .record({
      userName: fc
        .tuple(
          word,
          fc.constantFrom('', '.', '_', '-'),
          optional(word),
          fc.constantFrom('', '', '2', String(index)),
        )
        .map(([a, sep, b, digits]) => `${a}${b === undefined ? '' : `${sep}${b}`}${digits}`),
      displayName: optional(
        fc.tuple(word, word).map(([a, b]) => `${a} ${b}`),
        3,
      ),
      externalId: optional(
        fc
          .tuple(
            fc.constantFrom('sso:', 'SSO:', 'ad:'),
            fc.constantFrom('abc', 'ABC', 'Abc', 'xyz', 'x_y'),
            fc.constantFrom('', String(index), `-${index}`),
          )
          .map((parts) => parts.join('')),
        3,
      ),
      active: fc.boolean(),
      emails: optional(fc.array(emailArbitrary, { maxLength: 3 }), 4),
      name: optional(
        fc.record(
          {
            givenName: fc.constantFrom(...GIVEN, ...MORE, ''),
            familyName: fc.constantFrom(...FAMILY),
            formatted: fc.tuple(word, word).map(([a, b]) => `${a} ${b}`),
          },
          { requiredKeys: [] },
        ),
        3,
      ),
      title: optional(fc.constantFrom(...TITLES)),
      roles: fc.constantFrom(...ROLE_SETS),
      enterprise: optional(
        fc.record(
          {
            department: fc.constantFrom(...DEPARTMENTS),
            employeeNumber: fc.constantFrom('701984', '7019', '42', '0042', 'E-42', 'e-42'),
            manager: fc.constantFrom('manager-1', 'manager-2', 'mgr-1'),
          },
          { requiredKeys: [] },
        ),
        3,
      ),
      createdMicros: fc.integer({ min: 0, max: 5 * 86_400 * 1_000_000 }),
      modifiedDelta: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 86_400 * 1_000_000 })),
      micros: fc.constantFrom(0, 1, 999, 500_000),
    })
    .map((u) => {
      const body: JsonObject = {
        schemas: [CORE, ...(u.enterprise ? [ENTERPRISE] : [])],
        userName: u.userName,
        active: u.active,
        roles: u.roles.map((value) => ({ value, primary: false })),
      };
      if (u.displayName !== undefined) body.displayName = u.displayName;
      if (u.externalId !== undefined) body.externalId = u.externalId;
      if (u.emails !== undefined) body.emails = u.emails;
      if (u.name !== undefined) body.name = u.name;
      if (u.title !== undefined) body.title = u.title;
      if (u.enterprise !== undefined) {
        const { manager, ...rest } = u.enterprise;
        body[ENTERPRISE] = { ...rest, ...(manager !== undefined ? { manager: { value: manager } } : {}) };
      }
      // Timestamps keep microseconds like now() does; a few sit exactly on a millisecond.
      const created = u.createdMicros - (u.createdMicros % 1000) + u.micros;
      return { body, createdMicros: created, modifiedMicros: created + u.modifiedDelta };
    });
}

/** ScimUsersService.stateOf, which is private: what a POST of `body` stores. */
function stateOf(body: JsonObject): ScimUserState {
  const resource = normalizeResource('User', body);
  const userName = normalizeUserName(resource.userName as string);
  const displayName =
    typeof resource.displayName === 'string' && resource.displayName.trim() ? resource.displayName : userName;
  const roles = rolesOfEntries(Array.isArray(resource.roles) ? (resource.roles as unknown[]) : []);
  return {
    userName,
    displayName,
    externalId: (resource.externalId as string | undefined) ?? null,
    active: resource.active === undefined ? true : (resource.active as boolean),
    roles,
    globalRole: effectiveGlobalRole(roles, userName),
    scimAttributes: storedAttributesOf(resource),
  };
}

/** UsersRepository's column list. */
const COLUMNS = `u.id, u.organization_id AS "organizationId", u.kind, u.user_name AS "userName",
  u.display_name AS "displayName", u.external_id AS "externalId", u.global_role AS "globalRole", u.roles,
  u.active, u.is_directory_synchronized AS "isDirectorySynchronized", u.scim_attributes AS "scimAttributes",
  u.version, u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/** UsersRepository's SCIM_VISIBLE. */
const SCIM_VISIBLE = `u.organization_id = $1 AND u.kind = 'interactive' AND u.scim_deleted_at IS NULL`;

/** Like UsersRepository.insertScimUser, with the id and timestamps chosen here; skips a duplicate userName/externalId. */
async function insertScimUser(
  db: TestDatabase,
  organizationId: string,
  seed: UserSeed,
  id: string,
): Promise<boolean> {
  const state = stateOf(seed.body);
  const rows = await db.query(
    `INSERT INTO users AS u (organization_id, id, kind, user_name, display_name, external_id, global_role, roles,
                             active, is_directory_synchronized, scim_attributes, created_at, updated_at)
     VALUES ($1, $2, 'interactive', $3, $4, $5, $6, $7, $8, true, $9,
             timestamptz '2024-01-01T00:00:00Z' + make_interval(secs => $10::bigint / 1e6),
             timestamptz '2024-01-01T00:00:00Z' + make_interval(secs => $11::bigint / 1e6))
     ON CONFLICT DO NOTHING RETURNING u.id`,
    [
      organizationId,
      id,
      state.userName,
      state.displayName,
      state.externalId,
      state.globalRole,
      state.roles,
      state.active,
      JSON.stringify(state.scimAttributes),
      seed.createdMicros,
      seed.modifiedMicros,
    ],
  );
  return rows.length === 1;
}

// ---------------------------------------------------------------------------------------------
// Filters: generated from the grammar, rendered with random spelling, parsed by the real parser.
// ---------------------------------------------------------------------------------------------

type Gen =
  | { readonly t: 'cmp'; readonly attr: string; readonly op: string; readonly value: string }
  | { readonly t: 'pr'; readonly attr: string; readonly op: string }
  | {
      readonly t: 'and' | 'or';
      readonly kw: string;
      readonly l: Gen;
      readonly r: Gen;
      readonly paren: boolean;
    }
  | { readonly t: 'not'; readonly kw: string; readonly f: Gen; readonly bare: boolean }
  | { readonly t: 'vp'; readonly attr: string; readonly inner: Gen; readonly tail?: string };

function render(gen: Gen): string {
  switch (gen.t) {
    case 'cmp':
      return `${gen.attr} ${gen.op} ${gen.value}`;
    case 'pr':
      return `${gen.attr} ${gen.op}`;
    case 'and':
    case 'or': {
      const side = (child: Gen): string => {
        const text = render(child);
        const needs = (child.t === 'or' && gen.t === 'and') || gen.paren;
        return needs && (child.t === 'and' || child.t === 'or') ? `(${text})` : text;
      };
      return `${side(gen.l)} ${gen.kw} ${side(gen.r)}`;
    }
    case 'not':
      return gen.bare && (gen.f.t === 'cmp' || gen.f.t === 'pr' || gen.f.t === 'vp')
        ? `${gen.kw} ${render(gen.f)}`
        : `${gen.kw} (${render(gen.f)})`;
    case 'vp':
      return `${gen.attr}[${render(gen.inner)}]${gen.tail ?? ''}`;
  }
}

/** Random upper/lower case per character: attribute names are case-insensitive (RFC 7644 §3.4.2.2). */
const caseVariant = (text: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(text) },
    { weight: 1, arbitrary: fc.constant(text.toUpperCase()) },
    { weight: 1, arbitrary: fc.constant(text.toLowerCase()) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
        .map((flips) => [...text].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join('')),
    },
  );

const keyword = (word: string): fc.Arbitrary<string> =>
  fc.constantFrom(word, word, word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1));

/**
 * Values a string attribute is compared with: its own values, their pieces and case variants, and
 * odd ones. `caseVariants: false` keeps to the exact spelling of the values (see `manager` below).
 */
function stringValues(pool: readonly string[], { caseVariants = true } = {}): fc.Arbitrary<string> {
  const extras = [
    '',
    'a',
    'e',
    'S',
    '%',
    '_',
    '\\',
    '@',
    '.',
    '-',
    'ß',
    'SS',
    'σ',
    'Σ',
    'ς',
    'İ',
    'i',
    'zz',
    '0',
  ];
  const base = pool.length > 0 ? fc.constantFrom(...pool) : fc.constantFrom(...extras);
  const piece = fc.tuple(base, fc.nat(), fc.nat()).map(([text, a, b]) => {
    const chars = [...text];
    const start = chars.length === 0 ? 0 : a % chars.length;
    return chars.slice(start, start + 1 + (b % Math.max(1, chars.length - start))).join('');
  });
  const prefix = fc
    .tuple(base, fc.nat())
    .map(([text, n]) => [...text].slice(0, 1 + (n % Math.max(1, [...text].length))).join(''));
  const suffix = fc
    .tuple(base, fc.nat())
    .map(([text, n]) => [...text].slice(-1 - (n % Math.max(1, [...text].length))).join(''));
  const cased = fc
    .tuple(base, fc.constantFrom('upper', 'lower', 'title'))
    .map(([text, how]) =>
      how === 'upper'
        ? text.toUpperCase()
        : how === 'lower'
          ? text.toLowerCase()
          : text.charAt(0).toUpperCase() + text.slice(1),
    );
  const exact = [
    { weight: 6, arbitrary: base },
    { weight: 3, arbitrary: prefix },
    { weight: 2, arbitrary: suffix },
    { weight: 2, arbitrary: piece },
    { weight: 1, arbitrary: fc.constantFrom('', '-', '0', 'zz') },
  ];
  if (!caseVariants) return fc.oneof(...exact);
  return fc.oneof(
    ...exact,
    { weight: 3, arbitrary: cased },
    { weight: 1, arbitrary: fc.constantFrom(...extras) },
    { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  );
}

const quoted = (value: string): string => JSON.stringify(value);

/**
 * A string literal as filter text: usually quoted, sometimes bare (Entra's `externalId eq jyoung`),
 * and now and then a number or boolean, which string attributes compare as text.
 */
function stringLiteral(values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const literal = fc.tuple(values, fc.integer({ min: 0, max: 9 })).map(([value, roll]) => {
    const bareOk = /^[A-Za-z][A-Za-z0-9@._-]*$/.test(value) && !/^(true|false|null)$/i.test(value);
    return roll === 0 && bareOk ? value : quoted(value);
  });
  return fc.oneof(
    { weight: 30, arbitrary: literal },
    { weight: 1, arbitrary: fc.constantFrom('42', '7019', '-2.5e3', 'true', 'False') },
  );
}

const STRING_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
const ORDER_OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;

interface AttributeSpec {
  readonly spellings: readonly string[];
  readonly weight: number;
  readonly leaf: (attr: fc.Arbitrary<string>) => fc.Arbitrary<Gen>;
}

function opArbitrary(ops: readonly string[], rare: readonly string[] = []): fc.Arbitrary<string> {
  const main = fc.constantFrom(...ops).chain(caseOp);
  return rare.length === 0
    ? main
    : fc.oneof({ weight: 30, arbitrary: main }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
}
const caseOp = (op: string): fc.Arbitrary<string> => fc.constantFrom(op, op, op, op.toUpperCase());

/** Leaves on a string attribute: every operator, `pr`, and rarely `eq null`/`ne null`. */
function stringLeaf(values: fc.Arbitrary<string>) {
  return (attr: fc.Arbitrary<string>): fc.Arbitrary<Gen> =>
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          t: fc.constant('cmp' as const),
          attr,
          op: opArbitrary(STRING_OPS),
          value: stringLiteral(values),
        }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('pr' as const), attr, op: caseOp('pr') }) },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant('cmp' as const),
          attr,
          op: fc.constantFrom('eq', 'ne'),
          value: fc.constantFrom('null', 'NULL'),
        }),
      },
    );
}

function booleanLeaf() {
  return (attr: fc.Arbitrary<string>): fc.Arbitrary<Gen> =>
    fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          t: fc.constant('cmp' as const),
          attr,
          op: opArbitrary(['eq', 'ne'], ['gt', 'co']),
          value: fc.constantFrom('true', 'false', 'True', 'FALSE', '"True"', '"false"'),
        }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('pr' as const), attr, op: caseOp('pr') }) },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant('cmp' as const),
          attr,
          op: fc.constantFrom('eq', 'ne'),
          value: fc.constant('null'),
        }),
      },
    );
}

function dateTimeLeaf(values: fc.Arbitrary<string>) {
  return (attr: fc.Arbitrary<string>): fc.Arbitrary<Gen> =>
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          t: fc.constant('cmp' as const),
          attr,
          op: opArbitrary(ORDER_OPS, ['co', 'sw']),
          value: values.map(quoted),
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('pr' as const), attr, op: caseOp('pr') }) },
    );
}

/** What the dataset holds, per attribute, to draw comparison values from. */
interface Pools {
  readonly ids: string[];
  readonly userNames: string[];
  readonly displayNames: string[];
  readonly externalIds: string[];
  readonly emailValues: string[];
  readonly emailTypes: string[];
  readonly emailDisplays: string[];
  readonly givenNames: string[];
  readonly familyNames: string[];
  readonly formattedNames: string[];
  readonly departments: string[];
  readonly employeeNumbers: string[];
  readonly managers: string[];
  readonly titles: string[];
  readonly times: string[];
}

function dateTimeValues(pools: Pools): fc.Arbitrary<string> {
  const shifted = fc
    .tuple(fc.constantFrom(...pools.times), fc.integer({ min: -2, max: 2 }))
    .map(([time, ms]) => new Date(Date.parse(time) + ms).toISOString());
  const reformatted = fc.constantFrom(...pools.times).chain((time) =>
    fc.constantFrom(
      time.slice(0, 10),
      time.replace('Z', '+00:00'),
      time.replace(/\.\d+Z$/, 'Z'),
      time.replace(/Z$/, '500Z'),
      // The same instant written with an offset.
      new Date(Date.parse(time) + 3_600_000).toISOString().replace('Z', '+01:00'),
    ),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pools.times) },
    { weight: 3, arbitrary: shifted },
    { weight: 2, arbitrary: reformatted },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '2024-01-03',
        '2024-01-03T12:00:00Z',
        '2023-12-31T23:59:59.999Z',
        'yesterday',
      ),
    },
  );
}

function attributeSpecs(pools: Pools): AttributeSpec[] {
  const all = [
    ...pools.userNames,
    ...pools.displayNames,
    ...pools.emailValues,
    ...pools.givenNames,
    ...pools.familyNames,
  ];
  const strings = (own: string[]): fc.Arbitrary<string> =>
    fc.oneof({ weight: 5, arbitrary: stringValues(own) }, { weight: 1, arbitrary: stringValues(all) });
  const enterprise = (name: string): string[] => [`${ENTERPRISE}:${name}`, name];
  return [
    { spellings: ['userName', `${CORE}:userName`], weight: 8, leaf: stringLeaf(strings(pools.userNames)) },
    { spellings: ['displayName'], weight: 5, leaf: stringLeaf(strings(pools.displayNames)) },
    { spellings: ['externalId'], weight: 5, leaf: stringLeaf(strings(pools.externalIds)) },
    { spellings: ['id'], weight: 3, leaf: stringLeaf(stringValues(pools.ids)) },
    { spellings: ['active'], weight: 5, leaf: booleanLeaf() },
    { spellings: [`${SIGNPATH}:isDirectorySynchronized`], weight: 1, leaf: booleanLeaf() },
    {
      spellings: ['meta.created', 'meta.lastModified'],
      weight: 4,
      leaf: dateTimeLeaf(dateTimeValues(pools)),
    },
    { spellings: ['name.givenName'], weight: 3, leaf: stringLeaf(strings(pools.givenNames)) },
    { spellings: ['name.familyName'], weight: 3, leaf: stringLeaf(strings(pools.familyNames)) },
    { spellings: ['name.formatted'], weight: 2, leaf: stringLeaf(strings(pools.formattedNames)) },
    { spellings: ['emails', 'emails.value'], weight: 6, leaf: stringLeaf(strings(pools.emailValues)) },
    { spellings: ['emails.type'], weight: 3, leaf: stringLeaf(stringValues(pools.emailTypes)) },
    { spellings: ['emails.display'], weight: 1, leaf: stringLeaf(stringValues(pools.emailDisplays)) },
    { spellings: ['emails.primary'], weight: 2, leaf: booleanLeaf() },
    { spellings: enterprise('department'), weight: 3, leaf: stringLeaf(stringValues(pools.departments)) },
    {
      spellings: enterprise('employeeNumber'),
      weight: 3,
      leaf: stringLeaf(stringValues(pools.employeeNumbers)),
    },
    // USER_FILTER_COLUMNS compares manager ids caseExact, but the schema's manager.value (which the
    // evaluator follows) is caseExact false, so the two differ on case variants: exact spelling only.
    {
      spellings: [...enterprise('manager'), ...enterprise('manager.value')],
      weight: 3,
      leaf: stringLeaf(stringValues(pools.managers, { caseVariants: false })),
    },
    {
      spellings: ['roles', 'roles.value'],
      weight: 2,
      leaf: (attr) =>
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc.record({
              t: fc.constant('cmp' as const),
              attr,
              op: caseOp('eq'),
              value: fc.constantFrom(
                ...[
                  'GlobalAdministrator',
                  'RegularUser',
                  'GlobalReader',
                  'CertificateAdministrator',
                  'ProjectAdministrator',
                ].map(quoted),
              ),
            }),
          },
          { weight: 2, arbitrary: fc.record({ t: fc.constant('pr' as const), attr, op: caseOp('pr') }) },
          {
            weight: 1,
            arbitrary: fc.record({
              t: fc.constant('cmp' as const),
              attr,
              op: fc.constantFrom('ne', 'co'),
              value: fc.constant('"Global"'),
            }),
          },
        ),
    },
    // Not in the column map: the SQL compiler must refuse it (and these stay rare).
    { spellings: ['title'], weight: 1, leaf: stringLeaf(stringValues(pools.titles)) },
  ];
}

function leafArbitrary(specs: readonly AttributeSpec[]): fc.Arbitrary<Gen> {
  return fc.oneof(
    ...specs.map((spec) => ({
      weight: spec.weight,
      arbitrary: spec.leaf(fc.constantFrom(...spec.spellings).chain(caseVariant)),
    })),
  );
}

/** Inside `emails[...]`: leaves on value, type, primary, display. */
function emailElementLeaf(pools: Pools, all: fc.Arbitrary<string>): fc.Arbitrary<Gen> {
  const sub = (name: string): fc.Arbitrary<string> => caseVariant(name);
  return fc.oneof(
    { weight: 4, arbitrary: stringLeaf(fc.oneof(stringValues(pools.emailValues), all))(sub('value')) },
    { weight: 4, arbitrary: stringLeaf(stringValues(pools.emailTypes))(sub('type')) },
    { weight: 2, arbitrary: booleanLeaf()(sub('primary')) },
    { weight: 1, arbitrary: stringLeaf(stringValues(pools.emailDisplays))(sub('display')) },
  );
}

function innerFilter(leaf: fc.Arbitrary<Gen>): fc.Arbitrary<Gen> {
  return fc.letrec<{ f: Gen }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 2, withCrossShrink: true },
      leaf,
      fc.record({
        t: fc.constant('and' as const),
        kw: keyword('and'),
        l: tie('f'),
        r: tie('f'),
        paren: fc.boolean(),
      }),
      fc.record({
        t: fc.constant('or' as const),
        kw: keyword('or'),
        l: tie('f'),
        r: tie('f'),
        paren: fc.boolean(),
      }),
      fc.record({ t: fc.constant('not' as const), kw: keyword('not'), f: tie('f'), bare: fc.boolean() }),
    ),
  })).f;
}

function valuePathArbitrary(pools: Pools): fc.Arbitrary<Gen> {
  const all = stringValues([...pools.userNames, ...pools.emailValues]);
  const emails = fc.record({
    t: fc.constant('vp' as const),
    attr: caseVariant('emails'),
    inner: innerFilter(emailElementLeaf(pools, all)),
  });
  // Entra's `emails[type eq "work"].value eq "x"`.
  const emailsWithTail = fc
    .tuple(
      caseVariant('emails'),
      innerFilter(emailElementLeaf(pools, all)),
      opArbitrary(STRING_OPS),
      stringLiteral(stringValues(pools.emailValues)),
    )
    .map(([attr, inner, op, value]): Gen => ({ t: 'vp', attr, inner, tail: `.value ${op} ${value}` }));
  const name = fc.record({
    t: fc.constant('vp' as const),
    attr: caseVariant('name'),
    inner: innerFilter(
      fc.oneof(
        stringLeaf(stringValues(pools.givenNames))(caseVariant('givenName')),
        stringLeaf(stringValues(pools.familyNames))(caseVariant('familyName')),
      ),
    ),
  });
  const manager = fc.record({
    t: fc.constant('vp' as const),
    attr: fc.constantFrom(`${ENTERPRISE}:manager`, 'manager'),
    inner: stringLeaf(stringValues(pools.managers, { caseVariants: false }))(fc.constant('value')),
  });
  return fc.oneof(
    { weight: 6, arbitrary: emails },
    { weight: 2, arbitrary: emailsWithTail },
    { weight: 2, arbitrary: name },
    { weight: 1, arbitrary: manager },
  );
}

function filterArbitrary(pools: Pools): fc.Arbitrary<Gen> {
  const leaf = fc.oneof(
    { weight: 5, arbitrary: leafArbitrary(attributeSpecs(pools)) },
    { weight: 1, arbitrary: valuePathArbitrary(pools) },
  );
  return fc.letrec<{ f: Gen }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
      leaf,
      fc.record({
        t: fc.constant('and' as const),
        kw: keyword('and'),
        l: tie('f'),
        r: tie('f'),
        paren: fc.boolean(),
      }),
      fc.record({
        t: fc.constant('or' as const),
        kw: keyword('or'),
        l: tie('f'),
        r: tie('f'),
        paren: fc.boolean(),
      }),
      fc.record({ t: fc.constant('not' as const), kw: keyword('not'), f: tie('f'), bare: fc.boolean() }),
    ),
  })).f;
}

// ---------------------------------------------------------------------------------------------
// The differential property.
// ---------------------------------------------------------------------------------------------

interface Outcome {
  readonly kind: 'selected' | 'refused';
  readonly ids: readonly string[];
  readonly error?: string;
}

describe('filter differential: in-memory evaluator vs SQL compiler on PostgreSQL', () => {
  let db: TestDatabase;
  let organizationId: string;
  const dataSeed = Number(process.env.FILTER_DIFFERENTIAL_DATA_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const resources = new Map<string, JsonObject>();
  let pools: Pools;

  beforeAll(async () => {
    db = await createTestDatabase();
    const [organization] = await db.query<{ id: string }>(
      `INSERT INTO organizations (name, sso_identifier) VALUES ('Contoso', 'contoso') RETURNING id`,
    );
    const [other] = await db.query<{ id: string }>(
      `INSERT INTO organizations (name, sso_identifier) VALUES ('Fabrikam', 'fabrikam') RETURNING id`,
    );
    organizationId = organization!.id;

    const seeds = Array.from(
      { length: 60 },
      (_, index) => fc.sample(userBodyArbitrary(index), { seed: dataSeed + index, numRuns: 1 })[0]!,
    );
    const ids = seeds.map(() => randomUUID());
    // Managers are other users' ids, as Entra sends them.
    seeds.forEach((seed, index) => {
      const extension = seed.body[ENTERPRISE] as JsonObject | undefined;
      const manager = extension?.manager as JsonObject | undefined;
      if (manager) manager.value = ids[(index * 7 + String(manager.value).length) % ids.length]!;
    });
    let inserted = 0;
    for (const [index, seed] of seeds.entries()) {
      if (await insertScimUser(db, organizationId, seed, ids[index]!)) inserted += 1;
    }
    // The same users in another organization, a CI user and a SCIM-deleted user: never selected.
    for (const seed of seeds.slice(0, 8)) await insertScimUser(db, other!.id, seed, randomUUID());
    await db.query(
      `INSERT INTO users (organization_id, kind, user_name, display_name) VALUES ($1, 'ci', 'alice-ci', 'alice')`,
      [organizationId],
    );
    const deleted = fc.sample(userBodyArbitrary(99), { seed: dataSeed - 1, numRuns: 1 })[0]!;
    deleted.body.userName = 'deleted-alice';
    delete deleted.body.externalId;
    const deletedId = randomUUID();
    await insertScimUser(db, organizationId, deleted, deletedId);
    await db.query(`UPDATE users SET scim_deleted_at = now(), active = false WHERE id = $1`, [deletedId]);
    expect(inserted, `data seed ${dataSeed}`).toBeGreaterThanOrEqual(30);

    const rows = await db.query<UserRow & pg.QueryResultRow>(
      `SELECT ${COLUMNS} FROM users u WHERE ${SCIM_VISIBLE} ORDER BY u.id`,
      [organizationId],
    );
    expect(rows).toHaveLength(inserted);
    for (const row of rows) resources.set(row.id, toScimUser(row, `https://scim.test/Users/${row.id}`));
    pools = poolsOf([...resources.values()]);
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function viaSql(filter: Filter): Promise<Outcome> {
    let where;
    try {
      where = compileFilterToSql(filter, {
        resourceType: 'User',
        columns: USER_FILTER_COLUMNS,
        paramOffset: 1,
      });
    } catch (error) {
      if (error instanceof ScimError) return { kind: 'refused', ids: [], error: error.detail };
      throw error;
    }
    const rows = await db.query<{ id: string }>(
      `SELECT u.id FROM users u WHERE ${SCIM_VISIBLE} AND (${where.sql}) ORDER BY u.id`,
      [organizationId, ...where.params],
    );
    return { kind: 'selected', ids: rows.map((row) => row.id) };
  }

  function inMemory(filter: Filter): Outcome {
    const ids: string[] = [];
    try {
      for (const [id, resource] of resources) if (matchesFilter(resource, filter, 'User')) ids.push(id);
    } catch (error) {
      if (error instanceof ScimError) return { kind: 'refused', ids: [], error: error.detail };
      throw error;
    }
    return { kind: 'selected', ids: ids.sort() };
  }

  it(`selects the same users for ${FILTERS_PER_RUN} random filters`, async () => {
    const stats = { runs: 0, unparsable: 0, refused: 0, empty: 0, all: 0, proper: 0 };
    const refusals = new Map<string, number>();
    const total = resources.size;

    await fc.assert(
      fc.asyncProperty(filterArbitrary(pools), async (gen) => {
        stats.runs += 1;
        const text = render(gen);
        let filter: Filter;
        try {
          filter = parseFilter(text);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
          stats.unparsable += 1;
          return;
        }
        const sql = await viaSql(filter);
        const memory = inMemory(filter);
        const context = `filter: ${text}\ndata seed: ${dataSeed}\nSQL: ${JSON.stringify(sql)}\nmemory: ${JSON.stringify(memory)}`;
        if (sql.kind === 'refused') {
          stats.refused += 1;
          const reason = sql.error!.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"');
          refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
          // What the column map cannot store the evaluator cannot know; anything else it refuses too.
          if (!STORE_LIMITS.test(sql.error!)) expect(memory.kind, context).toBe('refused');
          return;
        }
        expect(memory.kind, context).toBe('selected');
        expect(memory.ids, context).toEqual(sql.ids);
        if (sql.ids.length === 0) stats.empty += 1;
        else if (sql.ids.length === total) stats.all += 1;
        else stats.proper += 1;
      }),
      {
        numRuns: FILTERS_PER_RUN,
        // To replay a failure: FILTER_DIFFERENTIAL_DATA_SEED, plus the seed and path fast-check printed.
        ...(process.env.FILTER_DIFFERENTIAL_SEED !== undefined
          ? { seed: Number(process.env.FILTER_DIFFERENTIAL_SEED), path: process.env.FILTER_DIFFERENTIAL_PATH }
          : {}),
      },
    );

    console.log(
      `filter differential (data seed ${dataSeed}, ${total} users):`,
      stats,
      Object.fromEntries(refusals),
    );
    // Not vacuous: nearly every generated filter parses, few are refused, and many pick a proper subset.
    expect(stats.runs).toBeGreaterThanOrEqual(FILTERS_PER_RUN);
    expect(stats.unparsable / stats.runs).toBeLessThan(0.01);
    expect(stats.refused / stats.runs).toBeLessThan(0.15);
    expect(stats.proper / stats.runs).toBeGreaterThan(0.2);
  }, 120_000);
});

function poolsOf(users: readonly JsonObject[]): Pools {
  const strings = (values: unknown[]): string[] =>
    [...new Set(values.filter((value): value is string => typeof value === 'string'))].sort();
  const emails = users.flatMap((user) => (Array.isArray(user.emails) ? (user.emails as JsonObject[]) : []));
  const names = users.map((user) => (user.name ?? {}) as JsonObject);
  const enterprise = users.map((user) => (user[ENTERPRISE] ?? {}) as JsonObject);
  const meta = users.map((user) => user.meta as JsonObject);
  return {
    ids: strings(users.map((user) => user.id)),
    userNames: strings(users.map((user) => user.userName)),
    displayNames: strings(users.map((user) => user.displayName)),
    externalIds: strings(users.map((user) => user.externalId)),
    emailValues: strings(emails.map((email) => email.value)),
    emailTypes: strings(emails.map((email) => email.type)),
    emailDisplays: strings(emails.map((email) => email.display)),
    givenNames: strings(names.map((name) => name.givenName)),
    familyNames: strings(names.map((name) => name.familyName)),
    formattedNames: strings(names.map((name) => name.formatted)),
    departments: strings(enterprise.map((ext) => ext.department)),
    employeeNumbers: strings(enterprise.map((ext) => ext.employeeNumber)),
    managers: strings(enterprise.map((ext) => (ext.manager as JsonObject | undefined)?.value)),
    titles: strings(users.map((user) => user.title)),
    times: strings(meta.flatMap((m) => [m.created, m.lastModified])),
  };
}
