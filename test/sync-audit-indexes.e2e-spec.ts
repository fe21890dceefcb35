import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY_COUNTS_SQL,
  ACTIVITY_SQL,
  FREQUENT_ERRORS_SQL,
  PRUNE_BATCH_SQL,
} from '../libs/sync-audit/src/audit-events.repository.js';
import { eventsPageQuery, type AuditEventFilter } from '../libs/sync-audit/src/audit-events.query.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ROWS = 200_000;
const ORGANIZATIONS = 100;

/** A uuid that generate_series can produce from a number, so the test knows its organizations. */
const organization = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The audit API's own queries, planned by PostgreSQL on a seeded table of 200,000 rows (100
 * organizations over 30 days) after ANALYZE: none may read the table sequentially.
 */
describe('sync audit indexes', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(
      `INSERT INTO sync_audit_events (occurred_at, organization_id, request_id, method, path, dry_run, operation,
         resource_type, resource_id, external_id, user_name, display_name, status, outcome, detail, duration_ms)
       SELECT now() - (n % 43200) * interval '1 minute',
              ('00000000-0000-4000-8000-' || lpad(to_hex(n % $1), 12, '0'))::uuid,
              'req-' || n, CASE WHEN n % 4 = 0 THEN 'PATCH' ELSE 'GET' END, '/scim/x/Users', n % 10 = 0,
              (ARRAY['query', 'read', 'create', 'update', 'replace', 'delete', 'discovery', 'test-connection'])[1 + n % 8],
              CASE WHEN n % 3 = 0 THEN 'Group' ELSE 'User' END,
              'res-' || (n % 50000), 'acme:obj-' || (n % 50000), 'user' || (n % 50000) || '@example.com',
              'Display ' || (n % 50000), CASE WHEN n % 9 = 0 THEN 409 ELSE 200 END,
              CASE WHEN n % 9 = 0 THEN 'failure' ELSE 'success' END,
              CASE WHEN n % 9 = 0 THEN 'userName user' || (n % 50000) || ' is already taken' END, 5
         FROM generate_series(1, $2) AS n`,
      [ORGANIZATIONS, ROWS],
    );
    await db.query('ANALYZE sync_audit_events');
  }, 120_000);
  afterAll(async () => {
    await db.drop();
  });

  async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
    const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      params,
    );
    return nodesOf(row!['QUERY PLAN'][0].Plan);
  }

  const dayAgo = () => new Date(Date.now() - 24 * 3_600_000);
  const target = organization(7);
  const cursor = {
    occurredAt: new Date(Date.now() - 3_600_000).toISOString().replace('Z', '000Z'),
    id: target,
  };

  it.each<[string, AuditEventFilter, boolean]>([
    ['an organization, newest first', { organizationId: target }, false],
    ['an organization and a day', { organizationId: target, from: dayAgo(), to: new Date() }, false],
    ['an organization and a day, next page', { organizationId: target, from: dayAgo() }, true],
    ['every organization, a day', { from: dayAgo() }, false],
    ['every organization, next page', {}, true],
    [
      'an organization, failures of a day',
      { organizationId: target, from: dayAgo(), outcome: 'failure' },
      false,
    ],
    ['an organization, free text', { organizationId: target, from: dayAgo(), text: 'already taken' }, false],
    ['free text alone', { text: 'user123@example' }, false],
    ['a userName in an organization', { organizationId: target, userName: 'USER7@example.com' }, false],
    ['a userName anywhere', { userName: 'user7@example.com' }, false],
    ['an externalId', { organizationId: target, externalId: 'acme:obj-7' }, false],
    ['a resource id', { resourceId: 'res-7' }, false],
    ['a displayName', { organizationId: target, displayName: 'display 7' }, false],
    ['a request id', { requestId: 'req-7' }, false],
  ])('lists %s with indexes only', async (_case, filter, withCursor) => {
    const query = eventsPageQuery(filter, 51, withCursor ? cursor : undefined);
    const nodes = await plan(query.sql, query.params);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.some((node) => node['Index Name']?.startsWith('IX_sync_audit_events_'))).toBe(true);
  });

  it.each([
    ['latest activity', ACTIVITY_SQL, [target]],
    ['counts of 24 hours and 7 days', ACTIVITY_COUNTS_SQL, [target]],
    ['most frequent errors', FREQUENT_ERRORS_SQL, [target, 10]],
    ['retention batch', PRUNE_BATCH_SQL, [new Date(Date.now() - 20 * 24 * 3_600_000), 5_000]],
  ])('computes %s with indexes only', async (_case, sql, params) => {
    const nodes = await plan(sql, params);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  });

  it('answers a day of one organization from the organization-and-time index', async () => {
    const query = eventsPageQuery({ organizationId: target, from: dayAgo() }, 51);
    const nodes = await plan(query.sql, query.params);
    expect(nodes.map((node) => node['Index Name'])).toContain('IX_sync_audit_events_organization_time');
  });
});
