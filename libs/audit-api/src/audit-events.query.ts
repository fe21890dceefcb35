import type { AuditSource, StoredOperation, StoredResourceType } from '#audit-log';

/** The audit API's filters, already validated. Time bounds are [from, to). */
export interface AuditEventFilter {
  organizationId?: string;
  source?: AuditSource;
  from?: Date;
  to?: Date;
  outcome?: 'success' | 'failure';
  status?: number;
  method?: string;
  operation?: StoredOperation;
  resourceType?: StoredResourceType;
  resourceId?: string;
  externalId?: string;
  userName?: string;
  displayName?: string;
  requestId?: string;
  dryRun?: boolean;
  /** Free text, matched case-insensitively anywhere in `detail`. */
  text?: string;
}

/** A position in the newest-first order: the last row of a page. */
export interface AuditCursor {
  /** occurred_at to the microsecond, as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (a JS Date would lose precision). */
  occurredAt: string;
  id: string;
}

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

export const EVENT_COLUMNS = `e.id, e.occurred_at AS "occurredAt", e.organization_id AS "organizationId",
  e.source, e.token_id AS "tokenId", e.user_id AS "userId", e.request_id AS "requestId",
  e.client_address AS "clientAddress", e.user_agent AS "userAgent", e.method, e.path, e.query,
  e.dry_run AS "dryRun", e.operation, e.resource_type AS "resourceType", e.resource_id AS "resourceId",
  e.external_id AS "externalId", e.user_name AS "userName", e.display_name AS "displayName",
  e.status, e.outcome, e.scim_type AS "scimType", e.detail, e.duration_ms AS "durationMs",
  e.request_body AS "requestBody", e.effect, e.count, e.last_occurred_at AS "lastOccurredAt",
  e.token_prefix AS "tokenPrefix",
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTime"`;

const MANUAL = `e.source = 'manual'`;
const SCIM = `e.source = 'scim'`;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * The WHERE clause of a filter. Each condition is written so an index serves it: lookups compare
 * the exact indexed expression (lower(user_name), ...), time bounds are plain ranges, and
 * `source = 'manual'` is the very predicate of the manual rows' partial indexes (a literal, not a
 * parameter, so the planner may use them for a generic plan too).
 */
export function whereClause(filter: AuditEventFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.organizationId !== undefined)
    add((p) => `e.organization_id = ${p}::uuid`, filter.organizationId);
  if (filter.source !== undefined) conditions.push(filter.source === 'manual' ? MANUAL : SCIM);
  if (filter.from !== undefined) add((p) => `e.occurred_at >= ${p}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((p) => `e.occurred_at < ${p}::timestamptz`, filter.to);
  if (filter.outcome !== undefined) add((p) => `e.outcome = ${p}`, filter.outcome);
  if (filter.status !== undefined) add((p) => `e.status = ${p}::smallint`, filter.status);
  if (filter.method !== undefined) add((p) => `e.method = ${p}`, filter.method);
  if (filter.operation !== undefined) add((p) => `e.operation = ${p}`, filter.operation);
  if (filter.resourceType !== undefined) add((p) => `e.resource_type = ${p}`, filter.resourceType);
  if (filter.resourceId !== undefined) add((p) => `e.resource_id = ${p}`, filter.resourceId);
  if (filter.externalId !== undefined) add((p) => `e.external_id = ${p}`, filter.externalId);
  if (filter.userName !== undefined) add((p) => `lower(e.user_name) = lower(${p})`, filter.userName);
  if (filter.displayName !== undefined) add((p) => `lower(e.display_name) = lower(${p})`, filter.displayName);
  if (filter.requestId !== undefined) add((p) => `e.request_id = ${p}`, filter.requestId);
  if (filter.dryRun !== undefined) add((p) => `e.dry_run = ${p}`, filter.dryRun);
  if (filter.text !== undefined && filter.text !== '') {
    add((p) => `e.detail ILIKE ${p}`, `%${escapeLike(filter.text)}%`);
  }
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * One page, newest first, strictly after `after`. Keyset pagination on (occurred_at, id): pages
 * neither repeat nor skip rows while new ones arrive, and page 10,000 costs what page 1 does.
 */
export function eventsPageQuery(filter: AuditEventFilter, limit: number, after?: AuditCursor): SqlQuery {
  const params: unknown[] = [];
  let where = whereClause(filter, params);
  if (after) {
    params.push(after.occurredAt, after.id);
    const keyset = `(e.occurred_at, e.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    where = where ? `${where} AND ${keyset}` : `WHERE ${keyset}`;
  }
  params.push(limit);
  return {
    sql: `SELECT ${EVENT_COLUMNS}
            FROM sync_audit_events e
            ${where}
           ORDER BY e.occurred_at DESC, e.id DESC
           LIMIT $${params.length}`,
    params,
  };
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: base64url of the last row's position. */
export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify([cursor.occurredAt, cursor.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(text: string): AuditCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [occurredAt, id] = value as unknown[];
    if (typeof occurredAt !== 'string' || !CURSOR_TIME.test(occurredAt)) return undefined;
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    return { occurredAt, id };
  } catch {
    return undefined;
  }
}
