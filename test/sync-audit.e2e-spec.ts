import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticatedToken, AuthModule } from '#auth';
import { ScimPrincipal, ScimTokenGuard, DryRunInterceptor, SCIM_TENANT_ROUTES } from '#scim';
import { SqlExecutor } from '#persistence';
import { ScimError } from '#scim-protocol';
import { AuditTrail } from '#audit-log';
import { expectNothingCommitted, settleAudit } from './support/db-snapshot.js';
import { waitFor } from './support/eventually.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

interface ProbeBody {
  label: string;
  userName?: string;
  externalId?: string;
  members?: string[];
  fail?: 'error' | 'scim';
  password?: string;
}

/**
 * A writing SCIM handler behind the real guard and interceptor that tells the audit what it did,
 * as the Users and Groups services do: proves what is recorded, when, and in which transaction.
 */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
class AuditProbeController {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly audit: AuditTrail,
  ) {}

  @Post('Probes')
  @HttpCode(201)
  async create(@ScimPrincipal() principal: AuthenticatedToken, @Body() body: ProbeBody) {
    this.audit.describe({
      operation: 'create',
      resourceType: 'Group',
      displayName: body.label,
      userName: body.userName,
      externalId: body.externalId,
    });
    const row = await this.sql.one<{ id: string }>(
      `INSERT INTO audit_probes (organization_id, label) VALUES ($1, $2) RETURNING id`,
      [principal.organizationId, body.label],
    );
    this.audit.describe({ resourceId: row!.id });
    this.audit.recordEffect({
      changed: { displayName: { before: null, after: body.label } },
      membersAdded: body.members ?? [],
      consequences: body.members?.length
        ? [
            {
              kind: 'user-reactivated',
              userIds: body.members.slice(0, 2),
              reason: 'joined a synchronized group',
            },
          ]
        : undefined,
    });
    this.audit.recordEffect({ notes: ['second call merges'], membersAdded: body.members?.slice(0, 1) });
    if (body.fail === 'error') throw new Error('handler failed after writing');
    if (body.fail === 'scim') throw ScimError.uniqueness(`A group named ${body.label} already exists.`);
    return { id: row!.id, label: body.label };
  }

  @Get('Probes/:id')
  async read(@Param('id') id: string, @Query('sleepMs') sleepMs?: string) {
    if (sleepMs) await new Promise((resolve) => setTimeout(resolve, Number(sleepMs)));
    return { id };
  }
}

@Module({ imports: [AuthModule], controllers: [AuditProbeController], providers: [DryRunInterceptor] })
class AuditProbeModule {}

interface AuditRow {
  id: string;
  occurred_at: Date;
  organization_id: string | null;
  token_id: string | null;
  user_id: string | null;
  request_id: string;
  client_address: string | null;
  user_agent: string | null;
  method: string;
  path: string;
  query: string | null;
  dry_run: boolean;
  operation: string | null;
  resource_type: string | null;
  resource_id: string | null;
  external_id: string | null;
  user_name: string | null;
  display_name: string | null;
  status: number;
  outcome: string;
  scim_type: string | null;
  detail: string | null;
  duration_ms: number;
  request_body: unknown;
  effect: Record<string, unknown> | null;
}

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('sync audit: one row per SCIM request', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<typeof seedOrganization>>;
  let globex: Awaited<ReturnType<typeof seedOrganization>>;
  const issuedSecrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ imports: [AuditProbeModule] });
    await t.db.query(
      'CREATE TABLE audit_probes (organization_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), label text NOT NULL)',
    );
    acme = await seedOrganization(t.db.url);
    globex = await seedOrganization(t.db.url);
    issuedSecrets.push(acme.token, globex.token);
  });
  afterAll(async () => {
    await t.close();
  });

  /**
   * The rows of one request (by its X-Request-Id): waits for the first `expected`, then for the row
   * of a later marker request, by when any further (duplicate) row of this request would be in too.
   */
  async function rowsOf(requestId: string, expected = 1, app: TestApp = t): Promise<AuditRow[]> {
    const select = () =>
      app.db.query<AuditRow>('SELECT * FROM sync_audit_events WHERE request_id = $1', [requestId]);
    await waitFor(`${expected} audit row(s) of request ${requestId}`, select, {
      until: (rows) => rows.length >= expected,
    });
    await settleAudit(app);
    return select();
  }

  const scimGet = (caller: typeof acme, path: string) =>
    t.http().get(`/scim/${caller.organizationId}/${path}`).set('Authorization', `Bearer ${caller.token}`);

  const probes = async () =>
    (await t.db.query<{ label: string }>('SELECT label FROM audit_probes ORDER BY label')).map(
      (r) => r.label,
    );

  it('records a successful read with who, where, what and how long', async () => {
    const requestId = `spc-${randomUUID()}`;
    const response = await t
      .http()
      .get(`/scim/${acme.organizationId}/ServiceProviderConfig?attributes=patch`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', requestId)
      .set('User-Agent', 'Azure Active Directory SCIM Client');
    expect(response.status).toBe(200);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organization_id: acme.organizationId,
      token_id: acme.tokenId,
      user_id: acme.userId,
      method: 'GET',
      path: `/scim/${acme.organizationId}/ServiceProviderConfig`,
      query: 'attributes=patch',
      dry_run: false,
      operation: 'discovery',
      resource_type: 'ServiceProviderConfig',
      status: 200,
      outcome: 'success',
      scim_type: null,
      detail: null,
      request_body: null,
      user_agent: 'Azure Active Directory SCIM Client',
      client_address: expect.stringMatching(/127\.0\.0\.1|::1/),
    });
    expect(rows[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(rows[0]!.occurred_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('flags requests to the dry-run Tenant URL', async () => {
    const requestId = `dry-spc-${randomUUID()}`;
    await t
      .http()
      .get(`/scim/${acme.organizationId}/dry-run/Schemas`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', requestId);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      dry_run: true,
      operation: 'discovery',
      resource_type: 'Schema',
      status: 200,
    });
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'Bearer not-a-token'],
    ['an unknown token', 'Bearer sct_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('records a 401 for %s, under the URL organization, without a caller', async (_case, authorization) => {
    const requestId = `401-${randomUUID()}`;
    const request = t.http().get(`/scim/${acme.organizationId}/Users`).set('X-Request-Id', requestId);
    if (authorization) void request.set('Authorization', authorization);
    expect((await request).status).toBe(401);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organization_id: acme.organizationId,
      token_id: null,
      user_id: null,
      status: 401,
      outcome: 'failure',
      operation: 'query',
      resource_type: 'User',
      detail: expect.stringMatching(/valid bearer token is required/),
    });
  });

  it('stores no organization when the URL names none that exists', async () => {
    for (const organization of [randomUUID(), 'not-an-organization']) {
      const requestId = `no-org-${randomUUID()}`;
      const response = await t
        .http()
        .get(`/scim/${organization}/ServiceProviderConfig`)
        .set('Authorization', `Bearer ${acme.token}`)
        .set('X-Request-Id', requestId);
      expect(response.status).toBe(403);
      const rows = await rowsOf(requestId);
      expect(rows).toHaveLength(1);
      // The token was valid: its caller is recorded even though it was refused here.
      expect(rows[0]).toMatchObject({ organization_id: null, token_id: acme.tokenId, status: 403 });
    }
  });

  it("records a 403 for another organization's token under the URL's organization, naming the token", async () => {
    const requestId = `403-${randomUUID()}`;
    const response = await t
      .http()
      .get(`/scim/${acme.organizationId}/ServiceProviderConfig`)
      .set('Authorization', `Bearer ${globex.token}`)
      .set('X-Request-Id', requestId);
    expect(response.status).toBe(403);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organization_id: acme.organizationId,
      token_id: globex.tokenId,
      user_id: globex.userId,
      status: 403,
      outcome: 'failure',
      detail: expect.stringMatching(/another organization/),
    });
  });

  it('records unknown routes (404)', async () => {
    const requestId = `404-${randomUUID()}`;
    const response = await t
      .http()
      .delete(`/scim/${acme.organizationId}/dry-run/Nothing/42`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', requestId);
    expect(response.status).toBe(404);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organization_id: acme.organizationId,
      method: 'DELETE',
      dry_run: true,
      operation: 'delete',
      resource_type: null,
      resource_id: '42',
      status: 404,
      outcome: 'failure',
    });
  });

  it('records a malformed JSON body as it arrived (400 invalidSyntax), secrets masked', async () => {
    const requestId = `bad-json-${randomUUID()}`;
    const response = await t
      .http()
      .post(`/scim/${acme.organizationId}/Probes`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('Content-Type', 'application/scim+json')
      .set('X-Request-Id', requestId)
      .send(`{"label": "x", "password": "hunter2", "note": "${acme.token}",`);
    expect(response.status).toBe(400);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 400,
      scim_type: 'invalidSyntax',
      outcome: 'failure',
      operation: 'create',
      detail: expect.stringMatching(/not valid JSON/),
      request_body: { $unparsed: expect.stringContaining('"label": "x"') },
    });
    const stored = JSON.stringify(rows[0]!.request_body);
    expect(stored).not.toContain('hunter2');
    expect(stored).not.toContain(acme.token);
  });

  it('records a body over the limit (413)', async () => {
    const small = await startTestApp({ env: { SCIM_BODY_LIMIT_BYTES: '2048' }, imports: [AuditProbeModule] });
    try {
      const org = await seedOrganization(small.db.url);
      const requestId = `413-${randomUUID()}`;
      const response = await small
        .http()
        .post(`/scim/${org.organizationId}/Probes`)
        .set('Authorization', `Bearer ${org.token}`)
        .set('X-Request-Id', requestId)
        .send({ label: 'x'.repeat(4096) });
      expect(response.status).toBe(413);
      const rows = await rowsOf(requestId, 1, small);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 413, outcome: 'failure', organization_id: org.organizationId });
    } finally {
      await small.close();
    }
  });

  it('commits a live write and its row in one transaction: the row is there when the answer arrives', async () => {
    const requestId = `create-${randomUUID()}`;
    const members = Array.from({ length: 250 }, () => randomUUID());
    const response = await t
      .http()
      .post(`/scim/${acme.organizationId}/Probes`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', requestId)
      .send({ label: 'Engineers', externalId: 'grp-1', members, password: 'not-to-be-stored' });
    expect(response.status).toBe(201);
    // No waiting: written before the commit, hence before the response.
    const [row] = await t.db.query<AuditRow>('SELECT * FROM sync_audit_events WHERE request_id = $1', [
      requestId,
    ]);
    expect(row).toMatchObject({
      organization_id: acme.organizationId,
      token_id: acme.tokenId,
      method: 'POST',
      operation: 'create',
      resource_type: 'Group',
      resource_id: response.body.id,
      external_id: 'grp-1',
      display_name: 'Engineers',
      status: 201,
      outcome: 'success',
      dry_run: false,
    });
    expect(row!.effect).toEqual({
      changed: { displayName: { before: null, after: 'Engineers' } },
      membersAdded: { count: 251, ids: members.slice(0, 100) },
      consequences: [
        {
          kind: 'user-reactivated',
          reason: 'joined a synchronized group',
          userIds: { count: 2, ids: members.slice(0, 2) },
        },
      ],
      notes: ['second call merges'],
    });
    expect(row!.request_body).toMatchObject({ label: 'Engineers', password: '[REDACTED]' });
    expect((await rowsOf(requestId)).length).toBe(1);
    expect(await probes()).toContain('Engineers');
  });

  it('records a refused body PostgreSQL could not store as is (NUL, lone surrogates) instead of losing the row', async () => {
    const requestId = `nul-${randomUUID()}`;
    const response = await t
      .http()
      .post(`/scim/${acme.organizationId}/Probes`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('Content-Type', 'application/scim+json')
      .set('X-Request-Id', requestId)
      .send('{"label": "Odd", "note": "a\\u0000b\\ud800c"}');
    // Refused at the boundary, naming the attribute; the audit row keeps what arrived, storably.
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe(
      "attribute 'note' contains the character U+0000, which cannot be stored",
    );
    const [row] = await rowsOf(requestId);
    expect(row).toMatchObject({ status: 400, request_body: { label: 'Odd', note: 'a\uFFFDb\uFFFDc' } });
  });

  it('records a dry-run write after its rollback, with the effect that would have happened', async () => {
    const requestId = `dry-create-${randomUUID()}`;
    // Authenticating writes the token's last use (once a minute, outside the transaction): not now.
    expect((await scimGet(acme, 'ServiceProviderConfig')).status).toBe(200);
    let response: Response | undefined;
    // Every table as it was, and one audit row: this request's.
    await expectNothingCommitted(t, async () => {
      response = await t
        .http()
        .post(`/scim/${acme.organizationId}/dry-run/Probes`)
        .set('Authorization', `Bearer ${acme.token}`)
        .set('X-Request-Id', requestId)
        .send({ label: 'Dry Designers', members: ['u-1'] });
      return [requestId];
    });
    expect(response!.status).toBe(201);
    expect(await probes()).not.toContain('Dry Designers');
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      dry_run: true,
      status: 201,
      outcome: 'success',
      operation: 'create',
      display_name: 'Dry Designers',
      resource_id: response!.body.id,
      effect: expect.objectContaining({
        changed: { displayName: { before: null, after: 'Dry Designers' } },
        membersAdded: { count: 2, ids: ['u-1', 'u-1'] },
      }),
    });
  });

  it('records a failed write on its own after the rollback, with the SCIM error and no effect', async () => {
    for (const [fail, status, scimType] of [
      ['scim', 409, 'uniqueness'],
      ['error', 500, null],
    ] as const) {
      const requestId = `fail-${fail}-${randomUUID()}`;
      const label = `Failing ${fail}`;
      const response = await t
        .http()
        .post(`/scim/${acme.organizationId}/Probes`)
        .set('Authorization', `Bearer ${acme.token}`)
        .set('X-Request-Id', requestId)
        .send({ label, fail });
      expect(response.status).toBe(status);
      expect(await probes()).not.toContain(label);
      const rows = await rowsOf(requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        status,
        outcome: 'failure',
        scim_type: scimType,
        display_name: label,
        effect: null,
        detail:
          fail === 'scim'
            ? `A group named ${label} already exists.`
            : expect.not.stringMatching(/handler failed/),
      });
    }
  });

  it('commits nothing and answers 503 when the audit row cannot be written; the failure is then recorded', async () => {
    // Test-only: refuse the in-transaction (success) row of one marked request.
    await t.db.query(`
      CREATE FUNCTION refuse_marked_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.display_name = 'refuse-audit' AND NEW.outcome = 'success' THEN
          RAISE EXCEPTION 'audit refused for the test';
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`CREATE TRIGGER refuse_marked_audit BEFORE INSERT ON sync_audit_events
                      FOR EACH ROW EXECUTE FUNCTION refuse_marked_audit()`);
    try {
      const requestId = `refused-${randomUUID()}`;
      const response = await t
        .http()
        .post(`/scim/${acme.organizationId}/Probes`)
        .set('Authorization', `Bearer ${acme.token}`)
        .set('X-Request-Id', requestId)
        .send({ label: 'refuse-audit' });
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toMatchObject({ status: '503', detail: expect.stringMatching(/audit record/) });
      expect(await probes()).not.toContain('refuse-audit');
      const rows = await rowsOf(requestId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        status: 503,
        outcome: 'failure',
        effect: null,
        display_name: 'refuse-audit',
      });
    } finally {
      await t.db.query('DROP TRIGGER refuse_marked_audit ON sync_audit_events');
      await t.db.query('DROP FUNCTION refuse_marked_audit()');
    }
  });

  it("records Entra's Test connection (a random-GUID filter that finds nothing) as test-connection", async () => {
    const guid = randomUUID();
    const requestId = `probe-${randomUUID()}`;
    const response = await t
      .http()
      .get(`/scim/${acme.organizationId}/dry-run/Users`)
      .query({ filter: `userName eq "${guid}"` })
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', requestId);
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(0);
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operation: 'test-connection',
      resource_type: 'User',
      dry_run: true,
      query: expect.stringContaining('filter='),
      effect: { totalResults: 0 },
    });

    // The same query that finds someone is a query.
    const create = await t
      .http()
      .post(`/scim/${acme.organizationId}/Users`)
      .set('Authorization', `Bearer ${acme.token}`)
      .send({ schemas: [SCIM_USER], userName: guid, active: true });
    expect(create.status).toBe(201);
    const found = `found-${randomUUID()}`;
    await t
      .http()
      .get(`/scim/${acme.organizationId}/Users`)
      .query({ filter: `userName eq "${guid}"` })
      .set('Authorization', `Bearer ${acme.token}`)
      .set('X-Request-Id', found);
    expect((await rowsOf(found))[0]).toMatchObject({ operation: 'query', effect: { totalResults: 1 } });
  });

  it('records a request whose client gave up before the answer (499)', async () => {
    const requestId = `abort-${randomUUID()}`;
    await expect(
      t
        .http()
        .get(`/scim/${acme.organizationId}/Probes/slow?sleepMs=400`)
        .set('Authorization', `Bearer ${acme.token}`)
        .set('X-Request-Id', requestId)
        .timeout(100),
    ).rejects.toThrow(/timeout/i);
    // Written once the handler (still sleeping when the client gave up) is done: waited for.
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 499,
      outcome: 'failure',
      operation: 'read',
      resource_id: 'slow',
    });
  });

  it('stores no token or secret in any row', async () => {
    const support = (
      await cli(t.db.url, 'support-tokens', 'issue', '--name', 'support@example', '--json')
    ).json();
    issuedSecrets.push(String(support.token));
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    // Secrets in every place a caller controls: headers, query, body (as values and as PATCH targets).
    await t
      .http()
      .post(`/scim/${acme.organizationId}/Probes?access_token=${acme.token}`)
      .set('Authorization', `Bearer ${acme.token}`)
      .set('User-Agent', `curl with ${String(support.token)}`)
      .send({
        label: 'Secretive',
        password: 'P@ssw0rd!',
        nested: { clientSecret: 'abc', jwt, note: `copied ${globex.token}` },
        Operations: [{ op: 'replace', path: 'password', value: 'n3w-p@ss' }],
      });
    await t
      .http()
      .get(`/scim/${acme.organizationId}/Users`)
      .set('Authorization', `Bearer ${String(support.token)}`);
    // Every row of the requests above is in once a later marker request's row is.
    await settleAudit(t);

    const rows = await t.db.query('SELECT * FROM sync_audit_events');
    expect(rows.length).toBeGreaterThan(20);
    const everything = JSON.stringify(rows);
    for (const secret of issuedSecrets) {
      expect(everything).not.toContain(secret);
      // Nor the secret part alone.
      expect(everything).not.toContain(secret.split('_').slice(2).join('_'));
    }
    for (const leaked of ['P@ssw0rd!', 'n3w-p@ss', '"abc"', jwt, 'hunter2', 'not-to-be-stored']) {
      expect(everything).not.toContain(leaked);
    }
    expect(everything).not.toMatch(/\b(?:sct|sst)_[0-9a-f]{12}_[A-Za-z0-9_-]{10,}/);
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
    expect(everything).not.toMatch(/Bearer (?!<token>|\[REDACTED\])/);
  });
});
