import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEventRow, AuditEventsWriter } from '#audit-log';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

function row(requestId: string, overrides: Partial<AuditEventRow> = {}): AuditEventRow {
  return {
    occurredAt: new Date(),
    organizationId: null,
    organizationCandidate: null,
    tokenId: null,
    userId: null,
    requestId,
    clientAddress: '127.0.0.1',
    userAgent: 'batch-test',
    method: 'GET',
    path: '/scim/x/Users',
    query: null,
    dryRun: false,
    operation: 'query',
    resourceType: 'User',
    resourceId: null,
    externalId: null,
    userName: null,
    displayName: null,
    status: 200,
    outcome: 'success',
    scimType: null,
    detail: null,
    durationMs: 3,
    requestBody: JSON.stringify({ filter: 'userName eq "a\\"b"', nested: { list: [1, 'two', null] } }),
    effect: null,
    ...overrides,
  };
}

describe('audit rows written after the response, in batches', () => {
  let t: TestApp;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    organizationId = (await seedOrganization(t.db.url)).organizationId;
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores every row of a burst, resolves the organization candidate, and keeps JSON intact', async () => {
    const repository = t.app.get(AuditEventsWriter);
    await Promise.all(
      Array.from({ length: 450 }, (_, i) =>
        repository.insertStandalone(
          row(`burst-${i}`, i === 0 ? { organizationCandidate: organizationId } : {}),
        ),
      ),
    );
    const rows = await t.db.query<{
      request_id: string;
      organization_id: string | null;
      request_body: unknown;
    }>(
      `SELECT request_id, organization_id, request_body FROM sync_audit_events WHERE request_id LIKE 'burst-%'`,
    );
    expect(rows).toHaveLength(450);
    expect(rows.find((r) => r.request_id === 'burst-0')!.organization_id).toBe(organizationId);
    expect(rows.filter((r) => r.organization_id !== null)).toHaveLength(1);
    expect(rows[0]!.request_body).toEqual({
      filter: 'userName eq "a\\"b"',
      nested: { list: [1, 'two', null] },
    });
  });

  it('does not lose the other rows of a batch when one row cannot be stored', async () => {
    const repository = t.app.get(AuditEventsWriter);
    const results = await Promise.allSettled([
      repository.insertStandalone(row('mixed-1')),
      repository.insertStandalone(row('mixed-bad', { status: 999 })),
      repository.insertStandalone(row('mixed-2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const ids = (
      await t.db.query<{ request_id: string }>(
        `SELECT request_id FROM sync_audit_events WHERE request_id LIKE 'mixed-%' ORDER BY request_id`,
      )
    ).map((r) => r.request_id);
    expect(ids).toEqual(['mixed-1', 'mixed-2']);
  });
});
