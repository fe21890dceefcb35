import {
  AUDIT_OPERATIONS,
  AUDIT_RESOURCE_TYPES,
  type AuditOperation,
  type AuditResourceType,
} from './audit-event.types.js';

/**
 * Who made the change a row records: Entra ID through `/scim` (one row per request), or an
 * organization's own user through the management API (one row per change).
 */
export type AuditSource = 'scim' | 'manual';

export const AUDIT_SOURCES: readonly AuditSource[] = ['scim', 'manual'];

/**
 * The management API's vocabulary. It lives here, not in the management module, because the audit
 * table's CHECK constraints, its API filters and its OpenAPI enums must list exactly these values;
 * the management module records within it.
 */
export const MANUAL_OPERATIONS = [
  'create',
  'update',
  'delete',
  'deactivate',
  'reactivate',
  'add-member',
  'remove-member',
  'grant',
  'revoke',
  'issue',
  'revoke-token',
] as const;

export type ManualOperation = (typeof MANUAL_OPERATIONS)[number];

export const MANUAL_RESOURCE_TYPES = [
  'User',
  'Group',
  'Project',
  'SigningPolicy',
  'Permission',
  'ApiToken',
] as const;

export type ManualResourceType = (typeof MANUAL_RESOURCE_TYPES)[number];

/** Any operation a row may hold, whatever its source. */
export type StoredOperation = AuditOperation | ManualOperation;
export type StoredResourceType = AuditResourceType | ManualResourceType;

function union<T extends string>(...lists: (readonly T[])[]): readonly T[] {
  return [...new Set(lists.flat())];
}

/** SCIM's operations first, then the management API's own (create, update and delete are shared). */
export const STORED_OPERATIONS: readonly StoredOperation[] = union<StoredOperation>(
  AUDIT_OPERATIONS,
  MANUAL_OPERATIONS,
);

export const STORED_RESOURCE_TYPES: readonly StoredResourceType[] = union<StoredResourceType>(
  AUDIT_RESOURCE_TYPES,
  MANUAL_RESOURCE_TYPES,
);
