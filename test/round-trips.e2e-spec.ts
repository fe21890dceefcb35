import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncAuditRecorder } from '#audit-log';
import { waitFor } from './support/eventually.js';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Round trips per request, as docs/performance.md states them: every statement a pooled connection
 * sends while one request is served, counted by wrapping node-postgres's `Client#query` in this
 * test process (instrumentation only: each statement still runs on the real database). The
 * notification connection's heartbeat is not a request's and is left out.
 */
const statements: string[] = [];
let counting = false;
// eslint-disable-next-line @typescript-eslint/unbound-method
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const application = (this as unknown as { connectionParameters?: { application_name?: string } })
    .connectionParameters?.application_name;
  if (counting && application !== 'scim-connector-notifications') {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    statements.push(text.replace(/\s+/g, ' ').trim());
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const isAuditInsert = (sql: string) => /^INSERT INTO sync_audit_events/i.test(sql);

describe('round trips per SCIM request', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let client: ReturnType<typeof scimClient>;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    client = scimClient(t, org.organizationId, org.token);
    // The token verified and cached (once the notification connection is up), as in a running cycle.
    await waitFor(
      'the token served from the cache',
      async () => {
        const before = statements.length;
        counting = true;
        await client.get('/ServiceProviderConfig');
        await t.app.get(SyncAuditRecorder).flush();
        counting = false;
        return statements.slice(before).filter((sql) => sql.includes('FROM api_tokens')).length;
      },
      { until: (lookups) => lookups === 0 },
    );
  });

  afterAll(async () => {
    pg.Client.prototype.query = query;
    await t?.close();
  });

  /** The statements one request sends, its audit row included (written after it or with it). */
  async function roundTrips(send: () => Promise<{ status: number }>, status: number) {
    const recorder = t.app.get(SyncAuditRecorder);
    await recorder.flush();
    statements.length = 0;
    counting = true;
    try {
      expect((await send()).status).toBe(status);
      await waitFor('its audit row', () => statements.some(isAuditInsert));
      await recorder.flush();
    } finally {
      counting = false;
    }
    return { path: statements.filter((sql) => !isAuditInsert(sql)), audit: statements.filter(isAuditInsert) };
  }

  it('GET /Users?filter=userName eq: one statement and the audit row', async () => {
    const created = await client.post(
      '/Users',
      entraUserBody({ userName: 'rt-get@example.com', externalId: 'acme:rt-get' }),
    );
    expect(created.status).toBe(201);
    const trips = await roundTrips(
      () => client.get(`/Users?filter=${encodeURIComponent('userName eq "rt-get@example.com"')}`),
      200,
    );
    expect(trips.path).toHaveLength(1);
    expect(trips.path[0]).toMatch(/^SELECT /);
    expect(trips.audit).toHaveLength(1);
  });

  it('GET /ServiceProviderConfig: no statement but the audit row', async () => {
    const trips = await roundTrips(() => client.get('/ServiceProviderConfig'), 200);
    expect(trips.path).toEqual([]);
    expect(trips.audit).toHaveLength(1);
  });

  it('POST /Users: a transaction of the revival probe, the insert and the audit row', async () => {
    const trips = await roundTrips(
      () =>
        client.post('/Users', entraUserBody({ userName: 'rt-post@example.com', externalId: 'acme:rt-post' })),
      201,
    );
    expect(trips.path.map(verb)).toEqual(['START TRANSACTION', 'SELECT', 'INSERT', 'COMMIT']);
    expect(trips.audit).toHaveLength(1);
  });

  it('PATCH /Users/{id} (Entra disabling a user): lock, update, audit row, commit', async () => {
    const created = await client.post(
      '/Users',
      entraUserBody({ userName: 'rt-patch@example.com', externalId: 'acme:rt-patch' }),
    );
    const trips = await roundTrips(
      () =>
        client.patchOps(`/Users/${String(created.body.id)}`, [
          { op: 'Replace', path: 'active', value: 'False' },
        ]),
      200,
    );
    expect(trips.path.map(verb)).toEqual(['START TRANSACTION', 'SELECT', 'UPDATE', 'COMMIT']);
    expect(trips.audit).toHaveLength(1);
  });

  it('PATCH /Groups/{id} adding and removing a member: group lock, user lock, the set operations, the rule', async () => {
    const user = await client.post(
      '/Users',
      entraUserBody({ userName: 'rt-member@example.com', externalId: 'acme:rt-member' }),
    );
    const group = await client.post('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'rt-group',
      externalId: 'acme:rt-group',
    });
    expect(group.status).toBe(201);
    const members = (op: string) =>
      client.patchOps(`/Groups/${String(group.body.id)}`, [
        { op, path: 'members', value: [{ value: String(user.body.id) }] },
      ]);
    const add = await roundTrips(() => members('Add'), 204);
    const remove = await roundTrips(() => members('Remove'), 204);
    // Lock the group, lock the touched users, classify the ids (add only), bump the group's
    // version, the set operation, the leave-all-groups rule (or its reversal), then commit.
    expect(add.path.map(verb)).toEqual([
      'START TRANSACTION',
      'SELECT',
      'SELECT',
      'SELECT',
      'UPDATE',
      'INSERT',
      'UPDATE',
      'COMMIT',
    ]);
    expect(remove.path.map(verb)).toEqual([
      'START TRANSACTION',
      'SELECT',
      'SELECT',
      'UPDATE',
      'DELETE',
      'UPDATE',
      'COMMIT',
    ]);
    expect(add.audit).toHaveLength(1);
    expect(remove.audit).toHaveLength(1);
  });
});

/** The statement's kind: its first word, or the whole of a transaction statement. */
function verb(sql: string): string {
  return (
    /^(START TRANSACTION|COMMIT|ROLLBACK)/i.exec(sql)?.[1]?.toUpperCase() ??
    sql.split(' ', 1)[0]!.toUpperCase()
  );
}
