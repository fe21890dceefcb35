import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY_COUNTS_SQL,
  ACTIVITY_SQL,
  FREQUENT_ERRORS_SQL,
  PRUNE_BATCH_SQL,
  eventsPageQuery,
  type AuditEventFilter,
} from '#audit-api';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ROWS = 200_000;
const ORGANIZATIONS = 100;
/** Changes made through the management API: about 1% of the rows, as human work next to Entra's cycles. */
const MANUAL_ROWS = 2_000;

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
 * organizations over 30 days, plus 1% manual changes and an organization managed only by hand)
 * after ANALYZE: none may read the table sequentially.
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
    await db.query(
      `INSERT INTO sync_audit_events (source, occurred_at, organization_id, token_id, user_id, request_id, method,
         path, dry_run, operation, resource_type, resource_id, display_name, status, outcome, duration_ms)
       SELECT 'manual', now() - (n % 43200) * interval '1 minute' - interval '7 seconds',
              ('00000000-0000-4000-8000-' || lpad(to_hex(n % $1), 12, '0'))::uuid, gen_random_uuid(),
              gen_random_uuid(), 'manual-' || n, 'POST', '/api/v1/organizations/x/projects', false,
              (ARRAY['create', 'update', 'delete', 'deactivate', 'grant', 'revoke', 'issue'])[1 + n % 7],
              (ARRAY['User', 'Group', 'Project', 'SigningPolicy', 'Permission', 'ApiToken'])[1 + n % 6],
              'manual-res-' || n, 'Project ' || n, 201, 'success', 3
         FROM generate_series(1, $2) AS n`,
      [ORGANIZATIONS, MANUAL_ROWS],
    );
    // Managed only by hand, Entra never connected: the summary's probes must not walk these rows
    // once per probe.
    await db.query(
      `INSERT INTO sync_audit_events (source, occurred_at, organization_id, request_id, method, path, dry_run,
         operation, resource_type, resource_id, status, outcome, duration_ms)
       SELECT 'manual', now() - n * interval '1 minute', $1::uuid, 'by-hand-' || n, 'POST', '/api/v1/x', false,
              'create', 'Project', 'p-' || n, 201, 'success', 3
         FROM generate_series(1, 5000) AS n`,
      [byHand],
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
  const byHand = organization(ORGANIZATIONS + 1);
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
    ["an organization's manual changes", { organizationId: target, source: 'manual' }, false],
    ["an organization's manual changes, next page", { organizationId: target, source: 'manual' }, true],
    ['manual changes everywhere', { source: 'manual' }, false],
    ['manual changes everywhere, next page', { source: 'manual' }, true],
    [
      "an organization's SCIM requests of a day",
      { organizationId: target, source: 'scim', from: dayAgo() },
      false,
    ],
    [
      'a manual grant in an organization',
      { organizationId: target, source: 'manual', operation: 'grant' },
      false,
    ],
  ])('lists %s with indexes only', async (_case, filter, withCursor) => {
    const query = eventsPageQuery(filter, 51, withCursor ? cursor : undefined);
    const nodes = await plan(query.sql, query.params);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.some((node) => node['Index Name']?.startsWith('IX_sync_audit_events_'))).toBe(true);
  });

  it.each([
    ['latest activity', ACTIVITY_SQL, [target]],
    ['latest activity of an organization managed only by hand', ACTIVITY_SQL, [byHand]],
    ['counts of 24 hours and 7 days', ACTIVITY_COUNTS_SQL, [target]],
    ['most frequent errors', FREQUENT_ERRORS_SQL, [target, 10]],
    ['retention batch', PRUNE_BATCH_SQL, [new Date(Date.now() - 20 * 24 * 3_600_000), 5_000]],
  ])('computes %s with indexes only', async (_case, sql, params) => {
    const nodes = await plan(sql, params);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  });

  it.each<[string, AuditEventFilter, string]>([
    [
      "an organization's",
      { organizationId: target, source: 'manual' },
      'IX_sync_audit_events_manual_organization_time',
    ],
    ["every organization's", { source: 'manual' }, 'IX_sync_audit_events_manual_time'],
  ])(
    'reads %s manual changes from their own small index, not through the SCIM traffic',
    async (_case, filter, index) => {
      const query = eventsPageQuery(filter, 51);
      const nodes = await plan(query.sql, query.params);
      expect(nodes.map((node) => node['Index Name'])).toContain(index);
    },
  );

  it('answers the latest activity of an organization managed only by hand with one walk over its manual rows', async () => {
    const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${ACTIVITY_SQL}`,
      [byHand],
    );
    interface Analyzed extends PlanNode {
      'Actual Loops'?: number;
      'Rows Removed by Filter'?: number;
    }
    const nodes = nodesOf(row!['QUERY PLAN'][0].Plan) as Analyzed[];
    const walked = nodes.reduce((total, node) => total + (node['Rows Removed by Filter'] ?? 0), 0);
    expect(walked).toBeLessThanOrEqual(5_000);
  });

  it('answers a day of one organization from the organization-and-time index', async () => {
    const query = eventsPageQuery({ organizationId: target, from: dayAgo() }, 51);
    const nodes = await plan(query.sql, query.params);
    expect(nodes.map((node) => node['Index Name'])).toContain('IX_sync_audit_events_organization_time');
  });
});
