import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Folded audit rows (libs/sync-audit/src/audit-aggregates.ts): requests refused for want of a
 * valid token (401) or by a limit (429) are recorded one row per minute and source, not one per
 * request, so a flood costs rows in proportion to minutes.
 *
 * - `count`: the requests a row stands for (1 for every existing and every ordinary row).
 * - `last_occurred_at`: when the last of them arrived (folded rows only).
 * - `token_prefix`: the presented API token's lookup prefix (folded rows only; never the secret).
 * - `aggregate_key`: what the row is folded by, unique among folded rows, so that each write of a
 *   later window (or of another replica) adds to the row already there (INSERT ... ON CONFLICT).
 *
 * Online like 1764430000000: constant defaults (no table rewrite), the check added NOT VALID then
 * validated, the unique partial index built CONCURRENTLY (no existing row has a key, so it is
 * small). Every step may be rerun.
 */
export class AuditAggregatedRows1764450000000 implements MigrationInterface {
  name = 'AuditAggregatedRows1764450000000';
  transaction = false;

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sync_audit_events
      ADD COLUMN IF NOT EXISTS count integer NOT NULL DEFAULT 1,
      ADD COLUMN IF NOT EXISTS last_occurred_at timestamptz,
      ADD COLUMN IF NOT EXISTS token_prefix text,
      ADD COLUMN IF NOT EXISTS aggregate_key text`);
    await db.query(`ALTER TABLE sync_audit_events DROP CONSTRAINT IF EXISTS "CHK_sync_audit_events_count",
      ADD CONSTRAINT "CHK_sync_audit_events_count" CHECK (count >= 1) NOT VALID`);
    await db.query(`ALTER TABLE sync_audit_events VALIDATE CONSTRAINT "CHK_sync_audit_events_count"`);
    // An interrupted build leaves an INVALID index behind: dropped before building anew.
    await db.query(`DROP INDEX CONCURRENTLY IF EXISTS "UQ_sync_audit_events_aggregate_key"`);
    await db.query(
      `CREATE UNIQUE INDEX CONCURRENTLY "UQ_sync_audit_events_aggregate_key" ON sync_audit_events (aggregate_key) WHERE aggregate_key IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS "UQ_sync_audit_events_aggregate_key"`);
    await db.query(`ALTER TABLE sync_audit_events DROP CONSTRAINT IF EXISTS "CHK_sync_audit_events_count",
      DROP COLUMN IF EXISTS aggregate_key, DROP COLUMN IF EXISTS token_prefix,
      DROP COLUMN IF EXISTS last_occurred_at, DROP COLUMN IF EXISTS count`);
  }
}
