import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('database schema', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has a migration for everything the entities declare (what `migration:generate --check` checks)', async () => {
    const pending = await t.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it("leads every tenant table's primary key with organization_id", async () => {
    const rows = await t.db.query<{ table_name: string; first_column: string }>(`
      SELECT c.relname AS table_name, a.attname AS first_column
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
       WHERE i.indisprimary
         -- Not tenant data: the audit log may name no organization, support tokens span them all (docs/audit.md).
         AND c.relname NOT IN ('organizations', 'schema_migrations', 'sync_audit_events', 'support_tokens')`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row, row.table_name).toMatchObject({ first_column: 'organization_id' });
  });
});
