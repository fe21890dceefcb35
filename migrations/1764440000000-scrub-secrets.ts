import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutSecrets, type ResourceTypeName } from '#scim-protocol';

/** Rows rewritten per statement, so a large organization's table is never locked for long. */
const BATCH = 1_000;

/**
 * Earlier versions stored whatever SCIM sent in `scim_attributes`, including a `password` and
 * Entra's `passwordProfile.password`. The connector never needs them: this removes them from every
 * stored user and group with the same rule the application now applies before it writes
 * (`withoutSecrets`). Only rows whose JSON mentions a credential-like key are read; they are
 * rewritten in id order, in batches, each batch its own statement. Rerunnable.
 */
export class ScrubSecrets1764440000000 implements MigrationInterface {
  name = 'ScrubSecrets1764440000000';

  async up(db: QueryRunner): Promise<void> {
    await scrub(db, 'users', 'User');
    await scrub(db, 'groups', 'Group');
  }

  async down(): Promise<void> {
    // Removed secrets cannot come back, and must not.
  }
}

async function scrub(db: QueryRunner, table: 'users' | 'groups', resourceType: ResourceTypeName) {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = (await db.query(
      `SELECT id, scim_attributes AS attributes FROM ${table}
        WHERE id > $1 AND scim_attributes::text ~* 'pass(word|wd|phrase)|secret'
        ORDER BY id LIMIT ${BATCH}`,
      [after],
    )) as { id: string; attributes: Record<string, unknown> }[];
    if (rows.length === 0) return;
    const cleaned = rows.map((row) => JSON.stringify(withoutSecrets(row.attributes, resourceType)));
    await db.query(
      `UPDATE ${table} AS t SET scim_attributes = x.attributes::jsonb
         FROM unnest($1::uuid[], $2::text[]) AS x(id, attributes)
        WHERE t.id = x.id AND t.scim_attributes IS DISTINCT FROM x.attributes::jsonb`,
      [rows.map((row) => row.id), cleaned],
    );
    after = rows[rows.length - 1]!.id;
  }
}
