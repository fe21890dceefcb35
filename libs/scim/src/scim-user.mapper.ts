import {
  type FilterColumnMap,
  isPlainObject,
  type JsonObject,
  SCHEMA_URN,
  withoutSecrets,
  ScimError,
  weakEtag,
} from '#scim-protocol';
import { scimRoles } from './scim-roles.mapper.js';
import type { UserRow } from '#users';

/** Attributes with columns of their own; everything else lives in scim_attributes as sent. */
const COLUMN_ATTRIBUTES = [
  'id',
  'schemas',
  'meta',
  'groups',
  'userName',
  'displayName',
  'externalId',
  'active',
  'roles',
];

/** Where each filterable User attribute lives, for the SQL filter compiler (alias `u`). */
export const USER_FILTER_COLUMNS: FilterColumnMap = {
  id: { column: 'u.id', type: 'uuid' },
  userName: { column: 'u.user_name', caseExact: false },
  externalId: { column: 'u.external_id', caseExact: true },
  displayName: { column: 'u.display_name', caseExact: false },
  active: { column: 'u.active', type: 'boolean' },
  'meta.created': { column: 'u.created_at', type: 'dateTime' },
  'meta.lastModified': { column: 'u.updated_at', type: 'dateTime' },
  'name.givenName': { column: "(u.scim_attributes #>> '{name,givenName}')" },
  'name.familyName': { column: "(u.scim_attributes #>> '{name,familyName}')" },
  'name.formatted': { column: "(u.scim_attributes #>> '{name,formatted}')" },
  emails: { jsonArray: "(u.scim_attributes -> 'emails')" },
  roles: {
    custom: (request, context) => {
      if (request.kind === 'present') return 'cardinality(u.roles) > 0';
      const values =
        request.kind === 'compare' &&
        request.op === 'eq' &&
        (request.subAttr ?? 'value').toLowerCase() === 'value'
          ? [String(request.value)]
          : undefined;
      if (!values)
        throw ScimError.invalidFilter("roles can only be filtered with 'roles eq' or 'roles.value eq'");
      return `${context.param(values[0])} = ANY (u.roles)`;
    },
  },
  [`${SCHEMA_URN.enterpriseUser}:employeeNumber`]: {
    column: `(u.scim_attributes #>> '{${SCHEMA_URN.enterpriseUser},employeeNumber}')`,
  },
  [`${SCHEMA_URN.enterpriseUser}:department`]: {
    column: `(u.scim_attributes #>> '{${SCHEMA_URN.enterpriseUser},department}')`,
  },
  [`${SCHEMA_URN.enterpriseUser}:manager.value`]: {
    column: `(u.scim_attributes #>> '{${SCHEMA_URN.enterpriseUser},manager,value}')`,
    caseExact: true,
  },
  [`${SCHEMA_URN.enterpriseUser}:manager`]: {
    column: `(u.scim_attributes #>> '{${SCHEMA_URN.enterpriseUser},manager,value}')`,
    caseExact: true,
  },
  [`${SCHEMA_URN.signpathUser}:isDirectorySynchronized`]: {
    column: 'u.is_directory_synchronized',
    type: 'boolean',
  },
};

/** SQL for `sortBy`; anything else sorts by id, which is stable and index-backed. */
export const USER_SORT_COLUMNS: Readonly<Record<string, string>> = {
  username: 'lower(u.user_name)',
  displayname: 'lower(u.display_name)',
  externalid: 'u.external_id',
  'meta.created': 'u.created_at',
  'meta.lastmodified': 'u.updated_at',
  active: 'u.active',
};

/** The user's role set as SCIM shows it: the set Entra sent, or the global role of a manual user. */
export function roleSetOf(row: Pick<UserRow, 'roles' | 'globalRole'>): string[] {
  if (row.roles.length > 0) return row.roles;
  return row.globalRole === 'RegularUser' || row.globalRole === 'DirectorySynchronizer'
    ? []
    : [row.globalRole];
}

export function toScimUser(row: UserRow, location: string): JsonObject {
  const stored = row.scimAttributes;
  const storedExtension = stored[SCHEMA_URN.signpathUser];
  const productExtension: JsonObject = isPlainObject(storedExtension) ? storedExtension : {};
  const schemas: string[] = [SCHEMA_URN.coreUser];
  if (isPlainObject(stored[SCHEMA_URN.enterpriseUser])) schemas.push(SCHEMA_URN.enterpriseUser);
  schemas.push(SCHEMA_URN.signpathUser);
  const roles = roleSetOf(row);
  return {
    schemas,
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    userName: row.userName,
    displayName: row.displayName ?? row.userName,
    active: row.active,
    ...stored,
    ...(roles.length > 0 ? { roles: scimRoles(roles) } : {}),
    [SCHEMA_URN.signpathUser]: { ...productExtension, isDirectorySynchronized: row.isDirectorySynchronized },
    meta: {
      resourceType: 'User',
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location,
      version: weakEtag(row.version),
    },
  };
}

/**
 * The JSON part of a SCIM user: every attribute without a column, minus what the server owns and
 * minus every secret (a password is never stored: users sign in through SSO).
 */
export function storedAttributesOf(resource: JsonObject): JsonObject {
  const stored: JsonObject = {};
  for (const [key, value] of Object.entries(withoutSecrets(resource, 'User'))) {
    if (COLUMN_ATTRIBUTES.some((name) => name.toLowerCase() === key.toLowerCase())) continue;
    if (key === SCHEMA_URN.signpathUser && isPlainObject(value)) {
      // isDirectorySynchronized is the server's own fact: SCIM writes make it true.
      const { isDirectorySynchronized: _ignored, ...rest } = value;
      if (Object.keys(rest).length > 0) stored[key] = rest;
      continue;
    }
    stored[key] = value;
  }
  return stored;
}
