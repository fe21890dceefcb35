import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatchToJson } from './patch.apply.js';
import { membershipOperations } from './patch.membership.js';
import { parsePatchRequest } from './patch.parser.js';
import { ScimError } from './scim.error.js';

function onlyScim400(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBe(400);
  }
}

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'bjensen',
  name: { givenName: 'Barbara' },
  emails: [{ value: 'a@x', type: 'work', primary: true }],
  roles: [{ value: 'RegularUser' }],
};

const PATHS = [
  'userName',
  'active',
  'name',
  'name.givenName',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[value co "@"]',
  'roles',
  'roles[primary eq "True"].value',
  'manager',
  'members',
  'members[value eq "x"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  'urn:ietf:params:scim:schemas:extension:signpath:2.0:User:isDirectorySynchronized',
  'id',
  'meta.created',
  'groups',
  'schemas',
  'x509Certificates',
  'addresses[type eq "work"].formatted',
  'unknown',
  'emails[',
  'a.b.c',
  '',
  ' ',
];

const operation = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'REMOVE', 'merge'),
      fc.jsonValue(),
    ),
    path: fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 20 }), fc.jsonValue()),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('True', 'False', 'true', 'maybe', '{"id":"1","value":"Admin","displayName":"Admin"}'),
      fc.array(
        fc.record(
          {
            value: fc.oneof(fc.string(), fc.constant('{"value":"R","displayName":"R"}')),
            primary: fc.oneof(fc.boolean(), fc.constant('True')),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
  },
  { requiredKeys: ['op'] },
);

describe('parsePatchRequest never fails with anything but a 400 ScimError', () => {
  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => onlyScim400(() => parsePatchRequest(JSON.parse(text), 'User'))),
      { numRuns: 300 },
    );
  });

  it('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (body) =>
        onlyScim400(() => parsePatchRequest(body, 'Group')),
      ),
      { numRuns: 300 },
    );
  });

  it('on PatchOp-shaped bodies, including applying them', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('User', 'Group'),
        fc.boolean(),
        (operations, resourceType, withSchemas) =>
          onlyScim400(() => {
            const body = withSchemas
              ? { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }
              : { Operations: operations };
            const parsed = parsePatchRequest(body, resourceType);
            for (const op of parsed) expect(op.path).toBeDefined();
            if (resourceType === 'Group') membershipOperations(parsed);
            const result = applyPatchToJson(user, parsed, resourceType);
            expect(typeof result).toBe('object');
          }),
      ),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Semantic properties of PATCH over random users, applied the way ScimUsersService.patch does:
// parsePatchRequest, then applyPatchToJson on the rendered user. (The service takes `roles`
// operations apart and handles them itself, so none are generated here.)
// ---------------------------------------------------------------------------------------------

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SIGNPATH = 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

type Json = Record<string, unknown>;

/** fc.record with plain objects: structuredClone (inside the applier) drops null prototypes, toStrictEqual sees them. */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true });
/** The same with every key optional, or only `requiredKeys` required. */
const partialRecord = <T>(
  model: { [K in keyof T]: fc.Arbitrary<T[K]> },
  requiredKeys: (keyof T)[] = [],
): fc.Arbitrary<Partial<T>> => fc.record(model, { requiredKeys, noNullPrototype: true });

function patchLikeTheService(resource: Json, ...operations: Json[]): Json {
  const parsed = parsePatchRequest(
    { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations },
    'User',
  );
  return applyPatchToJson(resource, parsed, 'User');
}

const text = fc.constantFrom('alpha', 'Alpha', 'beta', 'Gamma Delta', 'ü', 'Søren', 'x_y', '42');
const emailValue = fc
  .tuple(fc.constantFrom('a', 'B', 'carol', 'dave.e'), fc.constantFrom('example.com', 'Example.org', 'x.io'))
  .map(([local, domain]) => `${local}@${domain}`);
const emailType = fc.constantFrom('work', 'home', 'other');
const email = partialRecord({ value: emailValue, type: emailType, display: text, primary: fc.boolean() }, [
  'value',
]);
const phone = partialRecord(
  {
    value: fc.constantFrom('+1 555 0100', '+41 44 000 00 00', '0800'),
    type: fc.constantFrom('work', 'mobile'),
  },
  ['value'],
);

/** At most one element is primary (RFC 7643 §2.4), as every write through the applier leaves it. */
function singlePrimary(items: Json[]): Json[] {
  const last = items.map((item) => item.primary === true).lastIndexOf(true);
  return items.map((item, index) =>
    item.primary === true && index !== last ? { ...item, primary: false } : item,
  );
}

/** A user as ScimUsersService renders it (toScimUser), without roles. */
const userResource: fc.Arbitrary<Json> = partialRecord(
  {
    userName: text.map((name) => `${name}.user`),
    displayName: text,
    externalId: text,
    active: fc.boolean(),
    name: partialRecord({ givenName: text, familyName: text, formatted: text }),
    title: text,
    nickName: text,
    emails: fc.array(email, { minLength: 1, maxLength: 3 }),
    phoneNumbers: fc.array(phone, { minLength: 1, maxLength: 2 }),
    enterprise: partialRecord({
      department: text,
      employeeNumber: text,
      manager: fc.constantFrom('m-1', 'm-2').map((value) => ({ value })),
    }),
    acme: partialRecord({ costCode: text }),
  },
  ['userName', 'displayName', 'active'],
).map(({ enterprise, acme, emails, ...core }) => {
  const resource: Json = {
    schemas: enterprise ? [CORE, ENTERPRISE, SIGNPATH] : [CORE, SIGNPATH],
    id: '2819c223-7f76-453a-919d-413861904646',
    ...core,
    ...(emails ? { emails: singlePrimary(emails) } : {}),
    [SIGNPATH]: { isDirectorySynchronized: true },
    meta: {
      resourceType: 'User',
      created: '2024-01-01T00:00:00.000Z',
      lastModified: '2024-01-02T00:00:00.000Z',
      location: 'https://scim.test/Users/2819c223-7f76-453a-919d-413861904646',
      version: 'W/"3"',
    },
  };
  if (enterprise && Object.keys(enterprise).length > 0) resource[ENTERPRISE] = enterprise;
  if (acme && Object.keys(acme).length > 0) resource[ACME] = acme;
  return resource;
});

/** Simple (single-valued, non-complex) attributes a client may write, with their values. */
const simpleTarget: fc.Arbitrary<{ path: string; value: unknown }> = fc.oneof(
  record({
    path: fc.constantFrom(
      'displayName',
      'nickName',
      'NICKNAME',
      'title',
      'userType',
      'externalId',
      'name.givenName',
      'name.familyName',
      'Name.Formatted',
      'name.middleName',
      `${ENTERPRISE}:department`,
      'employeeNumber',
      `${ENTERPRISE}:costCenter`,
      `${ENTERPRISE}:manager.value`,
      `${ACME}:costCode`,
      `${ACME}:region`,
      'favoriteColor',
    ),
    value: text,
  }),
  record({ path: fc.constant('active'), value: fc.constantFrom(true, false, 'True', 'false') }),
);

/** Filtered sub-attribute paths; the filter selects by `type`, the write changes another sub-attribute. */
const filteredSubTarget: fc.Arbitrary<{ path: string; value: unknown }> = fc.oneof(
  record({
    path: fc
      .tuple(emailType, fc.constantFrom('', ' and primary eq true'))
      .map(([type, more]) => `emails[type eq "${type}"${more}].value`),
    value: emailValue,
  }),
  record({ path: emailType.map((type) => `emails[type eq "${type}"].display`), value: text }),
  record({
    path: fc.constantFrom('phoneNumbers[type eq "mobile"].value'),
    value: fc.constant('+1 555 0199'),
  }),
);

/**
 * Any filtered sub-attribute path, including a write to the very sub-attribute the filter tests
 * (`emails[value eq "a@x.io"].value`), after which the written element no longer matches.
 */
const filteredAnyTarget: fc.Arbitrary<{ path: string; value: unknown }> = fc.oneof(
  filteredSubTarget,
  record({
    path: fc
      .tuple(emailValue, fc.constantFrom('value', 'display', 'type'))
      .map(([value, sub]) => `emails[value eq ${JSON.stringify(value)}].${sub}`),
    value: fc.oneof(emailValue, emailType),
  }),
  record({
    path: fc.tuple(emailType, emailType).map(([a, b]) => `emails[type eq "${a}" or type eq "${b}"].display`),
    value: text,
  }),
  record({ path: emailType.map((type) => `emails[type eq "${type}"].type`), value: emailType }),
);

/** Whole multi-valued attributes, with one or more new elements. */
const multiValuedTarget: fc.Arbitrary<{ path: string; value: unknown }> = fc.oneof(
  record({
    path: fc.constantFrom('emails', 'Emails'),
    value: fc.array(email, { minLength: 1, maxLength: 3 }),
  }),
  record({ path: fc.constant('phoneNumbers'), value: fc.array(phone, { minLength: 1, maxLength: 2 }) }),
);

/** Any valid `add`: the targets above, whole complex attributes, filtered elements, and path-less adds. */
const addOperation: fc.Arbitrary<Json> = fc.oneof(
  simpleTarget.map((target) => ({ op: 'add', ...target })),
  filteredAnyTarget.map((target) => ({ op: 'Add', ...target })),
  multiValuedTarget.map((target) => ({ op: 'add', ...target })),
  partialRecord({ givenName: text, familyName: text }).map((value) => ({ op: 'add', path: 'name', value })),
  fc.constantFrom('m-1', 'm-3').map((value) => ({ op: 'add', path: 'manager', value: { value } })),
  record({
    path: emailType.map((type) => `emails[type eq "${type}"]`),
    value: record({ value: emailValue, display: text }),
  }).map((target) => ({ op: 'add', ...target })),
  partialRecord({
    nickName: text,
    'name.familyName': text,
    emails: fc.array(email, { minLength: 1, maxLength: 2 }),
    [ENTERPRISE]: record({ department: text }),
    [ACME]: record({ costCode: text }),
  })
    .filter((value) => Object.keys(value).length > 0)
    .map((value) => ({ op: 'add', value })),
);

describe('PATCH semantics (RFC 7644 §3.5.2) over random users', () => {
  it('add is idempotent: applying the same add twice equals applying it once', () => {
    fc.assert(
      fc.property(userResource, addOperation, (resource, operation) => {
        let once: Json;
        try {
          once = patchLikeTheService(resource, operation);
        } catch (error) {
          // Only an `or` filter that matches nothing may be refused: it does not describe an element to create.
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('noTarget');
          expect(String(operation.path)).toContain(' or ');
          return;
        }
        expect(patchLikeTheService(once, operation)).toStrictEqual(once);
      }),
      { numRuns: 400 },
    );
  });

  it('removing an e-mail just added restores the user', () => {
    const newEmail = partialRecord(
      {
        value: fc.constantFrom('new@example.net', 'Fresh.Address@x.io'),
        type: emailType,
        display: text,
        primary: fc.constant(false),
      },
      ['value'],
    );
    fc.assert(
      fc.property(
        userResource,
        newEmail,
        fc.boolean(),
        fc.boolean(),
        (resource, added, asArray, byFilter) => {
          const value = added.value as string;
          const removal = byFilter
            ? { op: 'remove', path: `emails[value eq ${JSON.stringify(value.toUpperCase())}]` }
            : { op: 'remove', path: 'emails', value: [{ value }] };
          const withEmail = patchLikeTheService(resource, {
            op: 'add',
            path: 'emails',
            value: asArray ? [added] : added,
          });
          expect(withEmail.emails).toContainEqual(added);
          expect(patchLikeTheService(withEmail, removal)).toStrictEqual(resource);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('removing an attribute just added, where it was absent, restores the user', () => {
    fc.assert(
      fc.property(userResource, simpleTarget, (resource, { path, value }) => {
        const before = patchLikeTheService(resource, { op: 'remove', path });
        const added = patchLikeTheService(before, { op: 'add', path, value });
        expect(added).not.toStrictEqual(before);
        expect(patchLikeTheService(added, { op: 'remove', path })).toStrictEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('replace equals remove then add, for simple, sub-, filtered sub- and multi-valued attributes', () => {
    fc.assert(
      fc.property(
        userResource,
        fc.oneof(simpleTarget, filteredSubTarget, multiValuedTarget),
        fc.boolean(),
        (resource, { path, value }, oneRequest) => {
          const replaced = patchLikeTheService(resource, { op: 'replace', path, value });
          const removeThenAdd = oneRequest
            ? patchLikeTheService(resource, { op: 'remove', path }, { op: 'add', path, value })
            : patchLikeTheService(patchLikeTheService(resource, { op: 'remove', path }), {
                op: 'add',
                path,
                value,
              });
          expect(removeThenAdd).toStrictEqual(replaced);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('replace of a complex attribute equals remove then add of each sub-attribute it carries', () => {
    // RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged, so this, not a whole removal.
    const complexValue = fc.oneof(
      partialRecord({ givenName: text, familyName: text, middleName: text })
        .filter((value) => Object.keys(value).length > 0)
        .map((value) => ({ attribute: 'name', value })),
      fc
        .constantFrom('m-1', 'm-3')
        .map((value) => ({ attribute: `${ENTERPRISE}:manager`, value: { value } })),
    );
    fc.assert(
      fc.property(userResource, complexValue, (resource, { attribute, value }) => {
        const replaced = patchLikeTheService(resource, { op: 'replace', path: attribute, value });
        const perSubAttribute = Object.entries(value).flatMap(([sub, subValue]) => [
          { op: 'remove', path: `${attribute}.${sub}` },
          { op: 'add', path: `${attribute}.${sub}`, value: subValue },
        ]);
        expect(patchLikeTheService(resource, ...perSubAttribute)).toStrictEqual(replaced);
      }),
      { numRuns: 300 },
    );
  });
});
