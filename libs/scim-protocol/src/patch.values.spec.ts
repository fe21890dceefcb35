import { describe, expect, it } from 'vitest';
import { normalizeResource, unwrapRoleEntry } from './patch.values.js';
import { ScimError } from './scim.error.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SIGNPATH_USER = 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User';

describe('normalizeResource (POST/PUT bodies)', () => {
  it('normalises the Entra create-user body (entra-client.md §3.2)', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: '0a21f0f2-…',
      userName: 'Test_User_…',
      active: 'True',
      emails: [{ primary: true, type: 'work', value: '…@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [
        { primary: false, type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'Admin' },
        { primary: 'False', type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
      ],
      addresses: null,
      phoneNumbers: null,
      [SIGNPATH_USER]: { isDirectorySynchronized: 'true' },
    };
    expect(normalizeResource('User', body)).toStrictEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: '0a21f0f2-…',
      userName: 'Test_User_…',
      active: true,
      emails: [{ primary: true, type: 'work', value: '…@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [
        { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' },
        { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
      ],
      [SIGNPATH_USER]: { isDirectorySynchronized: true },
    });
  });

  it('accepts URN-qualified top-level keys and keeps unknown attributes', () => {
    expect(
      normalizeResource('User', {
        UserName: 'x',
        [`${ENTERPRISE}:employeeNumber`]: '42',
        'urn:ietf:params:scim:schemas:core:2.0:User:displayName': 'X',
        custom: { a: 1 },
      }),
    ).toStrictEqual({
      userName: 'x',
      [ENTERPRISE]: { employeeNumber: '42' },
      displayName: 'X',
      custom: { a: 1 },
    });
  });

  it('normalises the Entra create-group body and drops client-sent id and meta', () => {
    expect(
      normalizeResource('Group', {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        id: 'client-chosen',
        externalId: '8aa1a0c0-…',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      }),
    ).toStrictEqual({
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-…',
      displayName: 'displayName',
    });
  });

  it.each([
    [{ userName: 'x', active: 'maybe' }, /'active'/],
    [{ userName: 5 }, /'userName'/],
    [{ active: true }, /'userName' is required/],
    [{ userName: 'x', [ENTERPRISE]: 'nope' }, /not an object/],
    ['not an object', /JSON object/],
  ])('rejects %j', (body, message) => {
    expect(() => normalizeResource('User', body)).toThrow(ScimError);
    expect(() => normalizeResource('User', body)).toThrow(message);
  });
});

describe('unwrapRoleEntry', () => {
  it('reads the JSON-string role Entra sends in PATCH', () => {
    expect(unwrapRoleEntry({ value: '{"id":"06b07648-…","value":"25","displayName":"Role1234"}' })).toEqual({
      value: '25',
      display: 'Role1234',
    });
    expect(unwrapRoleEntry({ value: '{not json' })).toEqual({ value: '{not json' });
  });
});
