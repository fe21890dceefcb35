import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sync audit: one row per SCIM request, and the support tokens that read it.
 *
 * sync_audit_events is an append-only log, not tenant data: a row may name no organization (an
 * unknown one in the URL), so its key is its own uuid (never a serial: dry-run rollbacks would burn
 * sequence values) and organization_id is nullable, with no foreign key, so that the trail outlives
 * what it describes and an insert never waits on a lock of the organizations table. The indexes
 * serve the audit API at 10 million rows: every list is newest first, by organization or across
 * all, with keyset pagination on (occurred_at, id); lookups by a value lead with that value and
 * carry organization_id and the sort key, so they answer with and without an organization.
 */
export class SyncAudit1764400000000 implements MigrationInterface {
  name = 'SyncAudit1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sync_audit_events (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL,
        organization_id uuid,
        token_id uuid,
        user_id uuid,
        request_id text NOT NULL,
        client_address text,
        user_agent text,
        method text NOT NULL,
        path text NOT NULL,
        query text,
        dry_run boolean NOT NULL,
        operation text,
        resource_type text,
        resource_id text,
        external_id text,
        user_name text,
        display_name text,
        status smallint NOT NULL,
        outcome text NOT NULL,
        scim_type text,
        detail text,
        duration_ms integer NOT NULL,
        request_body jsonb,
        effect jsonb,
        CONSTRAINT "PK_sync_audit_events" PRIMARY KEY (id),
        CONSTRAINT "CHK_sync_audit_events_outcome" CHECK (outcome IN ('success', 'failure')),
        CONSTRAINT "CHK_sync_audit_events_operation" CHECK (operation IN ('query', 'read', 'create', 'update',
          'replace', 'delete', 'discovery', 'test-connection')),
        CONSTRAINT "CHK_sync_audit_events_resource_type" CHECK (resource_type IN ('User', 'Group',
          'ServiceProviderConfig', 'ResourceType', 'Schema')),
        CONSTRAINT "CHK_sync_audit_events_status" CHECK (status BETWEEN 100 AND 599)
      )`);
    // Lists and summaries of one organization, newest first; and the cross-organization list and
    // retention (occurred_at < cutoff).
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_organization_time" ON sync_audit_events (organization_id, occurred_at DESC, id DESC)`,
    );
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_time" ON sync_audit_events (occurred_at DESC, id DESC)`,
    );
    // Summary: last success, live and dry-run apart, without walking an organization's failures.
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_organization_success" ON sync_audit_events (organization_id, dry_run, occurred_at DESC) WHERE outcome = 'success'`,
    );
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_organization_test_connection" ON sync_audit_events (organization_id, occurred_at DESC) WHERE operation = 'test-connection'`,
    );
    // Lookups; partial, since discovery and rejected requests name no target.
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_resource_id" ON sync_audit_events (resource_id, organization_id, occurred_at DESC, id DESC) WHERE resource_id IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_external_id" ON sync_audit_events (external_id, organization_id, occurred_at DESC, id DESC) WHERE external_id IS NOT NULL`,
    );
    // userName and displayName match case-insensitively, like SCIM's own (RFC 7643 4.1.1, 4.2).
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_user_name" ON sync_audit_events (lower(user_name), organization_id, occurred_at DESC, id DESC) WHERE user_name IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_display_name" ON sync_audit_events (lower(display_name), organization_id, occurred_at DESC, id DESC) WHERE display_name IS NOT NULL`,
    );
    await db.query(`CREATE INDEX "IX_sync_audit_events_request_id" ON sync_audit_events (request_id)`);
    // Free text over error details (ILIKE '%...%'); only failures carry one. pg_trgm is a trusted
    // extension (PostgreSQL 13+), so the database owner may create it.
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await db.query(
      `CREATE INDEX "IX_sync_audit_events_detail_trgm" ON sync_audit_events USING gin (detail gin_trgm_ops) WHERE detail IS NOT NULL`,
    );

    await db.query(`
      CREATE TABLE support_tokens (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT "PK_support_tokens" PRIMARY KEY (id)
      )`);
    await db.query(`CREATE UNIQUE INDEX "UQ_support_tokens_prefix" ON support_tokens (prefix)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE support_tokens`);
    await db.query(`DROP TABLE sync_audit_events`);
  }
}
