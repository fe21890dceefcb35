import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncAuditRecorder } from '#audit-log';
import { settleAudit } from './support/db-snapshot.js';
import { waitFor } from './support/eventually.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import type { TestDatabase } from './support/test-database.js';

/** A synthetic audit row; every column has a default so a test names only what it checks. */
interface SeedEvent {
  id?: string;
  occurredAt?: Date | string;
  organizationId?: string | null;
  requestId?: string;
  method?: string;
  path?: string;
  dryRun?: boolean;
  operation?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  externalId?: string | null;
  userName?: string | null;
  displayName?: string | null;
  status?: number;
  scimType?: string | null;
  detail?: string | null;
}

async function seedEvents(db: TestDatabase, events: SeedEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (const event of events) {
    const status = event.status ?? 200;
    const id = event.id ?? randomUUID();
    await db.query(
      `INSERT INTO sync_audit_events (id, occurred_at, organization_id, request_id, method, path, dry_run, operation,
         resource_type, resource_id, external_id, user_name, display_name, status, outcome, scim_type, detail, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 3)`,
      [
        id,
        event.occurredAt ?? new Date(),
        event.organizationId ?? null,
        event.requestId ?? randomUUID(),
        event.method ?? 'GET',
        event.path ?? '/scim/x/Users',
        event.dryRun ?? false,
        event.operation === undefined ? 'query' : event.operation,
        event.resourceType === undefined ? 'User' : event.resourceType,
        event.resourceId ?? null,
        event.externalId ?? null,
        event.userName ?? null,
        event.displayName ?? null,
        status,
        status < 400 ? 'success' : 'failure',
        event.scimType ?? null,
        event.detail ?? null,
      ],
    );
    ids.push(id);
  }
  return ids;
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

describe('audit API', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<typeof seedOrganization>>;
  let globex: Awaited<ReturnType<typeof seedOrganization>>;
  let support: string;
  let acmeAdmin: string;
  let acmeUserAdmin: string;
  let acmeReader: string;
  let globexAdmin: string;

  const issue = async (organizationId: string, role: string) =>
    String(
      (
        await cli(t.db.url, 'tokens', 'issue', '--organization', organizationId, '--role', role, '--json')
      ).json().token,
    );
  const api = (path: string, token: string | null = support) => {
    const request = t.http().get(`/api/v1/audit${path}`);
    return token === null ? request : request.set('Authorization', `Bearer ${token}`);
  };
  const ids = (body: { events: { id: string }[] }) => body.events.map((event) => event.id);

  beforeAll(async () => {
    t = await startTestApp();
    acme = await seedOrganization(t.db.url);
    globex = await seedOrganization(t.db.url);
    support = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'jane', '--json')).json().token,
    );
    acmeAdmin = await issue(acme.organizationId, 'GlobalAdministrator');
    acmeUserAdmin = await issue(acme.organizationId, 'UserAdministrator');
    acmeReader = await issue(acme.organizationId, 'GlobalReader');
    globexAdmin = await issue(globex.organizationId, 'GlobalAdministrator');
  });
  afterAll(async () => {
    await t.close();
  });

  describe('authentication', () => {
    it('answers 401 without a token, with an unknown or revoked support token', async () => {
      expect((await api('/events', null)).status).toBe(401);
      expect((await api('/events', `sst_000000000000_${'A'.repeat(43)}`)).status).toBe(401);
      const issued = (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'leaver', '--json')).json();
      expect((await api('/events', String(issued.token))).status).toBe(200);
      expect((await cli(t.db.url, 'support-tokens', 'revoke', '--id', String(issued.tokenId))).code).toBe(0);
      const revoked = await api('/events', String(issued.token));
      expect(revoked.status).toBe(401);
      expect(revoked.body).toMatchObject({
        status: 401,
        detail: expect.any(String),
        requestId: expect.any(String),
      });
    });

    it('refuses SCIM (Directory Synchronizer) tokens and other roles with 403', async () => {
      for (const token of [acme.token, acmeReader]) {
        const response = await api('/events', token);
        expect(response.status).toBe(403);
        expect(response.body.detail).toMatch(/support token|organization administrator/);
      }
    });

    it('refuses support tokens on /scim with 401', async () => {
      const response = await t
        .http()
        .get(`/scim/${acme.organizationId}/ServiceProviderConfig`)
        .set('Authorization', `Bearer ${support}`);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: '401' });
    });
  });

  describe('events', () => {
    let filterIds: Record<string, string>;
    let orgId: string;
    const base = '2026-03-01T12:00:00.000Z';

    beforeAll(async () => {
      orgId = (await seedOrganization(t.db.url)).organizationId;
      const at = (minutes: number) => new Date(Date.parse(base) + minutes * 60_000);
      const [create, failed, patch, dry, probe, remove] = await seedEvents(t.db, [
        {
          organizationId: orgId,
          occurredAt: at(0),
          method: 'POST',
          operation: 'create',
          status: 201,
          resourceId: 'u-1',
          externalId: 'acme:Obj-1',
          userName: 'Alice@Example.com',
          requestId: 'req-create',
        },
        {
          organizationId: orgId,
          occurredAt: at(1),
          method: 'POST',
          operation: 'create',
          status: 409,
          scimType: 'uniqueness',
          detail: 'userName "bob" is already taken (100% sure)',
          userName: 'bob',
        },
        {
          organizationId: orgId,
          occurredAt: at(2),
          method: 'PATCH',
          operation: 'update',
          resourceType: 'Group',
          resourceId: 'g-1',
          displayName: 'Engineers',
        },
        {
          organizationId: orgId,
          occurredAt: at(3),
          dryRun: true,
          operation: 'create',
          method: 'POST',
          status: 201,
        },
        { organizationId: orgId, occurredAt: at(4), operation: 'test-connection' },
        {
          organizationId: orgId,
          occurredAt: at(5),
          method: 'DELETE',
          operation: 'delete',
          status: 404,
          detail: 'User u-9 not found',
        },
      ]);
      filterIds = {
        create: create!,
        failed: failed!,
        patch: patch!,
        dry: dry!,
        probe: probe!,
        remove: remove!,
      };
    });

    const list = async (query: Record<string, string>) => {
      const response = await api(
        `/events?${new URLSearchParams({ organizationId: orgId, ...query }).toString()}`,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return ids(response.body);
    };

    it('lists newest first with every field', async () => {
      const response = await api(`/events?organizationId=${orgId}`);
      expect(response.status).toBe(200);
      const { create, failed, patch, dry, probe, remove } = filterIds;
      expect(ids(response.body)).toEqual([remove, probe, dry, patch, failed, create]);
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.events.at(-1)).toMatchObject({
        id: create,
        occurredAt: base,
        organizationId: orgId,
        method: 'POST',
        operation: 'create',
        status: 201,
        outcome: 'success',
        resourceId: 'u-1',
        externalId: 'acme:Obj-1',
        userName: 'Alice@Example.com',
        requestId: 'req-create',
        dryRun: false,
      });
      expect(response.body.events[0]).not.toHaveProperty('cursorTime');
    });

    it.each([
      [{ from: '2026-03-01T12:02:00Z' }, ['remove', 'probe', 'dry', 'patch']],
      [{ to: '2026-03-01T12:02:00Z' }, ['failed', 'create']],
      [{ from: '2026-03-01T12:01:00Z', to: '2026-03-01T12:03:00Z' }, ['patch', 'failed']],
      [{ outcome: 'failure' }, ['remove', 'failed']],
      [{ outcome: 'success', dryRun: 'false' }, ['probe', 'patch', 'create']],
      [{ status: '409' }, ['failed']],
      [{ method: 'patch' }, ['patch']],
      [{ operation: 'test-connection' }, ['probe']],
      [{ resourceType: 'Group' }, ['patch']],
      [{ resourceId: 'g-1' }, ['patch']],
      [{ externalId: 'acme:Obj-1' }, ['create']],
      [{ externalId: 'acme:obj-1' }, []],
      [{ userName: 'alice@example.COM' }, ['create']],
      [{ displayName: 'engineers' }, ['patch']],
      [{ requestId: 'req-create' }, ['create']],
      [{ dryRun: 'true' }, ['dry']],
      [{ q: 'NOT FOUND' }, ['remove']],
      [{ q: '100%' }, ['failed']],
      [{ q: '_' }, []],
      [{ method: 'POST', outcome: 'success' }, ['dry', 'create']],
    ])('filters by %j', async (query, expected) => {
      expect(await list(query)).toEqual(expected.map((name) => filterIds[name]));
    });

    it.each([
      ['an unknown parameter', 'colour=red'],
      ['a malformed organization id', 'organizationId=acme'],
      ['a malformed date', 'from=yesterday'],
      ['from after to', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z'],
      ['an unknown outcome', 'outcome=maybe'],
      ['an unknown operation', 'operation=upsert'],
      ['a status out of range', 'status=42'],
      ['a limit of 0', 'limit=0'],
      ['a limit over 500', 'limit=501'],
      ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y'],
      ['a non-boolean dryRun', 'dryRun=yes'],
    ])('answers 400 for %s', async (_case, query) => {
      const response = await api(`/events?${query.toString()}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        status: 400,
        detail: expect.any(String),
        requestId: expect.any(String),
      });
    });

    it('reads one event; unknown and malformed ids are 404', async () => {
      const found = await api(`/events/${filterIds.failed}`);
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({ id: filterIds.failed, status: 409, scimType: 'uniqueness' });
      expect((await api(`/events/${randomUUID()}`)).status).toBe(404);
      expect((await api('/events/nope')).status).toBe(404);
    });

    it('answers its errors as RFC 9457 problem details', async () => {
      const problem = 'application/problem+json; charset=utf-8';
      const id = randomUUID();
      const missing = await api(`/events/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toBe(problem);
      expect(missing.body).toEqual({
        type: 'https://scim-connector.dev/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: `Audit event ${id} does not exist.`,
        code: 'NOT_FOUND',
        requestId: missing.headers['x-request-id'],
      });
      const invalid = await api('/events?limit=0');
      expect(invalid.status).toBe(400);
      expect(invalid.headers['content-type']).toBe(problem);
      expect(invalid.body).toEqual({
        type: 'https://scim-connector.dev/problems/bad-request',
        title: 'Bad request',
        status: 400,
        detail: expect.stringContaining('limit'),
        code: 'BAD_REQUEST',
        requestId: invalid.headers['x-request-id'],
      });
      const unauthenticated = await api('/events', null);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers['content-type']).toBe(problem);
      expect(unauthenticated.body).toMatchObject({
        type: 'https://scim-connector.dev/problems/unauthorized',
        title: 'Unauthorized',
        status: 401,
        code: 'UNAUTHORIZED',
      });
      const forbidden = await api('/events', acme.token);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['content-type']).toBe(problem);
      expect(forbidden.body).toMatchObject({
        type: 'https://scim-connector.dev/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        code: 'FORBIDDEN',
        requestId: forbidden.headers['x-request-id'],
      });
    });
  });

  describe('organization administrators', () => {
    let acmeEvent: string;
    let globexEvent: string;

    beforeAll(async () => {
      acmeEvent = (
        await seedEvents(t.db, [{ organizationId: acme.organizationId, userName: 'acme-user' }])
      )[0]!;
      globexEvent = (
        await seedEvents(t.db, [{ organizationId: globex.organizationId, userName: 'globex-user' }])
      )[0]!;
      await seedEvents(t.db, [{ organizationId: null, path: '/scim/unknown/Users', status: 401 }]);
    });

    it("see their own organization's events only, whatever they ask", async () => {
      for (const token of [acmeAdmin, acmeUserAdmin]) {
        const own = await api('/events?limit=500', token);
        expect(own.status).toBe(200);
        expect(ids(own.body)).toContain(acmeEvent);
        expect(
          own.body.events.every((e: { organizationId: string }) => e.organizationId === acme.organizationId),
        ).toBe(true);
        expect((await api(`/events?organizationId=${acme.organizationId}`, token)).status).toBe(200);
      }
    });

    it("get 403 for another organization's list, export and summary, and 404 for its events", async () => {
      expect((await api(`/events?organizationId=${globex.organizationId}`, acmeAdmin)).status).toBe(403);
      expect((await api(`/events/export?organizationId=${globex.organizationId}`, acmeAdmin)).status).toBe(
        403,
      );
      expect((await api(`/organizations/${globex.organizationId}/summary`, acmeAdmin)).status).toBe(403);
      expect((await api(`/events/${globexEvent}`, acmeAdmin)).status).toBe(404);
      expect((await api(`/events/${globexEvent}`, globexAdmin)).status).toBe(200);
      expect((await api(`/events/${acmeEvent}`, acmeAdmin)).status).toBe(200);
      expect((await api(`/organizations/${acme.organizationId}/summary`, acmeAdmin)).status).toBe(200);
    });

    it('export only their own organization', async () => {
      const response = await api('/events/export', acmeAdmin);
      expect(response.status).toBe(200);
      const events = response.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { organizationId: string });
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => event.organizationId === acme.organizationId)).toBe(true);
    });
  });

  describe('pagination', () => {
    it('pages without duplicates or gaps while new rows arrive', async () => {
      const org = await seedOrganization(t.db.url);
      // Seeded history, including rows sharing a timestamp, whose order is then decided by id.
      const shared = hoursAgo(5);
      const seeded = await seedEvents(
        t.db,
        Array.from({ length: 230 }, (_, index) => ({
          organizationId: org.organizationId,
          occurredAt: index % 10 === 0 ? shared : new Date(Date.now() - 3_600_000 - index * 7_919),
        })),
      );
      const newer: string[] = [];
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const query = new URLSearchParams({ organizationId: org.organizationId, limit: '17' });
        if (cursor) query.set('cursor', cursor);
        const response = await api(`/events?${query.toString()}`);
        expect(response.status).toBe(200);
        seen.push(...ids(response.body));
        cursor = response.body.nextCursor ?? undefined;
        pages += 1;
        // New rows arrive between every two pages: a real SCIM request's (written after its
        // response, while the next page is read), one newer than any page, and one at the
        // timestamp the oldest rows share (placed among them by its id).
        const scim = await t
          .http()
          .get(`/scim/${org.organizationId}/ServiceProviderConfig`)
          .set('Authorization', `Bearer ${org.token}`);
        expect(scim.status).toBe(200);
        newer.push(
          ...(await seedEvents(t.db, [{ organizationId: org.organizationId, occurredAt: new Date() }])),
        );
        await seedEvents(t.db, [{ organizationId: org.organizationId, occurredAt: shared }]);
      } while (cursor);
      await t.app.get(SyncAuditRecorder).flush();

      expect(pages).toBeGreaterThan(13);
      expect(new Set(seen).size).toBe(seen.length);
      const missing = seeded.filter((id) => !seen.includes(id));
      expect(missing).toEqual([]);
      // Newest first from where the first page began: what arrives above it is not on later pages.
      expect(newer.filter((id) => seen.includes(id))).toEqual([]);
    });
  });

  describe('export', () => {
    let orgId: string;

    beforeAll(async () => {
      orgId = (await seedOrganization(t.db.url)).organizationId;
      await seedEvents(
        t.db,
        Array.from({ length: 1_234 }, (_, index) => ({
          organizationId: orgId,
          occurredAt: new Date(Date.now() - index * 1_000),
          status: index % 3 === 0 ? 400 : 200,
          detail: index % 3 === 0 ? 'bad, "quoted"\nvalue' : null,
          userName: index === 0 ? '=HYPERLINK("http://evil")' : null,
        })),
      );
    });

    it('streams NDJSON: one event a line, newest first, all of them', async () => {
      const response = await api(`/events/export?format=ndjson&organizationId=${orgId}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="audit-events.ndjson"');
      const lines = response.text.trim().split('\n');
      expect(lines).toHaveLength(1_234);
      const events = lines.map((line) => JSON.parse(line) as { id: string; occurredAt: string });
      expect(new Set(events.map((event) => event.id)).size).toBe(1_234);
      const times = events.map((event) => Date.parse(event.occurredAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('streams CSV with the same filters, quoted and safe for spreadsheets', async () => {
      const response = await api(`/events/export?format=csv&organizationId=${orgId}&outcome=failure`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      const text = response.text;
      expect(text.startsWith('id,occurredAt,organizationId,')).toBe(true);
      expect(text).toContain('"bad, ""quoted""\nvalue"');
      expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
      // Header plus one CRLF-terminated record per failure (412 of 1,234).
      expect(text.split('\r\n').filter(Boolean)).toHaveLength(1 + 412);
    });

    it('defaults to NDJSON and refuses unknown formats', async () => {
      const response = await api(`/events/export?organizationId=${orgId}&status=200`);
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(response.text.trim().split('\n')).toHaveLength(822);
      expect((await api('/events/export?format=xml')).status).toBe(400);
    });
  });

  describe('summary', () => {
    const summary = async (organizationId: string) => {
      const response = await api(`/organizations/${organizationId}/summary`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
    };
    /** Waits for the organization's `count` audit rows, then for a later marker's: no more can come. */
    const auditRowsOf = async (organizationId: string, count: number) => {
      const stored = () =>
        t.db.query<{ id: string }>('SELECT id FROM sync_audit_events WHERE organization_id = $1', [
          organizationId,
        ]);
      await waitFor(`${count} audit row(s) of organization ${organizationId}`, stored, {
        until: (rows) => rows.length >= count,
      });
      await settleAudit(t);
      expect(await stored()).toHaveLength(count);
    };

    it('says "never connected" before any request, and while every request fails', async () => {
      const org = await seedOrganization(t.db.url);
      expect(await summary(org.organizationId)).toMatchObject({
        status: 'never connected',
        firstRequestAt: null,
        lastRequestAt: null,
        lastTestConnection: null,
        last24Hours: { requests: 0, failureRate: 0 },
      });
      // Entra with a wrong Secret Token: its Test connection and everything else is refused.
      await t
        .http()
        .get(
          `/scim/${org.organizationId}/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`,
        )
        .set('Authorization', 'Bearer wrong');
      await t.http().get(`/scim/${org.organizationId}/Groups`).set('Authorization', 'Bearer wrong');
      await auditRowsOf(org.organizationId, 2);
      const refused = await summary(org.organizationId);
      expect(refused).toMatchObject({
        status: 'never connected',
        statusReason: expect.stringMatching(/none has ever succeeded/),
        last24Hours: { requests: 2, byOutcome: { success: 0, failure: 2 }, failureRate: 1 },
        frequentErrors: [{ status: 401, count: 2, detail: expect.stringMatching(/bearer token/) }],
        lastTestConnection: { status: 401, outcome: 'failure', dryRun: false },
      });
    });

    it('says "dry-run only" when only the dry-run Tenant URL ever succeeded', async () => {
      const org = await seedOrganization(t.db.url);
      const guid = randomUUID();
      await t
        .http()
        .get(
          `/scim/${org.organizationId}/dry-run/Users?filter=${encodeURIComponent(`userName eq "${guid}"`)}`,
        )
        .set('Authorization', `Bearer ${org.token}`);
      await auditRowsOf(org.organizationId, 1);
      expect(await summary(org.organizationId)).toMatchObject({
        status: 'dry-run only',
        lastLiveSuccessAt: null,
        lastDryRunSuccessAt: expect.any(String),
        lastTestConnection: { status: 200, outcome: 'success', dryRun: true, at: expect.any(String) },
        last24Hours: { requests: 1, dryRun: { requests: 1, failures: 0 }, live: { requests: 0 } },
      });
    });

    it('says "healthy" and "failing" from the live failure rate of the last 24 hours', async () => {
      const healthy = (await seedOrganization(t.db.url)).organizationId;
      await seedEvents(t.db, [
        ...Array.from({ length: 9 }, () => ({ organizationId: healthy, occurredAt: hoursAgo(1) })),
        {
          organizationId: healthy,
          occurredAt: hoursAgo(2),
          status: 409,
          detail: 'conflict',
          method: 'POST',
          operation: 'create',
        },
        // Older than a day: counted in 7 days only.
        ...Array.from({ length: 5 }, () => ({
          organizationId: healthy,
          occurredAt: hoursAgo(72),
          status: 500,
          detail: 'boom',
        })),
        // Older than a week: in no window.
        { organizationId: healthy, occurredAt: hoursAgo(24 * 10), operation: 'test-connection' },
      ]);
      const body = await summary(healthy);
      expect(body).toMatchObject({
        status: 'healthy',
        statusReason: '1 of 10 live requests in the last 24 hours failed (10%).',
        last24Hours: {
          requests: 10,
          byOutcome: { success: 9, failure: 1 },
          byOperation: { query: { requests: 9, failures: 0 }, create: { requests: 1, failures: 1 } },
          failureRate: 0.1,
          live: { requests: 10, failures: 1, failureRate: 0.1 },
        },
        last7Days: { requests: 15, byOutcome: { success: 9, failure: 6 }, failureRate: 0.4 },
        frequentErrors: [
          { status: 500, detail: 'boom', count: 5 },
          { status: 409, detail: 'conflict', count: 1 },
        ],
        lastTestConnection: { status: 200, outcome: 'success', dryRun: false },
      });
      expect(Date.parse(body.firstRequestAt)).toBeLessThan(Date.parse(body.lastRequestAt));

      const failing = (await seedOrganization(t.db.url)).organizationId;
      await seedEvents(t.db, [
        ...Array.from({ length: 3 }, () => ({ organizationId: failing, occurredAt: hoursAgo(3) })),
        ...Array.from({ length: 2 }, () => ({
          organizationId: failing,
          occurredAt: hoursAgo(1),
          status: 503,
        })),
      ]);
      expect(await summary(failing)).toMatchObject({
        status: 'failing',
        statusReason: '2 of 5 live requests in the last 24 hours failed (40%).',
      });
    });

    it('answers 404 for an unknown organization and 400 for a malformed id', async () => {
      expect((await api(`/organizations/${randomUUID()}/summary`)).status).toBe(404);
      expect((await api('/organizations/acme/summary')).status).toBe(400);
    });
  });

  describe('OpenAPI', () => {
    it('describes the audit API at /api/docs-json and serves the UI at /api/docs', async () => {
      const document = await t.http().get('/api/docs-json');
      expect(document.status).toBe(200);
      // The management API shares the document; the audit API's four paths are in it.
      expect(Object.keys(document.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/audit/events',
          '/api/v1/audit/events/export',
          '/api/v1/audit/events/{id}',
          '/api/v1/audit/organizations/{organizationId}/summary',
        ]),
      );
      const list = document.body.paths['/api/v1/audit/events'].get;
      expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining([
          'organizationId',
          'from',
          'to',
          'userName',
          'dryRun',
          'q',
          'limit',
          'cursor',
        ]),
      );
      expect(document.body.components.schemas).toHaveProperty('AuditSummaryDto');
      const ui = await t.http().get('/api/docs');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });
  });
});
