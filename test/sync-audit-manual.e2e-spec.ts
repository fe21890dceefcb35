import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncAuditRecorder } from '#audit-log';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The body (supertest's untyped JSON), once the status is the one expected. */
function ok(response: Response, status = 200): Response['body'] {
  expect(
    response.status,
    `${response.request.method} ${response.request.url}: ${JSON.stringify(response.body)}`,
  ).toBe(status);
  return response.body;
}

/** A caller of one organization's management API; each request carries a fresh, known request id. */
function managementClient(t: TestApp, organizationId: string, token: string) {
  const base = `/api/v1/organizations/${organizationId}`;
  let lastRequestId = '';
  const send = <R extends { set(name: string, value: string): R }>(request: R): R => {
    lastRequestId = `manual-${randomUUID()}`;
    return request.set('Authorization', `Bearer ${token}`).set('X-Request-Id', lastRequestId);
  };
  return {
    post: (path: string, body: object = {}) => send(t.http().post(`${base}${path}`)).send(body),
    patch: (path: string, body: object) => send(t.http().patch(`${base}${path}`)).send(body),
    delete: (path: string) => send(t.http().delete(`${base}${path}`)),
    /** The X-Request-Id of the latest request. */
    requestId: () => lastRequestId,
  };
}
type Client = ReturnType<typeof managementClient>;

interface AuditRow {
  id: string;
  source: string;
  organization_id: string;
  token_id: string;
  user_id: string;
  request_id: string;
  method: string;
  path: string;
  operation: string;
  resource_type: string;
  resource_id: string;
  user_name: string | null;
  display_name: string | null;
  status: number;
  outcome: string;
  dry_run: boolean;
  effect: Record<string, unknown> | null;
  xid: string;
}

/**
 * Changes made through the management API land in the sync audit table as manual rows: one per
 * change, in the write's own transaction, with the acting user; the audit API filters them by
 * source; the sync summary never mistakes them for Entra's traffic.
 */
describe('sync audit: manual changes made through the management API', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<typeof seedOrganization>>;
  let globex: Awaited<ReturnType<typeof seedOrganization>>;
  let support: string;
  let synchronizer: string;
  let admin: Client;
  let userAdmin: { client: Client; userId: string; token: string; tokenId: string };
  let seq = 0;
  const next = () => (seq += 1);

  const rowsOf = (requestId: string) =>
    t.db.query<AuditRow>(
      `SELECT *, xmin::text AS xid FROM sync_audit_events WHERE request_id = $1 ORDER BY resource_type`,
      [requestId],
    );
  const audit = (path: string, token = support) =>
    t.http().get(`/api/v1/audit${path}`).set('Authorization', `Bearer ${token}`);
  const issue = async (organizationId: string, role: string) =>
    (
      await cli(t.db.url, 'tokens', 'issue', '--organization', organizationId, '--role', role, '--json')
    ).json();

  beforeAll(async () => {
    t = await startTestApp();
    acme = await seedOrganization(t.db.url, 'GlobalAdministrator');
    globex = await seedOrganization(t.db.url, 'GlobalAdministrator');
    admin = managementClient(t, acme.organizationId, acme.token);
    const issued = ok(await admin.post('/tokens', { role: 'UserAdministrator', name: 'user-admin' }), 201);
    userAdmin = {
      client: managementClient(t, acme.organizationId, String(issued.token)),
      userId: String(issued.userId),
      token: String(issued.token),
      tokenId: String(issued.tokenId),
    };
    synchronizer = String((await issue(acme.organizationId, 'DirectorySynchronizer')).token);
    support = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'jane', '--json')).json().token,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  describe('recording', () => {
    it('records a created project with the acting user, in the same transaction as the project', async () => {
      const name = `Releases ${next()}`;
      const project = ok(await admin.post('/projects', { name, description: 'Signed builds' }), 201);
      const rows = await rowsOf(admin.requestId());
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        source: 'manual',
        organization_id: acme.organizationId,
        user_id: acme.userId,
        token_id: acme.tokenId,
        method: 'POST',
        path: `/api/v1/organizations/${acme.organizationId}/projects`,
        operation: 'create',
        resource_type: 'Project',
        resource_id: project.id,
        display_name: name,
        user_name: null,
        status: 201,
        outcome: 'success',
        dry_run: false,
        effect: {
          changed: {
            name: { before: null, after: name },
            description: { before: null, after: 'Signed builds' },
          },
        },
      });
      // Written by the transaction that wrote the project: they commit together or not at all.
      const [written] = await t.db.query<{ xid: string }>(
        'SELECT xmin::text AS xid FROM projects WHERE id = $1',
        [project.id],
      );
      expect(rows[0]!.xid).toBe(written!.xid);
    });

    it('records a permission granted to a synchronized group, and its revocation', async () => {
      const scim = scimClient(t, acme.organizationId, synchronizer);
      const group = ok(
        await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `Entra signers ${next()}` }),
        201,
      );
      const project = ok(await admin.post('/projects', { name: `Firmware ${next()}` }), 201);
      const policy = ok(
        await admin.post(`/projects/${project.id}/signing-policies`, { name: 'Release signing' }),
        201,
      );
      const permissions = `/projects/${project.id}/signing-policies/${policy.id}/permissions`;
      const granted = ok(
        await admin.post(permissions, {
          permission: 'Submitter',
          principal: { type: 'group', id: group.id },
        }),
        201,
      );
      expect(await rowsOf(admin.requestId())).toEqual([
        expect.objectContaining({
          source: 'manual',
          user_id: acme.userId,
          operation: 'grant',
          resource_type: 'Permission',
          resource_id: granted.id,
          display_name: expect.stringContaining('Submitter'),
          status: 201,
          effect: {
            projectId: project.id,
            signingPolicyId: policy.id,
            permission: 'Submitter',
            principal: { type: 'group', id: group.id },
          },
        }),
      ]);
      ok(await admin.delete(`${permissions}/${String(granted.id)}`), 204);
      expect(await rowsOf(admin.requestId())).toEqual([
        expect.objectContaining({ operation: 'revoke', resource_id: granted.id, status: 204 }),
      ]);
    });

    it('names the user who acted: a UserAdministrator deactivating a manual user', async () => {
      const user = ok(await admin.post('/users', { userName: `leaver-${next()}@acme.test` }), 201);
      ok(await userAdmin.client.post(`/users/${String(user.id)}/deactivate`));
      expect(await rowsOf(userAdmin.client.requestId())).toEqual([
        expect.objectContaining({
          source: 'manual',
          user_id: userAdmin.userId,
          token_id: userAdmin.tokenId,
          operation: 'deactivate',
          resource_type: 'User',
          resource_id: user.id,
          user_name: user.userName,
          display_name: null,
          status: 200,
          effect: { changed: { active: { before: true, after: false } } },
        }),
      ]);
    });

    it('records nothing for a write that fails or is refused', async () => {
      const name = `Taken ${next()}`;
      ok(await admin.post('/projects', { name }), 201);
      ok(await admin.post('/projects', { name }), 409);
      expect(await rowsOf(admin.requestId())).toEqual([]);
      ok(await admin.post('/projects', { name: '' }), 400);
      expect(await rowsOf(admin.requestId())).toEqual([]);
      // A UserAdministrator may not create projects.
      ok(await userAdmin.client.post('/projects', { name: `Forbidden ${next()}` }), 403);
      expect(await rowsOf(userAdmin.client.requestId())).toEqual([]);
      ok(await admin.post(`/users/${randomUUID()}/deactivate`), 404);
      expect(await rowsOf(admin.requestId())).toEqual([]);
    });

    it('commits neither the change nor its row when the row cannot be written (503)', async () => {
      // Test-only: the audit table refuses the manual row of one marked project.
      await t.db.query(`
        CREATE FUNCTION refuse_marked_manual_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.source = 'manual' AND NEW.display_name = 'refuse-audit' THEN
            RAISE EXCEPTION 'audit refused for the test';
          END IF;
          RETURN NEW;
        END $$`);
      await t.db.query(`CREATE TRIGGER refuse_marked_manual_change BEFORE INSERT ON sync_audit_events
                        FOR EACH ROW EXECUTE FUNCTION refuse_marked_manual_change()`);
      try {
        const response = await admin.post('/projects', { name: 'refuse-audit' });
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toMatchObject({
          code: 'AUDIT_UNAVAILABLE',
          detail: expect.stringMatching(/audit/),
        });
        expect(await rowsOf(admin.requestId())).toEqual([]);
        expect(await t.db.query(`SELECT 1 FROM projects WHERE name = 'refuse-audit'`)).toEqual([]);
      } finally {
        await t.db.query('DROP TRIGGER refuse_marked_manual_change ON sync_audit_events');
        await t.db.query('DROP FUNCTION refuse_marked_manual_change()');
      }
      // The same write goes through once the audit takes rows again.
      ok(await admin.post('/projects', { name: 'refuse-audit' }), 201);
      expect(await rowsOf(admin.requestId())).toHaveLength(1);
    });

    it('stores no token secret in any row, masks secret-looking text, and never stores a body', async () => {
      const issued = ok(await admin.post('/tokens', { role: 'GlobalReader', name: `reader-${next()}` }), 201);
      const secret = String(issued.token);
      const issueRows = await rowsOf(admin.requestId());
      expect(issueRows).toEqual([
        expect.objectContaining({
          operation: 'issue',
          resource_type: 'ApiToken',
          resource_id: issued.tokenId,
          effect: { role: 'GlobalReader', userId: issued.userId },
        }),
      ]);
      // A careless administrator pastes tokens into names and descriptions.
      const project = ok(
        await admin.post('/projects', {
          name: `Pasted ${secret}`,
          description: `token: ${acme.token} and Bearer ${userAdmin.token}`,
        }),
        201,
      );
      ok(await admin.patch(`/projects/${String(project.id)}`, { description: `now ${secret}` }));
      ok(await admin.post(`/tokens/${String(issued.tokenId)}/revoke`));

      const rows = await t.db.query<{ source: string; request_body: unknown }>(
        'SELECT * FROM sync_audit_events',
      );
      expect(rows.filter((row) => row.source === 'manual').length).toBeGreaterThan(5);
      expect(rows.filter((row) => row.source === 'manual').every((row) => row.request_body === null)).toBe(
        true,
      );
      const everything = JSON.stringify(rows);
      for (const token of [secret, acme.token, userAdmin.token, synchronizer, support]) {
        expect(everything).not.toContain(token);
        // Nor the secret part alone.
        expect(everything).not.toContain(token.split('_').slice(2).join('_'));
      }
      expect(everything).not.toMatch(/\b(?:sct|sst)_[0-9a-f]{12}_[A-Za-z0-9_-]{10,}/);
      expect(everything).toContain('Pasted [REDACTED]');
    });
  });

  describe('audit API', () => {
    let projectRow: string;
    let scimRequest: string;

    beforeAll(async () => {
      const name = `Audited ${next()}`;
      ok(await admin.post('/projects', { name }), 201);
      projectRow = (await rowsOf(admin.requestId()))[0]!.id;
      scimRequest = `scim-${randomUUID()}`;
      const created = await scimClient(t, acme.organizationId, synchronizer)
        .post(
          '/Users',
          entraUserBody({ externalId: `acme:${randomUUID()}`, userName: `entra-${next()}@acme.test` }),
        )
        .set('X-Request-Id', scimRequest);
      expect(created.status).toBe(201);
      // Globex's own manual change, which Acme's administrator must never see.
      ok(
        await managementClient(t, globex.organizationId, globex.token).post('/projects', { name: 'Globex' }),
        201,
      );
      await t.app.get(SyncAuditRecorder).flush();
    });

    const list = async (query: string, token = support) => {
      const response = await audit(`/events?limit=500&${query}`, token);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.events as {
        id: string;
        source: string;
        organizationId: string;
        userId: string;
        requestId: string;
      }[];
    };

    it('returns source and the acting user, and filters by source', async () => {
      const all = await list(`organizationId=${acme.organizationId}`);
      expect(new Set(all.map((event) => event.source))).toEqual(new Set(['scim', 'manual']));
      const manual = await list(`organizationId=${acme.organizationId}&source=manual`);
      expect(manual.length).toBeGreaterThan(0);
      expect(manual.every((event) => event.source === 'manual')).toBe(true);
      expect(manual.find((event) => event.id === projectRow)).toMatchObject({
        source: 'manual',
        userId: acme.userId,
        organizationId: acme.organizationId,
      });
      const scim = await list(`organizationId=${acme.organizationId}&source=scim`);
      expect(scim.every((event) => event.source === 'scim')).toBe(true);
      expect(scim.map((event) => event.requestId)).toContain(scimRequest);
      expect(manual.length + scim.length).toBe(all.length);
      // Across organizations too, and combined with the other filters.
      expect(
        (await list('source=manual')).some((event) => event.organizationId === globex.organizationId),
      ).toBe(true);
      const grants = await list(`source=manual&operation=grant&resourceType=Permission`);
      expect(grants.length).toBeGreaterThan(0);
      expect((await list('source=manual&displayName=globex')).map((event) => event.organizationId)).toEqual([
        globex.organizationId,
      ]);
      expect((await audit('/events?source=entra')).status).toBe(400);
    });

    it("shows an organization administrator their own organization's manual changes only", async () => {
      const own = await list('source=manual', acme.token);
      expect(own.map((event) => event.id)).toContain(projectRow);
      expect(own.every((event) => event.organizationId === acme.organizationId)).toBe(true);
      // The UserAdministrator reads them too, including its own.
      const byUserAdmin = await list('source=manual', userAdmin.token);
      expect(byUserAdmin.some((event) => event.userId === userAdmin.userId)).toBe(true);
      expect((await audit(`/events/${projectRow}`, acme.token)).body).toMatchObject({ source: 'manual' });
      expect((await audit(`/events/${projectRow}`, globex.token)).status).toBe(404);
      const theirs = await list('source=manual', globex.token);
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.every((event) => event.organizationId === globex.organizationId)).toBe(true);
    });

    it('exports source and the acting user', async () => {
      const ndjson = await audit(`/events/export?organizationId=${acme.organizationId}&source=manual`);
      expect(ndjson.status).toBe(200);
      const events = ndjson.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; source: string; userId: string });
      expect(events.every((event) => event.source === 'manual')).toBe(true);
      expect(events.find((event) => event.id === projectRow)).toMatchObject({ userId: acme.userId });
      const csv = await audit(
        `/events/export?format=csv&organizationId=${acme.organizationId}&source=manual`,
      );
      const [header, ...lines] = csv.text.split('\r\n').filter(Boolean);
      // source, then the folded-row columns (a manual change is one event: count 1, no last time, no prefix).
      expect(header!.endsWith(',source,count,lastOccurredAt,tokenPrefix')).toBe(true);
      expect(lines.length).toBe(events.length);
      expect(lines.every((line) => line.endsWith(',manual,1,,'))).toBe(true);
      expect(lines.find((line) => line.startsWith(projectRow))).toContain(acme.userId);
    });

    it('describes source in the OpenAPI document', async () => {
      const document = ok(await t.http().get('/api/docs-json'));
      const parameters = document.paths['/api/v1/audit/events'].get.parameters as { name: string }[];
      expect(parameters.map((parameter) => parameter.name)).toContain('source');
      const event = document.components.schemas.AuditEventDto;
      expect(event.properties.source.enum).toEqual(['scim', 'manual']);
      expect(event.properties.operation.enum).toEqual(expect.arrayContaining(['test-connection', 'grant']));
      expect(event.properties.resourceType.enum).toEqual(expect.arrayContaining(['User', 'Project']));
      expect(document.components.schemas.AuditSummaryDto.properties).toHaveProperty('manualChanges');
      expect(document.components.schemas.ProblemDetails.properties.code.enum).toContain('AUDIT_UNAVAILABLE');
    });
  });

  describe('summary', () => {
    const summary = async (organizationId: string) =>
      ok(await audit(`/organizations/${organizationId}/summary`));

    it('keeps an organization managed only by hand "never connected", and counts its manual changes apart', async () => {
      const org = await seedOrganization(t.db.url, 'GlobalAdministrator');
      const client = managementClient(t, org.organizationId, org.token);
      const project = ok(await client.post('/projects', { name: 'By hand' }), 201);
      ok(await client.post(`/projects/${String(project.id)}/signing-policies`, { name: 'Policy' }), 201);
      ok(await client.post('/users', { userName: 'alice@hand.test' }), 201);
      const before = await summary(org.organizationId);
      expect(before.last24Hours.byOperation).toEqual({});
      expect(before).toMatchObject({
        status: 'never connected',
        statusReason: 'No request from Entra ID has arrived for this organization yet.',
        firstRequestAt: null,
        lastRequestAt: null,
        lastSuccessAt: null,
        lastLiveSuccessAt: null,
        lastTestConnection: null,
        last24Hours: { requests: 0, byOutcome: { success: 0, failure: 0 }, live: { requests: 0 } },
        last7Days: { requests: 0 },
        frequentErrors: [],
        manualChanges: { last24Hours: 3, last7Days: 3, lastAt: expect.any(String) },
      });

      // Entra's Test connection on the dry-run Tenant URL: its first request, the only one counted.
      const synchronizerToken = String((await issue(org.organizationId, 'DirectorySynchronizer')).token);
      const probe = await scimClient(t, org.organizationId, synchronizerToken, true).get(
        `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`,
      );
      expect(probe.status).toBe(200);
      await t.app.get(SyncAuditRecorder).flush();
      ok(await client.post('/projects', { name: 'Still by hand' }), 201);
      const after = await summary(org.organizationId);
      expect(after).toMatchObject({
        status: 'dry-run only',
        last24Hours: { requests: 1, byOperation: { 'test-connection': { requests: 1, failures: 0 } } },
        lastTestConnection: { dryRun: true, outcome: 'success' },
        manualChanges: { last24Hours: 4, last7Days: 4 },
      });
      // The latest request is Entra's probe, not the later manual change.
      expect(after.lastRequestAt).toBe(after.firstRequestAt);
      expect(Date.parse(after.manualChanges.lastAt)).toBeGreaterThan(Date.parse(after.lastRequestAt));
    });

    it("counts only Entra's requests for an organization with both", async () => {
      const [counts] = await t.db.query<{ scim: number; manual: number }>(
        `SELECT count(*) FILTER (WHERE source = 'scim')::int AS scim, count(*) FILTER (WHERE source = 'manual')::int AS manual
           FROM sync_audit_events WHERE organization_id = $1`,
        [acme.organizationId],
      );
      expect(counts!.manual).toBeGreaterThan(0);
      const body = await summary(acme.organizationId);
      expect(body).toMatchObject({
        status: 'healthy',
        last24Hours: { requests: counts!.scim, byOutcome: { failure: 0 } },
        manualChanges: { last24Hours: counts!.manual },
      });
      expect(Object.keys(body.last24Hours.byOperation)).not.toContain('grant');
    });
  });
});
