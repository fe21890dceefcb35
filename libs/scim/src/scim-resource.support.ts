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
