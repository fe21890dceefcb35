import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCache } from '#auth';
import { DatabaseNotifications } from '#persistence';
import { waitFor } from './support/eventually.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/**
 * The token cache answers a known token without a query, and forgets it within a second of any
 * change that ends its validity, whoever makes the change (these tests change rows with plain SQL,
 * as an operator with psql would: the database's triggers notify, not the connector's code).
 */
describe('the token cache', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ managementPort: true });
  });

  afterAll(async () => {
    await t?.close();
  });

  const scim = (organizationId: string, token: string) =>
    t.http().get(`/scim/${organizationId}/ServiceProviderConfig`).set('Authorization', `Bearer ${token}`);

  const cacheLookups = async () => {
    const text = (await t.management().get('/metrics')).text;
    const count = (result: string) =>
      Number(
        new RegExp(`^auth_token_cache_lookups_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ??
          0,
      );
    return { hit: count('hit'), miss: count('miss'), bypass: count('bypass') };
  };

  /** Until the notification connection is up the cache is bypassed; then a second request hits. */
  const cached = async (organizationId: string, token: string) => {
    await waitFor(
      'the token served from the cache',
      async () => {
        const before = (await cacheLookups()).hit;
        expect((await scim(organizationId, token)).status).toBe(200);
        return (await cacheLookups()).hit - before;
      },
      { until: (hits) => hits === 1 },
    );
  };

  /** Polls until the token is refused; returns how long that took. */
  const refusedWithin = async (organizationId: string, token: string): Promise<number> => {
    const started = performance.now();
    await waitFor('the token refused', async () => (await scim(organizationId, token)).status, {
      until: (status) => status === 401,
    });
    return performance.now() - started;
  };

  it('answers a known token without a query, and stamps its last use without making the request wait', async () => {
    const org = await seedOrganization(t.db.url);
    await cached(org.organizationId, org.token);
    const before = await cacheLookups();
    for (let i = 0; i < 5; i += 1) expect((await scim(org.organizationId, org.token)).status).toBe(200);
    const after = await cacheLookups();
    expect(after.hit - before.hit).toBe(5);
    expect(after.miss - before.miss).toBe(0);
    const lastUsed = await waitFor(
      'the last use stamped',
      async () =>
        (
          await t.db.query<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_tokens WHERE id = $1',
            [org.tokenId],
          )
        )[0]!.last_used_at,
      { until: (value) => value !== null },
    );
    expect(lastUsed).toBeInstanceOf(Date);
  });

  it('forgets a revoked token within a second', async () => {
    const org = await seedOrganization(t.db.url);
    await cached(org.organizationId, org.token);
    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [org.tokenId]);
    expect(await refusedWithin(org.organizationId, org.token)).toBeLessThan(1_000);
  });

  it('forgets a token whose user is deactivated within a second, and a role change changes what it may do', async () => {
    const org = await seedOrganization(t.db.url);
    await cached(org.organizationId, org.token);
    await t.db.query('UPDATE users SET active = false WHERE id = $1', [org.userId]);
    expect(await refusedWithin(org.organizationId, org.token)).toBeLessThan(1_000);

    const other = await seedOrganization(t.db.url);
    await cached(other.organizationId, other.token);
    // A Directory Synchronizer that becomes a Global Reader may no longer use SCIM.
    await t.db.query(`UPDATE users SET global_role = 'GlobalReader' WHERE id = $1`, [other.userId]);
    const started = performance.now();
    await waitFor(
      'the new role applied',
      async () => (await scim(other.organizationId, other.token)).status,
      {
        until: (status) => status === 403,
      },
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('a last-use stamp notifies nothing: the token stays cached', async () => {
    const org = await seedOrganization(t.db.url);
    await cached(org.organizationId, org.token);
    await t.db.query(`UPDATE api_tokens SET last_used_at = now() - interval '1 day' WHERE id = $1`, [
      org.tokenId,
    ]);
    const before = await cacheLookups();
    expect((await scim(org.organizationId, org.token)).status).toBe(200);
    expect((await cacheLookups()).hit - before.hit).toBe(1);
  });

  it('notifies for users who hold a token only (deprovisioning thousands of users sends nothing)', async () => {
    const org = await seedOrganization(t.db.url);
    const [plain] = await t.db.query<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, display_name, global_role)
       VALUES ($1, 'interactive', 'no-token@example.com', 'No token', 'RegularUser') RETURNING id`,
      [org.organizationId],
    );
    const listener = new pg.Client({ connectionString: t.db.url });
    await listener.connect();
    try {
      const received: string[] = [];
      listener.on('notification', (message) => received.push(message.payload ?? ''));
      await listener.query('LISTEN token_cache');
      // Notifications arrive in commit order: if the first change notified, it comes first.
      await t.db.query('UPDATE users SET active = false WHERE id = $1', [plain!.id]);
      await t.db.query('UPDATE users SET active = false WHERE id = $1', [org.userId]);
      await waitFor('the token holder notified', () => received.length, { until: (n) => n >= 1 });
      expect(received[0]).toBe(`u:${org.organizationId}:${org.userId}`);
    } finally {
      await listener.end();
    }
  });

  it('serves nothing from the cache while notifications may be missed, and recovers', async () => {
    const org = await seedOrganization(t.db.url);
    await cached(org.organizationId, org.token);
    const notifications = t.app.get(DatabaseNotifications);
    await t.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'scim-connector-notifications' AND datname = current_database()`,
    );
    await waitFor('the loss noticed', () => notifications.live, { until: (live) => !live });
    expect(t.app.get(TokenCache).size).toBe(0);
    // Revoked while nobody listens: the next request must see it (the database is asked).
    await t.db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [org.tokenId]);
    expect((await scim(org.organizationId, org.token)).status).toBe(401);
    await waitFor('listening again', () => notifications.live, { until: (live) => live });
    const fresh = await seedOrganization(t.db.url);
    await cached(fresh.organizationId, fresh.token);
  });
});
