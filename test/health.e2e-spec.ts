import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/eventually.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { TcpProxy } from './support/tcp-proxy.js';

describe('health probes and a database that goes away', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let org: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp({
      // Longer than readiness's own deadline (as in production: 2 s against 1.5 s), so a hung
      // database meets that deadline rather than the pool's.
      env: { DB_CONNECT_TIMEOUT_MS: '5000' },
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

  it('answers 503 while the database refuses connections, stays live, and recovers without a restart', async () => {
    await proxy.cut();

    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });

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

  it('answers 503 while the database accepts connections and never answers: readiness has a deadline', async () => {
    // In the proxy's place, a server that takes every connection and says nothing: a hung
    // database. Without a deadline on the check, readiness would never answer.
    await proxy.cut();
    const hung = new Set<Socket>();
    const blackHole = createServer((socket) => {
      hung.add(socket);
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      blackHole.once('error', reject);
      blackHole.listen(proxy.port, '127.0.0.1', resolve);
    });
    try {
      // The pool's idle connections were cut with the proxy: a probe that meets one before the pool
      // has noticed is refused at once ("Connection terminated unexpectedly", also a 503). The
      // deadline shows on the probes that open a connection to the hung database.
      const ready = await waitFor(
        'a probe that met the hung database',
        async () => {
          const answer = await t.http().get('/health/ready');
          expect(answer.status).toBe(503);
          expect(answer.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
          return answer;
        },
        { until: (answer) => /^timeout of/.test(String(answer.body.error.database.message)) },
      );
      expect(ready.body).toMatchObject({
        status: 'error',
        error: {
          database: { status: 'down', message: expect.stringMatching(/^timeout of \d+ms exceeded$/) },
        },
        info: { migrations: { status: 'up' } },
      });
      // The check gave up at its configured deadline, which is within the 2 s a probe allows.
      const deadlineMs = Number(/\d+/.exec(ready.body.error.database.message)![0]);
      expect(deadlineMs).toBeLessThan(2_000);
      expect(hung.size, 'connections the check opened to the hung database').toBeGreaterThan(0);
      expect((await t.http().get('/health/live')).status).toBe(200);
    } finally {
      for (const socket of hung) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      await proxy.restore();
    }
    expect((await t.http().get('/health/ready')).status).toBe(200);
  });
});
