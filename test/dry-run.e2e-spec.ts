import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Module, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimPrincipal, ScimTokenGuard, DryRunInterceptor, SCIM_TENANT_ROUTES } from '#scim';
import { type AuthenticatedToken, AuthModule } from '#auth';
import { SqlExecutor } from '#persistence';
import { expectNothingCommitted, snapshotTables } from './support/db-snapshot.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/** A handler that writes, behind the real guard and interceptor, to prove what dry-run commits. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
class ProbeController {
  constructor(private readonly sql: SqlExecutor) {}

  @Post('Probes')
  @HttpCode(201)
  async create(
    @ScimPrincipal() principal: AuthenticatedToken,
    @Body() body: { label: string; fail?: boolean },
  ) {
    const row = await this.sql.one<{ label: string; n: number }>(
      `INSERT INTO probes (organization_id, label) VALUES ($1, $2)
       RETURNING label, (SELECT count(*)::int FROM probes WHERE organization_id = $1) + 1 AS n`,
      [principal.organizationId, body.label],
    );
    if (body.fail) throw new Error('handler failed after writing');
    return row;
  }
}

@Module({ imports: [AuthModule], controllers: [ProbeController], providers: [DryRunInterceptor] })
class ProbeModule {}

describe('one transaction per SCIM request; dry-run rolls it back', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule] });
    await t.db.query('CREATE TABLE probes (organization_id uuid NOT NULL, label text NOT NULL)');
    org = await seedOrganization(t.db.url);
  });
  afterAll(async () => {
    await t.close();
  });

  const labels = async () =>
    (await t.db.query<{ label: string }>('SELECT label FROM probes ORDER BY label')).map((r) => r.label);

  it('commits nothing through the dry-run Tenant URL: every table unchanged, one audit row per request', async () => {
    const auth = `Bearer ${org.token}`;
    // Authenticating writes the token's last use (once a minute, outside the transaction): not now.
    const warm = await t
      .http()
      .get(`/scim/${org.organizationId}/ServiceProviderConfig`)
      .set('Authorization', auth);
    expect(warm.status).toBe(200);
    const answers: Record<string, Response> = {};
    await expectNothingCommitted(t, async () => {
      const requests = [
        ['a', { label: 'a' }],
        // Had the first one been kept, this one would count it (n: 2).
        ['b', { label: 'b' }],
        ['failing', { label: 'c', fail: true }],
      ] as const;
      const ids: string[] = [];
      for (const [name, body] of requests) {
        const requestId = `dry-${name}-${randomUUID()}`;
        answers[name] = await t
          .http()
          .post(`/scim/${org.organizationId}/dry-run/Probes`)
          .set('Authorization', auth)
          .set('X-Request-Id', requestId)
          .send(body);
        ids.push(requestId);
      }
      return ids;
    });
    expect(answers.a!.status).toBe(201);
    expect(answers.a!.body).toEqual({ label: 'a', n: 1 });
    expect(answers.b!.body).toEqual({ label: 'b', n: 1 });
    expect(answers.failing!.status).toBe(500);
    expect(await labels()).toEqual([]);

    // The same request through the normal Tenant URL commits, and answers the same.
    const before = await snapshotTables(t.db);
    const real = await t
      .http()
      .post(`/scim/${org.organizationId}/Probes`)
      .set('Authorization', auth)
      .send({ label: 'a' });
    expect(await labels()).toEqual(['a']);
    expect(real.status).toBe(answers.a!.status);
    expect(real.body).toEqual(answers.a!.body);
    // The snapshot sees what a committed write changes.
    expect(await snapshotTables(t.db)).not.toBe(before);
  });

  it('accepts application/scim+json bodies', async () => {
    let response: Response | undefined;
    await expectNothingCommitted(t, async () => {
      const requestId = `dry-scim-json-${randomUUID()}`;
      response = await t
        .http()
        .post(`/scim/${org.organizationId}/dry-run/Probes`)
        .set('Authorization', `Bearer ${org.token}`)
        .set('Content-Type', 'application/scim+json')
        .set('X-Request-Id', requestId)
        .send(JSON.stringify({ label: 'scim-json' }));
      return [requestId];
    });
    expect(response!.status).toBe(201);
    expect(response!.body.label).toBe('scim-json');
  });

  it('rolls back a write whose handler fails afterwards, answering 500 without internals', async () => {
    const response = await t
      .http()
      .post(`/scim/${org.organizationId}/Probes`)
      .set('Authorization', `Bearer ${org.token}`)
      .send({ label: 'b', fail: true });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: expect.not.stringMatching(/handler failed|at /),
    });
    expect(await labels()).toEqual(['a']);
  });

  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const response = await t
      .http()
      .post(`/scim/${org.organizationId}/Probes`)
      .set('Authorization', `Bearer ${org.token}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"label": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  });

  it('answers a body over the limit with 413', async () => {
    const small = await startTestApp({ env: { SCIM_BODY_LIMIT_BYTES: '2048' }, imports: [ProbeModule] });
    try {
      const response = await small
        .http()
        .post(`/scim/${org.organizationId}/Probes`)
        .set('Authorization', `Bearer ${org.token}`)
        .send({ label: 'x'.repeat(4096) });
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '413',
      });
    } finally {
      await small.close();
    }
  });
});
