import { describe, expect, it } from 'vitest';
import { type PatchOperation, parsePatchRequest } from './patch.parser.js';
import { ScimError } from './scim.error.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SIGNPATH_USER = 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User';

const body = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
const users = (...operations: unknown[]) => parsePatchRequest(body(...operations), 'User');
const groups = (...operations: unknown[]) => parsePatchRequest(body(...operations), 'Group');

/** The parts of an operation a test cares about. */
const summary = (operations: PatchOperation[]) =>
  operations.map(({ op, path, value }) => ({
    op,
    attribute: path.attribute,
    ...(path.subAttribute !== undefined ? { sub: path.subAttribute } : {}),
    ...(path.valueFilter ? { filtered: true } : {}),
    ...(path.known ? {} : { known: false }),
    ...(value !== undefined ? { value } : {}),
  }));

function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parsePatchRequest: Entra requests (entra-client.md §3.3, §4, §5)', () => {
  it('P1 multi-valued and sub-attribute replace', () => {
    const ops = users(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@…' },
      { op: 'Replace', path: 'name.familyName', value: '…' },
    );
    expect(summary(ops)).toEqual([
      { op: 'replace', attribute: 'emails', sub: 'value', filtered: true, value: 'updatedEmail@…' },
      { op: 'replace', attribute: 'name', sub: 'familyName', value: '…' },
    ]);
    expect(ops[0]!.path.valueFilter).toEqual({
      kind: 'compare',
      path: { name: 'type' },
      op: 'eq',
      value: 'work',
    });
  });

  it('P2 single-valued replace', () => {
    expect(summary(users({ op: 'Replace', path: 'userName', value: '…' }))).toEqual([
      { op: 'replace', attribute: 'userName', value: '…' },
    ]);
  });

  it('P3 disable, with the string "False" and with a real boolean', () => {
    expect(summary(users({ op: 'Replace', path: 'active', value: 'False' }))).toEqual([
      { op: 'replace', attribute: 'active', value: false },
    ]);
    expect(summary(users({ op: 'replace', path: 'active', value: false }))).toEqual([
      { op: 'replace', attribute: 'active', value: false },
    ]);
    expect(summary(users({ op: 'Replace', path: 'active', value: 'True' }))).toEqual([
      { op: 'replace', attribute: 'active', value: true },
    ]);
  });

  it('P4 add single-valued', () => {
    expect(summary(users({ op: 'Add', path: 'nickName', value: 'Babs' }))).toEqual([
      { op: 'add', attribute: 'nickName', value: 'Babs' },
    ]);
  });

  it('P5 replace many: one op per attribute, and the flag form without path', () => {
    const perAttribute = users(
      { op: 'Replace', path: 'displayName', value: 'Babs' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'b@x' },
      { op: 'Replace', path: 'name.givenName', value: 'Barbara' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen' },
      { op: 'Replace', path: 'externalId', value: 'acme-sso:1' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '42' },
    );
    expect(summary(perAttribute).map((op) => op.attribute)).toEqual([
      'displayName',
      'emails',
      'name',
      'name',
      'externalId',
      `${ENTERPRISE}:employeeNumber`,
    ]);
    const pathless = users(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@x' },
      {
        op: 'replace',
        value: {
          displayName: 'Babs',
          'name.givenName': 'Barbara',
          'name.familyName': 'Jensen',
          [`${ENTERPRISE}:employeeNumber`]: '42',
        },
      },
    );
    expect(summary(pathless)).toEqual([
      { op: 'replace', attribute: 'emails', sub: 'value', filtered: true, value: 'b@x' },
      { op: 'replace', attribute: 'displayName', value: 'Babs' },
      { op: 'replace', attribute: 'name', sub: 'givenName', value: 'Barbara' },
      { op: 'replace', attribute: 'name', sub: 'familyName', value: 'Jensen' },
      { op: 'replace', attribute: `${ENTERPRISE}:employeeNumber`, value: '42' },
    ]);
    expect(pathless[4]!.path.container).toBe(ENTERPRISE);
  });

  it('P6 manager: Entra sends a one-element array for a single-valued attribute', () => {
    expect(
      summary(users({ op: 'Add', path: 'manager', value: [{ $ref: 'http://…/Users/<id>', value: '<id>' }] })),
    ).toEqual([
      {
        op: 'add',
        attribute: `${ENTERPRISE}:manager`,
        value: { $ref: 'http://…/Users/<id>', value: '<id>' },
      },
    ]);
    expect(summary(users({ op: 'Replace', path: 'manager', value: [] }))).toEqual([
      { op: 'replace', attribute: `${ENTERPRISE}:manager`, value: null },
    ]);
    expect(summary(users({ op: 'Replace', path: 'manager', value: 'boss-id' }))).toEqual([
      { op: 'replace', attribute: `${ENTERPRISE}:manager`, value: { value: 'boss-id' } },
    ]);
  });

  it('P7 roles: JSON-string values (AppRoleAssignmentsComplex PATCH) become plain role entries', () => {
    const ops = users({
      op: 'Add',
      path: 'roles',
      value: [
        { value: '{"id":"06b07648-…","value":"Admin","displayName":"Admin"}' },
        { value: '{"id":"5a3b…","value":"User","displayName":"User"}' },
      ],
    });
    expect(summary(ops)).toEqual([
      {
        op: 'add',
        attribute: 'roles',
        value: [
          { value: 'Admin', display: 'Admin' },
          { value: 'User', display: 'User' },
        ],
      },
    ]);
    expect(
      summary(
        users({
          op: 'Add',
          path: 'roles',
          value: [{ value: '{"id":"06b07648-…","value":"25","displayName":"Role1234"}' }],
        }),
      )[0]!.value,
    ).toEqual([{ value: '25', display: 'Role1234' }]);
  });

  it('P7 roles: the POST-like and assertive shapes (display or displayName, primary as bool or string)', () => {
    const ops = users({
      op: 'replace',
      path: 'roles',
      value: [
        { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
        { primary: 'False', type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'Admin' },
      ],
    });
    expect(ops[0]!.value).toEqual([
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' },
    ]);
  });

  it('P8 add on an absent filtered e-mail parses like any filtered path', () => {
    expect(summary(users({ op: 'Add', path: 'emails[type eq "work"].value', value: 'x@y' }))).toEqual([
      { op: 'add', attribute: 'emails', sub: 'value', filtered: true, value: 'x@y' },
    ]);
  });

  it('P9 mixed request', () => {
    expect(
      summary(
        users(
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@b' },
          { op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'R&D' },
        ),
      ),
    ).toEqual([
      { op: 'replace', attribute: 'emails', sub: 'value', filtered: true, value: 'a@b' },
      { op: 'replace', attribute: 'addresses', sub: 'formatted', filtered: true, value: '1 Main St' },
      { op: 'add', attribute: `${ENTERPRISE}:department`, value: 'R&D' },
    ]);
  });

  it('G4 rename without schemas (lenient) is accepted', () => {
    expect(
      summary(
        parsePatchRequest({ Operations: [{ op: 'Replace', path: 'displayName', value: '…' }] }, 'Group'),
      ),
    ).toEqual([{ op: 'replace', attribute: 'displayName', value: '…' }]);
  });

  it('G5/G6/G7 member add and remove shapes', () => {
    expect(
      summary(
        parsePatchRequest(
          {
            Operations: [
              { op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
            ],
          },
          'Group',
        ),
      ),
    ).toEqual([{ op: 'add', attribute: 'members', value: [{ value: 'f648f8d5ea4e4cd38e9c' }] }]);
    expect(
      summary(
        parsePatchRequest(
          { Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: '<id>' }] }] },
          'Group',
        ),
      ),
    ).toEqual([{ op: 'remove', attribute: 'members', value: [{ value: '<id>' }] }]);
    expect(
      summary(
        parsePatchRequest(
          { Operations: [{ op: 'remove', path: 'members[value eq "7f4bc1a3-…"]' }] },
          'Group',
        ),
      ),
    ).toEqual([{ op: 'remove', attribute: 'members', filtered: true }]);
    expect(summary(groups({ op: 'remove', path: 'members' }))).toEqual([
      { op: 'remove', attribute: 'members' },
    ]);
  });

  it('accepts the lowercase operations key and case-insensitive op keys', () => {
    expect(
      summary(parsePatchRequest({ operations: [{ OP: 'REPLACE', Path: 'active', Value: 'TRUE' }] }, 'User')),
    ).toEqual([{ op: 'replace', attribute: 'active', value: true }]);
  });

  it('expands extension objects and keeps unknown extensions as unknown attributes', () => {
    const ops = users({
      op: 'Add',
      value: {
        [ENTERPRISE]: { employeeNumber: '1', manager: { value: 'm' } },
        [SIGNPATH_USER]: { isDirectorySynchronized: 'true' },
        'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { costCode: 'X1' },
        schemas: [ENTERPRISE],
      },
    });
    expect(summary(ops)).toEqual([
      { op: 'add', attribute: `${ENTERPRISE}:employeeNumber`, value: '1' },
      { op: 'add', attribute: `${ENTERPRISE}:manager`, value: { value: 'm' } },
      { op: 'add', attribute: `${SIGNPATH_USER}:isDirectorySynchronized`, value: true },
      {
        op: 'add',
        attribute: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode',
        known: false,
        value: 'X1',
      },
    ]);
    expect(ops[3]!.path.container).toBe('urn:ietf:params:scim:schemas:extension:acme:2.0:User');
    expect(
      summary(users({ op: 'add', path: SIGNPATH_USER, value: { isDirectorySynchronized: 'True' } })),
    ).toEqual([{ op: 'add', attribute: `${SIGNPATH_USER}:isDirectorySynchronized`, value: true }]);
    expect(
      summary(
        groups({
          op: 'Add',
          path: 'urn:ietf:params:scim:schemas:extension:signpath:2.0:Group:isDirectorySynchronized',
          value: 'True',
        }),
      ),
    ).toEqual([
      {
        op: 'add',
        attribute: 'urn:ietf:params:scim:schemas:extension:signpath:2.0:Group:isDirectorySynchronized',
        value: true,
      },
    ]);
  });

  it('keeps unknown attributes flagged known: false', () => {
    expect(summary(users({ op: 'Add', path: 'favouriteColour', value: { any: 'thing' } }))).toEqual([
      { op: 'add', attribute: 'favouriteColour', known: false, value: { any: 'thing' } },
    ]);
  });
});

describe('parsePatchRequest: RFC 7644 §3.5.2 examples', () => {
  it('add members', () => {
    const ops = groups({
      op: 'add',
      path: 'members',
      value: [
        {
          display: 'Babs Jensen',
          $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
          value: '2819c223-7f76-453a-919d-413861904646',
        },
      ],
    });
    expect(summary(ops)[0]).toMatchObject({ op: 'add', attribute: 'members' });
  });

  it('add without path', () => {
    expect(
      summary(
        users({
          op: 'add',
          value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' },
        }),
      ),
    ).toEqual([
      { op: 'add', attribute: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] },
      { op: 'add', attribute: 'nickName', value: 'Babs' },
    ]);
  });

  it('remove forms', () => {
    expect(
      summary(groups({ op: 'remove', path: 'members[value eq "2819c223-7f76-...413861904646"]' })),
    ).toEqual([{ op: 'remove', attribute: 'members', filtered: true }]);
    expect(
      summary(users({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' })),
    ).toEqual([{ op: 'remove', attribute: 'emails', filtered: true }]);
  });

  it('replace forms', () => {
    expect(
      summary(
        users({
          op: 'replace',
          path: 'addresses[type eq "work"]',
          value: {
            type: 'work',
            streetAddress: '911 Universal City Plaza',
            locality: 'Hollywood',
            region: 'CA',
            postalCode: '91608',
            country: 'US',
            formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
            primary: true,
          },
        }),
      )[0],
    ).toMatchObject({ op: 'replace', attribute: 'addresses', filtered: true });
    expect(
      summary(
        users({ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }),
      ),
    ).toEqual([
      {
        op: 'replace',
        attribute: 'addresses',
        sub: 'streetAddress',
        filtered: true,
        value: '1010 Broadway Ave',
      },
    ]);
  });
});

describe('parsePatchRequest: errors', () => {
  it.each([
    ['a non-object body', 'nope', 'invalidSyntax', /must be a JSON object/],
    ['a missing Operations', { schemas: [PATCH_OP] }, 'invalidSyntax', /Operations/],
    ['an empty Operations', body(), 'invalidSyntax', /at least one/],
    [
      'another message schema',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [] },
      'invalidSyntax',
      /PatchOp/,
    ],
    ['a missing op', body({ path: 'userName', value: 'x' }), 'invalidSyntax', /'op'/],
    [
      'an unknown op',
      body({ op: 'merge', path: 'userName', value: 'x' }),
      'invalidSyntax',
      /unknown op "merge"/,
    ],
    ['remove without path', body({ op: 'remove' }), 'noTarget', /requires a 'path'/],
    ['add without value', body({ op: 'add', path: 'userName' }), 'invalidValue', /requires a 'value'/],
    [
      'path-less add of a non-object',
      body({ op: 'add', value: 'x' }),
      'invalidValue',
      /object of attributes/,
    ],
    ['a malformed path', body({ op: 'add', path: 'emails[type eq', value: 'x' }), 'invalidPath', /position/],
    ['a non-string path', body({ op: 'add', path: 5, value: 'x' }), 'invalidPath', /must be a string/],
    [
      'an unknown sub-attribute',
      body({ op: 'add', path: 'name.nickname', value: 'x' }),
      'invalidPath',
      /no sub-attribute 'nickname'/,
    ],
    [
      'a filter on a simple attribute',
      body({ op: 'add', path: 'userName[value eq "x"]', value: 'x' }),
      'invalidPath',
      /value filters/,
    ],
    [
      'a filter on an unknown sub-attribute',
      body({ op: 'remove', path: 'emails[kind eq "x"]' }),
      'invalidPath',
      /no sub-attribute 'kind'/,
    ],
    ['id', body({ op: 'replace', path: 'id', value: 'x' }), 'mutability', /'id' is readOnly/],
    [
      'meta.lastModified',
      body({ op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }),
      'mutability',
      /'meta.lastModified' is readOnly/,
    ],
    [
      'groups',
      body({ op: 'add', path: 'groups', value: [{ value: 'g' }] }),
      'mutability',
      /'groups' is readOnly/,
    ],
    ['id without path', body({ op: 'replace', value: { id: 'x' } }), 'mutability', /'id' is readOnly/],
    [
      'manager.displayName',
      body({ op: 'replace', path: 'manager.displayName', value: 'x' }),
      'mutability',
      /readOnly/,
    ],
    [
      'active: "maybe"',
      body({ op: 'replace', path: 'active', value: 'maybe' }),
      'invalidValue',
      /'active': "maybe" is not a boolean/,
    ],
    [
      'userName: 5',
      body({ op: 'replace', path: 'userName', value: 5 }),
      'invalidValue',
      /'userName': 5 is not a string/,
    ],
    ['emails: [5]', body({ op: 'add', path: 'emails', value: [true] }), 'invalidValue', /'emails'/],
    ['name: "x"', body({ op: 'replace', path: 'name', value: 'x' }), 'invalidValue', /'name'.*not an object/],
    [
      'primary: "yes"',
      body({ op: 'add', path: 'emails', value: [{ value: 'a', primary: 'yes' }] }),
      'invalidValue',
      /emails.primary/,
    ],
    ['removing userName', body({ op: 'remove', path: 'userName' }), 'invalidValue', /required/],
    ['clearing userName', body({ op: 'replace', path: 'userName', value: null }), 'invalidValue', /required/],
  ])('rejects %s', (_name, request, scimType, message) => {
    const error = scimErrorOf(() => parsePatchRequest(request, 'User'));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toMatch(message);
  });

  it('limits the number of operations', () => {
    const many = body(...Array.from({ length: 5 }, () => ({ op: 'add', path: 'nickName', value: 'x' })));
    expect(scimErrorOf(() => parsePatchRequest(many, 'User', { maxOperations: 4 })).scimType).toBe(
      'invalidValue',
    );
  });
});
