import { describe, expect, it } from 'vitest';
import { type JsonObject } from './json.util.js';
import { applyPatchToJson } from './patch.apply.js';
import { parsePatchRequest } from './patch.parser.js';
import { ScimError } from './scim.error.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const patchUser = (resource: JsonObject, ...operations: unknown[]) =>
  applyPatchToJson(resource, parsePatchRequest({ Operations: operations }, 'User'), 'User');

const bjensen = (): JsonObject => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' }],
});

describe('applyPatchToJson', () => {
  it('does not modify its input', () => {
    const input = bjensen();
    const snapshot = structuredClone(input);
    patchUser(input, { op: 'Replace', path: 'userName', value: 'other' });
    expect(input).toEqual(snapshot);
  });

  it('P1/P2/P3: replaces simple, sub- and filtered values; "False" becomes false', () => {
    const result = patchUser(
      bjensen(),
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@example.com' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen-Smith' },
      { op: 'Replace', path: 'userName', value: 'babs' },
      { op: 'Replace', path: 'active', value: 'False' },
    );
    expect(result['emails']).toEqual([
      { value: 'updatedEmail@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(result['name']).toEqual({ givenName: 'Barbara', familyName: 'Jensen-Smith' });
    expect(result['userName']).toBe('babs');
    expect(result['active']).toBe(false);
  });

  it('P8: add (or replace) on an absent filtered e-mail creates it', () => {
    const withoutEmails: JsonObject = { userName: 'x' };
    expect(
      patchUser(withoutEmails, { op: 'Add', path: 'emails[type eq "work"].value', value: 'x@y' })['emails'],
    ).toEqual([{ type: 'work', value: 'x@y' }]);
    expect(
      patchUser(
        { userName: 'x', emails: [{ type: 'home', value: 'h@y' }] },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'x@y' },
      )['emails'],
    ).toEqual([
      { type: 'home', value: 'h@y' },
      { type: 'work', value: 'x@y' },
    ]);
    expect(
      patchUser(withoutEmails, { op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' })[
        'roles'
      ],
    ).toEqual([{ primary: true, value: 'Admin' }]);
  });

  it('creates no element that would fail its own filter, so that add stays idempotent', () => {
    // Found by the add-idempotence property (patch.property.spec.ts): every repetition appended another element.
    for (const path of ['emails[type eq "home"].type', 'emails[value eq "old@x.io"].value']) {
      const once = patchUser({ userName: 'x' }, { op: 'Add', path, value: 'work' });
      expect(once).toEqual({ userName: 'x' });
    }
    // Changing what the filter tests moves the element out of it; doing that again changes nothing.
    const moved = patchUser(bjensen(), { op: 'Add', path: 'emails[type eq "work"].type', value: 'other' });
    expect(moved['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'other', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(patchUser(moved, { op: 'Add', path: 'emails[type eq "work"].type', value: 'other' })).toEqual(
      moved,
    );
    // Writing what the filter asks for still creates the element.
    expect(
      patchUser({ userName: 'x' }, { op: 'Add', path: 'emails[type eq "home"].type', value: 'Home' })[
        'emails'
      ],
    ).toEqual([{ type: 'Home' }]);
  });

  it('cannot create an element from a filter that does not describe one', () => {
    for (const path of ['emails[type eq "work" or type eq "home"].value', 'emails[value co "@"].type']) {
      let caught: unknown;
      try {
        patchUser({ userName: 'x' }, { op: 'Replace', path, value: 'x@y' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScimError);
      expect((caught as ScimError).scimType).toBe('noTarget');
    }
  });

  it('P4/P5: add single-valued and the path-less replace', () => {
    const result = patchUser(
      bjensen(),
      { op: 'Add', path: 'nickName', value: 'Babs' },
      {
        op: 'replace',
        value: {
          displayName: 'Babs Jensen',
          'name.givenName': 'Babs',
          [`${ENTERPRISE}:employeeNumber`]: '701984',
        },
      },
    );
    expect(result).toMatchObject({
      nickName: 'Babs',
      displayName: 'Babs Jensen',
      name: { givenName: 'Babs', familyName: 'Jensen' },
      [ENTERPRISE]: { employeeNumber: '701984' },
    });
  });

  it('P6: sets, changes and clears the manager', () => {
    const set = patchUser(bjensen(), {
      op: 'Add',
      path: 'manager',
      value: [{ $ref: 'http://x/Users/m1', value: 'm1' }],
    });
    expect(set[ENTERPRISE]).toEqual({ manager: { $ref: 'http://x/Users/m1', value: 'm1' } });
    const changed = patchUser(set, { op: 'Replace', path: 'manager', value: [{ value: 'm2' }] });
    expect(changed[ENTERPRISE]).toEqual({ manager: { $ref: 'http://x/Users/m1', value: 'm2' } });
    const cleared = patchUser(changed, { op: 'Replace', path: 'manager', value: [] });
    expect(cleared[ENTERPRISE]).toBeUndefined();
  });

  it('P7: adds roles without duplicates and replaces them wholesale', () => {
    const added = patchUser(
      { userName: 'x', roles: [{ value: 'RegularUser', display: 'RegularUser' }] },
      {
        op: 'Add',
        path: 'roles',
        value: [
          { value: '{"id":"1","value":"GlobalReader","displayName":"GlobalReader"}' },
          { value: '{"id":"2","value":"RegularUser","displayName":"RegularUser"}' },
        ],
      },
    );
    expect(added['roles']).toEqual([
      { value: 'RegularUser', display: 'RegularUser' },
      { value: 'GlobalReader', display: 'GlobalReader' },
    ]);
    const replaced = patchUser(added, {
      op: 'replace',
      path: 'roles',
      value: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' }],
    });
    expect(replaced['roles']).toEqual([
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
    ]);
  });

  it('P9: mixed request', () => {
    const result = patchUser(
      bjensen(),
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
      {
        op: 'Replace',
        path: 'addresses[type eq "work"].formatted',
        value: '100 Universal City Plaza, Hollywood',
      },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Tour Operations' },
    );
    expect(result['addresses']).toEqual([
      {
        type: 'work',
        streetAddress: '100 Universal City Plaza',
        locality: 'Hollywood',
        formatted: '100 Universal City Plaza, Hollywood',
      },
    ]);
    expect(result[ENTERPRISE]).toEqual({ department: 'Tour Operations' });
  });

  it('RFC: add without path appends e-mails and sets the nickname', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      value: {
        emails: [
          { value: 'babs@jensen.org', type: 'home' },
          { value: 'b@new.org', type: 'other' },
        ],
        nickname: 'Babs',
      },
    });
    expect(result['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'b@new.org', type: 'other' },
    ]);
    expect(result['nickName']).toBe('Babs');
  });

  it('RFC: replace without path replaces the e-mail list', () => {
    const result = patchUser(bjensen(), {
      op: 'replace',
      value: {
        emails: [
          { value: 'bjensen@example.com', type: 'work', primary: true },
          { value: 'babs@jensen.org', type: 'home' },
        ],
        nickname: 'Babs',
      },
    });
    expect(result['emails']).toHaveLength(2);
    expect(result['nickName']).toBe('Babs');
  });

  it('RFC: replace a filtered element and one of its sub-attributes', () => {
    const address = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const replaced = patchUser(bjensen(), {
      op: 'replace',
      path: 'addresses[type eq "work"]',
      value: address,
    });
    expect(replaced['addresses']).toEqual([address]);
    const street = patchUser(replaced, {
      op: 'replace',
      path: 'addresses[type eq "work"].streetAddress',
      value: '1010 Broadway Ave',
    });
    expect(street['addresses']).toEqual([{ ...address, streetAddress: '1010 Broadway Ave' }]);
  });

  it('RFC: removes filtered elements, sub-attributes and whole attributes', () => {
    expect(
      patchUser(bjensen(), { op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' })[
        'emails'
      ],
    ).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
    expect(patchUser(bjensen(), { op: 'remove', path: 'emails[type eq "work"].primary' })['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(patchUser(bjensen(), { op: 'remove', path: 'name.givenName' })['name']).toEqual({
      familyName: 'Jensen',
    });
    expect(patchUser(bjensen(), { op: 'remove', path: 'emails' })).not.toHaveProperty('emails');
    const noAddresses = patchUser(bjensen(), { op: 'remove', path: 'addresses[type eq "work"]' });
    expect(noAddresses).not.toHaveProperty('addresses');
  });

  it('removes only the listed values when a remove carries a value (Entra legacy form)', () => {
    expect(
      patchUser(bjensen(), { op: 'Remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] })['emails'],
    ).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
  });

  it('treats removing something absent as a no-op', () => {
    const user = bjensen();
    expect(patchUser(user, { op: 'remove', path: 'nickName' })).toEqual(user);
    expect(patchUser(user, { op: 'remove', path: 'emails[type eq "other"]' })).toEqual(user);
    expect(patchUser(user, { op: 'remove', path: `${ENTERPRISE}:manager` })).toEqual(user);
  });

  it('keeps a single primary value', () => {
    const result = patchUser(bjensen(), {
      op: 'add',
      path: 'emails',
      value: [{ value: 'new@x.org', type: 'other', primary: true }],
    });
    expect(result['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@x.org', type: 'other', primary: true },
    ]);
  });

  it('clears attributes replaced with null and keeps unknown attributes', () => {
    const result = patchUser(
      bjensen(),
      { op: 'replace', path: 'name', value: null },
      { op: 'add', path: 'favouriteColour', value: 'blue' },
      { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode', value: 'X1' },
    );
    expect(result).not.toHaveProperty('name');
    expect(result['favouriteColour']).toBe('blue');
    expect(result['urn:ietf:params:scim:schemas:extension:acme:2.0:User']).toEqual({ costCode: 'X1' });
  });

  it('matches stored keys case-insensitively and writes the canonical spelling', () => {
    expect(
      patchUser(
        { UserName: 'a', NAME: { GivenName: 'x' } },
        { op: 'replace', path: 'username', value: 'b' },
        { op: 'replace', path: 'name.givenName', value: 'y' },
      ),
    ).toEqual({
      userName: 'b',
      name: { givenName: 'y' },
    });
  });

  it('sets the SignPath extension from Entra\'s constant "true"', () => {
    const result = patchUser(
      { userName: 'x' },
      {
        op: 'Add',
        path: 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User:isDirectorySynchronized',
        value: 'True',
      },
    );
    expect(result['urn:ietf:params:scim:schemas:extension:signpath:2.0:User']).toEqual({
      isDirectorySynchronized: true,
    });
  });
});
