import type { MigrationInterface, QueryRunner } from 'typeorm';

const SCIM_OPERATIONS = `'query', 'read', 'create', 'update', 'replace', 'delete', 'discovery', 'test-connection'`;
const SCIM_RESOURCE_TYPES = `'User', 'Group', 'ServiceProviderConfig', 'ResourceType', 'Schema'`;

/**
 * The sync audit also records the management API's writes, one row per change, as manual changes.
 *
 * - `source` tells Entra's SCIM requests ('scim', every existing row) from changes made by hand
 *   ('manual'). The acting user of a manual change goes into the existing `user_id`, which already
 *   means "the user whose API token made the request" (the management API authenticates the same
 *   api_tokens as SCIM): no second column holding the same value.
 * - The operation and resource-type checks also allow the management API's values.
 * - Two small partial indexes (manual rows only) serve the `source=manual` filter, newest first, of
 *   one organization and across all, and the summary's latest manual change, without walking the
 *   SCIM traffic around them. `source=scim` needs none: nearly every row is one, so the existing
 *   indexes serve it with a filter that rarely skips a row.
 *
 * Online, because the table may hold millions of rows and every SCIM or management write inserts
 * into it inside its transaction: not one transaction (`transaction = false`), so no statement
 * holds the table's ACCESS EXCLUSIVE lock while the table is read. The column has a constant
 * default (no rewrite since PostgreSQL 11); each check is added NOT VALID (instant, enforced for new
 * rows at once) and validated by its own statement, whose scan lets inserts through; the indexes
 * are built CONCURRENTLY. Every step may be rerun, so a failed run is finished by running it again.
 */
export class AuditManualChanges1764430000000 implements MigrationInterface {
  name = 'AuditManualChanges1764430000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE sync_audit_events ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'scim'`,
    );
    await replaceCheck(db, 'CHK_sync_audit_events_source', `source IN ('scim', 'manual')`);
    await replaceCheck(
      db,
      'CHK_sync_audit_events_operation',
      `operation IN (${SCIM_OPERATIONS}, 'deactivate', 'reactivate', 'add-member', 'remove-member', 'grant',
        'revoke', 'issue', 'revoke-token')`,
    );
    await replaceCheck(
      db,
      'CHK_sync_audit_events_resource_type',
      `resource_type IN (${SCIM_RESOURCE_TYPES}, 'Project', 'SigningPolicy', 'Permission', 'ApiToken')`,
    );
    await buildIndex(
      db,
      'IX_sync_audit_events_manual_organization_time',
      `(organization_id, occurred_at DESC, id DESC) WHERE source = 'manual'`,
    );
    await buildIndex(
      db,
      'IX_sync_audit_events_manual_time',
      `(occurred_at DESC, id DESC) WHERE source = 'manual'`,
    );
  }

  /**
   * TypeORM reverts in a transaction, hence no CONCURRENTLY here. Manual rows cannot be represented
   * without a source (the earlier summary would count them as Entra's traffic), so they are deleted.
   */
  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS "IX_sync_audit_events_manual_time"`);
    await db.query(`DROP INDEX IF EXISTS "IX_sync_audit_events_manual_organization_time"`);
    await db.query(`DELETE FROM sync_audit_events WHERE source = 'manual'`);
    await db.query(`ALTER TABLE sync_audit_events DROP CONSTRAINT IF EXISTS "CHK_sync_audit_events_operation",
      ADD CONSTRAINT "CHK_sync_audit_events_operation" CHECK (operation IN (${SCIM_OPERATIONS}))`);
    await db.query(`ALTER TABLE sync_audit_events DROP CONSTRAINT IF EXISTS "CHK_sync_audit_events_resource_type",
      ADD CONSTRAINT "CHK_sync_audit_events_resource_type" CHECK (resource_type IN (${SCIM_RESOURCE_TYPES}))`);
    await db.query(`ALTER TABLE sync_audit_events DROP COLUMN IF EXISTS source`);
  }
}

/**
 * Swaps a check in one statement (the table is never without it), NOT VALID so that statement only
 * takes its lock for an instant; then validates it separately, under a lock that lets inserts
 * through. Existing rows all pass: every new check is as wide as the one it replaces, or wider.
 */
async function replaceCheck(db: QueryRunner, name: string, expression: string): Promise<void> {
  await db.query(`ALTER TABLE sync_audit_events DROP CONSTRAINT IF EXISTS "${name}",
    ADD CONSTRAINT "${name}" CHECK (${expression}) NOT VALID`);
  await db.query(`ALTER TABLE sync_audit_events VALIDATE CONSTRAINT "${name}"`);
}

/** A build interrupted by a failure leaves an INVALID index behind: it is dropped before building anew. */
async function buildIndex(db: QueryRunner, name: string, definition: string): Promise<void> {
  await db.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  await db.query(`CREATE INDEX CONCURRENTLY "${name}" ON sync_audit_events ${definition}`);
}
