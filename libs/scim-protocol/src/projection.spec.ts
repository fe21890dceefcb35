import { describe, expect, it } from 'vitest';
import { type JsonObject } from './json.util.js';
import { needsAttribute, project } from './projection.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const user = (): JsonObject => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: 'u1',
  externalId: 'e1',
  meta: { resourceType: 'User', created: '2020-01-01T00:00:00Z' },
  userName: 'bjensen',
  password: 'never shown',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'a@x', type: 'work', primary: true },
    { value: 'b@x', type: 'home' },
  ],
  [ENTERPRISE]: { employeeNumber: '42', department: 'R&D' },
  favouriteColour: 'blue',
});

const group = (): JsonObject => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'g1',
  meta: { resourceType: 'Group' },
  displayName: 'Sales',
  members: [{ value: 'u1' }],
});

describe('project', () => {
  it('returns the default set without returned:never attributes', () => {
    const { password: _password, ...expected } = user();
    expect(project(user(), {}, 'User')).toEqual(expected);
  });

  it('excludes members for Entra group lookups', () => {
    expect(project(group(), { excludedAttributes: ['members'] }, 'Group')).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g1',
      meta: { resourceType: 'Group' },
      displayName: 'Sales',
    });
  });

  it('keeps only the requested attributes plus id, schemas and meta', () => {
    expect(project(user(), { attributes: ['id'] }, 'User')).toEqual({
      schemas: user()['schemas'],
      id: 'u1',
      meta: user()['meta'],
    });
    expect(
      project(
        user(),
        { attributes: ['UserName', 'name.givenName', 'emails.value', `${ENTERPRISE}:employeeNumber`] },
        'User',
      ),
    ).toEqual({
      schemas: user()['schemas'],
      id: 'u1',
      meta: user()['meta'],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'a@x' }, { value: 'b@x' }],
      [ENTERPRISE]: { employeeNumber: '42' },
    });
    expect(
      project(
        user(),
        { attributes: ['name.givenName', 'name.familyName', 'password', 'favouritecolour'] },
        'User',
      ),
    ).toMatchObject({
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      favouriteColour: 'blue',
    });
    expect(project(user(), { attributes: ['password'] }, 'User')).not.toHaveProperty('password');
    expect(project(user(), { attributes: [ENTERPRISE] }, 'User')[ENTERPRISE]).toEqual({
      employeeNumber: '42',
      department: 'R&D',
    });
    expect(project(user(), { attributes: ['manager'] }, 'User')).not.toHaveProperty(ENTERPRISE);
  });

  it('excludes sub-attributes, extension attributes and whole extensions but never id, schemas or meta', () => {
    const result = project(
      user(),
      { excludedAttributes: ['emails.type', 'employeeNumber', 'id', 'meta', 'schemas', 'favouriteColour'] },
      'User',
    );
    expect(result['emails']).toEqual([{ value: 'a@x', primary: true }, { value: 'b@x' }]);
    expect(result[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect(result).toMatchObject({ id: 'u1', meta: user()['meta'], schemas: user()['schemas'] });
    expect(result).not.toHaveProperty('favouriteColour');
    expect(project(user(), { excludedAttributes: [ENTERPRISE] }, 'User')).not.toHaveProperty(ENTERPRISE);
    expect(
      project(
        user(),
        { excludedAttributes: [`${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:department`] },
        'User',
      ),
    ).not.toHaveProperty(ENTERPRISE);
  });

  it('applies attributes first, then excludedAttributes', () => {
    expect(
      project(user(), { attributes: ['name'], excludedAttributes: ['name.familyName'] }, 'User')['name'],
    ).toEqual({
      givenName: 'Barbara',
    });
  });

  it('does not modify the input', () => {
    const input = user();
    project(input, { excludedAttributes: ['emails.type', 'name'] }, 'User');
    expect(input).toEqual(user());
  });
});

describe('needsAttribute', () => {
  it.each([
    [{}, true],
    [{ excludedAttributes: ['members'] }, false],
    [{ excludedAttributes: ['Members'] }, false],
    [{ excludedAttributes: ['urn:ietf:params:scim:schemas:core:2.0:Group:members'] }, false],
    [{ excludedAttributes: ['members.display'] }, true],
    [{ attributes: ['id'] }, false],
    [{ attributes: ['displayName', 'members.value'] }, true],
    [{ attributes: ['members'] }, true],
  ])('%j → %s', (query, expected) => {
    expect(needsAttribute(query, 'members', 'Group')).toBe(expected);
    expect(needsAttribute(query, 'members')).toBe(expected);
  });

  it('always needs returned:always attributes and never returned:never ones', () => {
    expect(needsAttribute({ attributes: ['userName'], excludedAttributes: ['id'] }, 'id', 'User')).toBe(true);
    expect(needsAttribute({}, 'password', 'User')).toBe(false);
    expect(needsAttribute({ attributes: [ENTERPRISE] }, 'manager', 'User')).toBe(true);
  });
});
