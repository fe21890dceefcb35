import type { GlobalRole } from '#roles';

/**
 * Who may do what, by global role (issue 7). GlobalReader reads everything and changes nothing;
 * RegularUser and CertificateAdministrator (whose work is outside this API) read only themselves
 * (@AllowSelf routes); DirectorySynchronizer is for SCIM only and gets nothing here.
 *
 * ProjectAdministrators read users and groups as well: granting a permission to a group means
 * finding the group first. They cannot change either.
 */
export const DIRECTORY_WRITERS: readonly GlobalRole[] = ['GlobalAdministrator', 'UserAdministrator'];
export const DIRECTORY_READERS: readonly GlobalRole[] = [
  ...DIRECTORY_WRITERS,
  'ProjectAdministrator',
  'GlobalReader',
];

export const TOKEN_WRITERS: readonly GlobalRole[] = ['GlobalAdministrator', 'UserAdministrator'];
export const TOKEN_READERS: readonly GlobalRole[] = [...TOKEN_WRITERS, 'GlobalReader'];

export const PROJECT_WRITERS: readonly GlobalRole[] = ['GlobalAdministrator', 'ProjectAdministrator'];
export const PROJECT_READERS: readonly GlobalRole[] = [...PROJECT_WRITERS, 'GlobalReader'];

/** A user's effective permissions concern both sides: user and project administrators read them. */
export const EFFECTIVE_PERMISSION_READERS: readonly GlobalRole[] = [
  'GlobalAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
];
