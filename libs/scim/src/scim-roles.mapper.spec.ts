import { describe, expect, it } from 'vitest';
import { ScimError } from '#scim-protocol';
import { effectiveGlobalRole, roleOfEntry, rolesOfEntries, scimRoles } from './scim-roles.mapper.js';

function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('role assignment', () => {
  it.each([
    [{ value: 'GlobalAdministrator' }, 'GlobalAdministrator'],
    [{ value: 'globalreader' }, 'GlobalReader'],
    [{ display: 'SignPath Certificate Administrator', value: 'b5e1…' }, 'CertificateAdministrator'],
    [{ value: 'SignPath Project Administrator' }, 'ProjectAdministrator'],
    ['UserAdministrator', 'UserAdministrator'],
  ])('reads %j as %s', (entry, role) => {
    expect(roleOfEntry(entry)).toBe(role);
  });

  it('rejects unknown roles listing the accepted values', () => {
    const error = scimErrorOf(() => roleOfEntry({ value: 'Admin', display: 'Admin' }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('"Admin" is not a global role');
    expect(error.detail).toContain('GlobalAdministrator, CertificateAdministrator');
  });

  it('never grants DirectorySynchronizer', () => {
    const error = scimErrorOf(() => roleOfEntry({ value: 'DirectorySynchronizer' }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/can never be granted through SCIM/);
  });

  it('deduplicates role sets', () => {
    expect(
      rolesOfEntries([{ value: 'RegularUser' }, { value: 'GlobalReader' }, { value: 'regularuser' }]),
    ).toEqual(['RegularUser', 'GlobalReader']);
  });

  it('allows one global role besides RegularUser and names the user and roles otherwise', () => {
    expect(effectiveGlobalRole([], 'alice')).toBe('RegularUser');
    expect(effectiveGlobalRole(['RegularUser'], 'alice')).toBe('RegularUser');
    expect(effectiveGlobalRole(['RegularUser', 'GlobalReader'], 'alice')).toBe('GlobalReader');
    const error = scimErrorOf(() =>
      effectiveGlobalRole(['GlobalReader', 'RegularUser', 'GlobalAdministrator'], 'alice'),
    );
    expect(error.status).toBe(400);
    expect(error.detail).toContain('user alice');
    expect(error.detail).toContain('GlobalReader, GlobalAdministrator');
  });

  it('renders roles with their display names', () => {
    expect(scimRoles(['GlobalReader'])).toEqual([
      { value: 'GlobalReader', display: 'SignPath Global Reader', primary: false },
    ]);
  });
});

describe('the SCIM schema of roles', () => {
  it('publishes exactly the provisionable global roles as canonical values of roles.value', async () => {
    const { SCHEMAS, SCHEMA_URN } = await import('#scim-protocol');
    const { PROVISIONABLE_GLOBAL_ROLES } = await import('#roles');
    const roles = SCHEMAS.find((schema) => schema.id === SCHEMA_URN.coreUser)!.attributes.find(
      (attribute) => attribute.name === 'roles',
    )!;
    const value = roles.subAttributes!.find((attribute) => attribute.name === 'value')!;
    expect(value.canonicalValues).toEqual([...PROVISIONABLE_GLOBAL_ROLES]);
  });
});
