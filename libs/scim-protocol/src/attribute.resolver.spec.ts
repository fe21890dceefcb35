import { describe, expect, it } from 'vitest';
import { resolveAttribute } from './attribute.resolver.js';
import { COMMON_ATTRIBUTES, SCHEMAS, SCHEMA_URN, schemasOf } from './schemas.definition.js';

const ENTERPRISE = SCHEMA_URN.enterpriseUser;

describe('resolveAttribute', () => {
  it.each([
    ['userName', 'userName', SCHEMA_URN.coreUser],
    ['USERNAME', 'userName', SCHEMA_URN.coreUser],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName', 'userName', SCHEMA_URN.coreUser],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username', 'userName', SCHEMA_URN.coreUser],
    ['name.givenName', 'name.givenName', SCHEMA_URN.coreUser],
    ['Name.GivenName', 'name.givenName', SCHEMA_URN.coreUser],
    ['emails.value', 'emails.value', SCHEMA_URN.coreUser],
    ['id', 'id', SCHEMA_URN.coreUser],
    ['meta.lastModified', 'meta.lastModified', SCHEMA_URN.coreUser],
    [`${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:employeeNumber`, ENTERPRISE],
    [`${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.value`, ENTERPRISE],
    ['manager', `${ENTERPRISE}:manager`, ENTERPRISE],
    ['department', `${ENTERPRISE}:department`, ENTERPRISE],
    [
      `${SCHEMA_URN.signpathUser}:isDirectorySynchronized`,
      `${SCHEMA_URN.signpathUser}:isDirectorySynchronized`,
      SCHEMA_URN.signpathUser,
    ],
  ])('User %s → %s', (input, path, schemaUrn) => {
    const resolved = resolveAttribute('User', input);
    expect(resolved?.path).toBe(path);
    expect(resolved?.schemaUrn).toBe(schemaUrn);
  });

  it('returns the definitions', () => {
    const userName = resolveAttribute('User', 'userName');
    expect(userName?.definition).toMatchObject({
      type: 'string',
      caseExact: false,
      uniqueness: 'server',
      required: true,
    });
    expect(resolveAttribute('User', 'externalId')?.definition.caseExact).toBe(true);
    expect(resolveAttribute('User', 'active')?.definition.type).toBe('boolean');
    expect(resolveAttribute('User', 'groups')?.definition.mutability).toBe('readOnly');
    expect(resolveAttribute('User', 'meta.created')?.definition.type).toBe('dateTime');
    const emailValue = resolveAttribute('User', 'emails.value');
    expect(emailValue?.attribute.name).toBe('emails');
    expect(emailValue?.subAttribute?.name).toBe('value');
    expect(resolveAttribute('Group', 'members.$ref')?.definition.referenceTypes).toEqual(['User', 'Group']);
  });

  it.each([
    ['User', 'members'],
    ['User', 'foo'],
    ['User', 'name.foo'],
    ['User', 'userName.value'],
    ['User', 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName'],
    ['User', ENTERPRISE],
    ['User', 'urn:unknown:schema:foo'],
    ['Group', 'employeeNumber'],
    ['Group', `${ENTERPRISE}:employeeNumber`],
    ['User', 'emails[type eq "work"]'],
    ['User', ''],
  ] as const)('%s %s → undefined', (type, input) => {
    expect(resolveAttribute(type, input)).toBeUndefined();
  });

  it('resolves Group attributes and its extension', () => {
    expect(resolveAttribute('Group', 'displayName')?.definition.uniqueness).toBe('server');
    expect(resolveAttribute('Group', 'members.value')?.path).toBe('members.value');
    expect(resolveAttribute('Group', 'isDirectorySynchronized')?.path).toBe(
      `${SCHEMA_URN.signpathGroup}:isDirectorySynchronized`,
    );
  });
});

describe('schema definitions', () => {
  it('defines every schema the resource types use', () => {
    expect(schemasOf('User').map((schema) => schema.id)).toEqual([
      SCHEMA_URN.coreUser,
      SCHEMA_URN.enterpriseUser,
      SCHEMA_URN.signpathUser,
    ]);
    expect(schemasOf('Group').map((schema) => schema.id)).toEqual([
      SCHEMA_URN.coreGroup,
      SCHEMA_URN.signpathGroup,
    ]);
    expect(SCHEMAS).toHaveLength(5);
  });

  it('has unique attribute names per schema and level', () => {
    const check = (names: string[]) =>
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const schema of SCHEMAS) {
      check(schema.attributes.map((a) => a.name));
      for (const attribute of schema.attributes)
        if (attribute.subAttributes) check(attribute.subAttributes.map((a) => a.name));
    }
    expect(COMMON_ATTRIBUTES.map((a) => a.name)).toEqual(['id', 'externalId', 'meta']);
  });
});
