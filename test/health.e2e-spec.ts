import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { TcpProxy } from './support/tcp-proxy.js';

describe('health probes and a database that goes away', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let org: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp({
      env: { DB_CONNECT_TIMEOUT_MS: '1000' },
      databaseUrl: async (db) => {
        const url = new URL(db.url);
        proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
        url.port = String(await proxy.start());
        return url.toString();
      },
    });
    org = await seedOrganization(t.db.url);
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await t.close();
    await proxy.cut();
  });

  const scim = () =>
    t
      .http()
      .get(`/scim/${org.organizationId}/ServiceProviderConfig`)
      .set('Authorization', `Bearer ${org.token}`);

  it('is live and ready with the database up and migrations applied', async () => {
    expect((await t.http().get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('answers 503 within 2 seconds while the database is away, stays live, and recovers without a restart', async () => {
    await proxy.cut();

    const started = Date.now();
    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ready.body.status).toBe('error');

    const down = await scim();
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
      detail: expect.stringMatching(/unavailable/),
    });
    expect((await t.http().get('/health/live')).status).toBe(200);

    await proxy.restore();
    expect((await t.http().get('/health/ready')).status).toBe(200);
    expect((await scim()).status).toBe(200);
  });
});
