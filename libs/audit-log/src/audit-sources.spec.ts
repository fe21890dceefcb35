import type { QueryRunner } from 'typeorm';
import { getMetadataArgsStorage } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AuditManualChanges1764430000000 } from '../../../migrations/1764430000000-audit-manual-changes.js';
import { AUDIT_SOURCES, STORED_OPERATIONS, STORED_RESOURCE_TYPES } from './audit-sources.js';
import { SyncAuditEvent } from './sync-audit-event.entity.js';

/**
 * The schema check compares check constraints by name only, so nothing else notices when the code
 * may store a value the table's checks refuse: a manual change of that kind would fail (503).
 */
describe('audit vocabulary and the table checks', () => {
  const checks: Record<string, readonly string[]> = {
    CHK_sync_audit_events_source: AUDIT_SOURCES,
    CHK_sync_audit_events_operation: STORED_OPERATIONS,
    CHK_sync_audit_events_resource_type: STORED_RESOURCE_TYPES,
  };

  it.each(Object.entries(checks))("the entity's %s lists every value", (name, values) => {
    const check = getMetadataArgsStorage().checks.find(
      (args) => args.target === SyncAuditEvent && args.name === name,
    );
    for (const value of values) expect(check?.expression).toContain(`'${value}'`);
  });

  it.each(Object.entries(checks))("the migration's %s lists every value", async (name, values) => {
    const statements: string[] = [];
    const db = { query: async (sql: string) => void statements.push(sql) } as unknown as QueryRunner;
    await new AuditManualChanges1764430000000().up(db);
    const added = statements.find((sql) => sql.includes(`ADD CONSTRAINT "${name}"`));
    for (const value of values) expect(added).toContain(`'${value}'`);
  });
});
