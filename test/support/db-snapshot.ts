import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { SyncAuditRecorder } from '#audit-log';
import { waitFor } from './eventually.js';
import type { TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';

/** Anything that runs a query and returns its rows (a TestDatabase, `t.db`). */
export type Queryable = Pick<TestDatabase, 'query'>;

/** The table a snapshot leaves out: a dry-run adds its audit row there, and only there. */
export const AUDIT_TABLE = 'sync_audit_events';
/** Prefix of the X-Request-Id of settleAudit's markers, whose rows auditRowCount leaves out. */
export const AUDIT_MARKER_PREFIX = 'audit-marker-';

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Every row of every table of the public schema except sync_audit_events (tables a test created
 * included) as one text, read in one statement: equal text, equal contents. Tables by name, each
 * row as `to_jsonb(row)` (every column), rows in byte order of that text, so nothing depends on
 * physical order (ctid) or on which columns a table has.
 *
 *   const before = await snapshotTables(t.db);
 *   await dryRunRequest();
 *   expect(await snapshotTables(t.db)).toBe(before);
 *
 * Note: authenticating writes the token's last use (api_tokens.last_used_at, at most once a
 * minute, outside the request's transaction): use the token once before the first snapshot.
 */
export async function snapshotTables(db: Queryable): Promise<string> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $1
      ORDER BY c.relname COLLATE "C"`,
    [AUDIT_TABLE],
  );
  if (tables.length === 0) throw new Error('snapshotTables: the public schema has no table');
  const selects = tables.map(
    ({ name }, index) =>
      `SELECT ${index} AS position, $${index + 1}::text AS name, count(*)::int AS count,
              coalesce(string_agg(t.row, E'\\n' ORDER BY t.row COLLATE "C"), '') AS rows
         FROM (SELECT to_jsonb(r)::text AS row FROM public.${quoted(name)} r) t`,
  );
  const contents = await db.query<{ name: string; count: number; rows: string }>(
    `${selects.join('\nUNION ALL\n')}\nORDER BY position`,
    tables.map(({ name }) => name),
  );
  return contents
    .map(({ name, count, rows }) => `== ${name}: ${count} row(s)\n${rows}${rows ? '\n' : ''}`)
    .join('');
}

/** Rows in sync_audit_events, settleAudit's markers left out. */
export async function auditRowCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${AUDIT_TABLE} WHERE request_id NOT LIKE $1`,
    [`${AUDIT_MARKER_PREFIX}%`],
  );
  return row!.count;
}

/** The audit rows of the given X-Request-Ids, as `request_id -> number of rows` (0 for none). */
export async function auditRowsPerRequest(
  db: Queryable,
  requestIds: readonly string[],
): Promise<Record<string, number>> {
  const rows = await db.query<{ request_id: string; count: number }>(
    `SELECT request_id, count(*)::int AS count FROM ${AUDIT_TABLE}
      WHERE request_id = ANY($1::text[]) GROUP BY request_id`,
    [requestIds],
  );
  const counts = Object.fromEntries(requestIds.map((id) => [id, 0]));
  for (const row of rows) counts[row.request_id] = row.count;
  return counts;
}

/**
 * Waits until no audit row of an earlier request can still arrive, without guessing a time: sends
 * a marker request (no token, an organization that does not exist: a 401 row of no organization),
 * waits for its row, then for every row the recorder has scheduled. A request's row is scheduled
 * when its response ends, before its client sees the answer, so once this resolves every row of
 * every request answered before the call is stored, and no later one can come from them. Returns
 * the marker's request id; auditRowCount does not count markers.
 */
export async function settleAudit(t: TestApp): Promise<string> {
  const marker = `${AUDIT_MARKER_PREFIX}${randomUUID()}`;
  const response = await t
    .http()
    .get(`/scim/${randomUUID()}/ServiceProviderConfig`)
    .set('X-Request-Id', marker);
  if (response.status !== 401) throw new Error(`settleAudit: the marker request answered ${response.status}`);
  await waitFor(
    `the audit row of the marker request ${marker}`,
    async () => (await auditRowsPerRequest(t.db, [marker]))[marker]!,
    { until: (count) => count > 0 },
  );
  await t.app.get(SyncAuditRecorder).flush();
  return marker;
}

/**
 * Asserts that the dry-run requests `send` makes (returning their X-Request-Ids) leave every table
 * but sync_audit_events byte-identical and write exactly one audit row each, and nothing else:
 * waits for the rows, then for a later marker (settleAudit), then counts.
 */
export async function expectNothingCommitted(
  t: TestApp,
  send: () => Promise<readonly string[]>,
): Promise<void> {
  await settleAudit(t);
  const before = await snapshotTables(t.db);
  const auditRowsBefore = await auditRowCount(t.db);
  const requestIds = await send();
  expect(new Set(requestIds).size, 'distinct X-Request-Ids, one per request').toBe(requestIds.length);
  expect(await snapshotTables(t.db), 'every table after the dry-run requests').toBe(before);
  await waitFor(
    `one audit row of each of ${requestIds.join(', ')}`,
    () => auditRowsPerRequest(t.db, requestIds),
    { until: (counts) => Object.values(counts).every((count) => count > 0) },
  );
  await settleAudit(t);
  expect(await auditRowsPerRequest(t.db, requestIds)).toEqual(
    Object.fromEntries(requestIds.map((id) => [id, 1])),
  );
  expect(await auditRowCount(t.db), 'audit rows: one per dry-run request, no other').toBe(
    auditRowsBefore + requestIds.length,
  );
  expect(await snapshotTables(t.db), 'every table once the audit rows are in').toBe(before);
}
