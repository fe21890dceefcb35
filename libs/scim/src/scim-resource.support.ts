import type { AuditTrail } from '#audit-log';
import type { AppConfig } from '#config';
import { isUniqueViolation } from '#persistence';
import { assertIfMatch, ScimError, type ScimCall } from '#scim-protocol';

type ResourceType = 'User' | 'Group';

/** Paging bounds of a list or .search of one resource type. */
export function scimListOptions(resourceType: ResourceType, config: AppConfig) {
  return { resourceType, defaultCount: config.scimDefaultPageSize, maxCount: config.scimMaxPageSize };
}

/**
 * The resource a write targets, locked for the rest of the transaction by `find`, described to the
 * audit (before the lookup, so a 404 or 412 still names the id), after its If-Match check.
 */
export async function lockedForWrite<Row extends { id: string; version: number }>(
  audit: AuditTrail,
  call: ScimCall,
  target: { resourceType: ResourceType; id: string; operation: 'update' | 'replace' | 'delete' },
  find: () => Promise<Row | undefined>,
  describe: (row: Row) => void,
): Promise<Row> {
  const { resourceType, id, operation } = target;
  audit.describe({ operation, resourceType, resourceId: id });
  const row = await find();
  if (!row) throw ScimError.notFound(`${resourceType} ${id} not found`);
  describe(row);
  assertIfMatch(call.ifMatch, row.version, `${resourceType} ${row.id}`);
  return row;
}

/** A unique violation becomes 409 uniqueness with the caller's message, never a duplicate. */
export async function uniquely<T>(write: () => Promise<T>, conflict: (error: unknown) => string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw ScimError.uniqueness(conflict(error));
  }
}

/** A top-level string attribute of a body, whatever the case of its name (SCIM names are case-insensitive). */
function namedString(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.toLowerCase() === lower && typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * The identifiers a create request names, as its body gives them, before anything is validated: a
 * request refused for its roles, its values or a conflict is then found in the audit by the
 * userName, externalId or displayName support is asked about (the audit masks and caps them like
 * every stored value). `normalize` is the form the resource stores its userName in.
 */
export function namedIdentifiers(
  body: unknown,
  normalizeUserName?: (userName: string) => string,
): { userName?: string; externalId?: string; displayName?: string } {
  const userName = namedString(body, 'userName');
  return {
    userName: userName === undefined ? undefined : (normalizeUserName?.(userName) ?? userName),
    externalId: namedString(body, 'externalId'),
    displayName: namedString(body, 'displayName'),
  };
}
