import {
  equalityValues,
  type FilterColumnMap,
  isPlainObject,
  type JsonObject,
  SCHEMA_URN,
  ScimError,
  weakEtag,
  withoutSecrets,
} from '#scim-protocol';
import { isUuid } from '#persistence';
import type { GroupRow, MemberRow } from '#groups';

const COLUMN_ATTRIBUTES = ['id', 'schemas', 'meta', 'members', 'displayName', 'externalId', 'description'];

/** Where each filterable Group attribute lives (alias `g`); `members` is answered from group_members. */
export const GROUP_FILTER_COLUMNS: FilterColumnMap = {
  id: { column: 'g.id', type: 'uuid' },
  displayName: { column: 'g.display_name', caseExact: false },
  externalId: { column: 'g.external_id', caseExact: true },
  description: { column: 'g.description', caseExact: false },
  'meta.created': { column: 'g.created_at', type: 'dateTime' },
  'meta.lastModified': { column: 'g.updated_at', type: 'dateTime' },
  [`${SCHEMA_URN.signpathGroup}:isDirectorySynchronized`]: {
    column: 'g.is_directory_synchronized',
    type: 'boolean',
  },
  members: {
    // Entra's membership probe: `members[value eq "u"]`, `members eq "u"`, `members.value eq "u"`.
    custom: (request, context) => {
      const member = `SELECT 1 FROM group_members gm WHERE gm.organization_id = g.organization_id AND gm.group_id = g.id`;
      if (request.kind === 'present') return `EXISTS (${member})`;
      const ids = equalityValues(request);
      if (!ids) throw ScimError.invalidFilter("members can only be filtered by 'eq' on the member's id");
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return 'FALSE';
      return `EXISTS (${member} AND gm.user_id = ANY (${context.param(valid)}::uuid[]))`;
    },
  },
};

export const GROUP_SORT_COLUMNS: Readonly<Record<string, string>> = {
  displayname: 'lower(g.display_name)',
  externalid: 'g.external_id',
  'meta.created': 'g.created_at',
  'meta.lastmodified': 'g.updated_at',
};

export function scimMember(member: Pick<MemberRow, 'userId' | 'display'>, tenantUrl: string): JsonObject {
  return {
    value: member.userId,
    display: member.display,
    $ref: `${tenantUrl}/Users/${member.userId}`,
    type: 'User',
  };
}

/** The group without `members` when `members` is undefined (not asked for, or streamed separately). */
export function toScimGroup(row: GroupRow, tenantUrl: string, members?: readonly MemberRow[]): JsonObject {
  const stored = row.scimAttributes;
  const storedExtension = stored[SCHEMA_URN.signpathGroup];
  const productExtension: JsonObject = isPlainObject(storedExtension) ? storedExtension : {};
  return {
    schemas: [SCHEMA_URN.coreGroup, SCHEMA_URN.signpathGroup],
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    displayName: row.displayName,
    ...(row.description !== null ? { description: row.description } : {}),
    ...stored,
    ...(members ? { members: members.map((member) => scimMember(member, tenantUrl)) } : {}),
    [SCHEMA_URN.signpathGroup]: { ...productExtension, isDirectorySynchronized: row.isDirectorySynchronized },
    meta: {
      resourceType: 'Group',
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${tenantUrl}/Groups/${row.id}`,
      version: weakEtag(row.version),
    },
  };
}

/** The JSON part of a SCIM group: what has no column, minus what the server owns. */
export function storedGroupAttributesOf(resource: JsonObject): JsonObject {
  const stored: JsonObject = {};
  for (const [key, value] of Object.entries(withoutSecrets(resource, 'Group'))) {
    if (COLUMN_ATTRIBUTES.some((name) => name.toLowerCase() === key.toLowerCase())) continue;
    if (key === SCHEMA_URN.signpathGroup && isPlainObject(value)) {
      const { isDirectorySynchronized: _ignored, ...rest } = value;
      if (Object.keys(rest).length > 0) stored[key] = rest;
      continue;
    }
    stored[key] = value;
  }
  return stored;
}
