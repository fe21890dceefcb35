import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../apps/connector/src/cli/operator-cli.js';
import { settleAudit } from './support/db-snapshot.js';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('operator CLI: support tokens and audit retention', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('issues a support token (only its hash stored), lists and revokes it, one JSON object each', async () => {
    const issued = await cli(db.url, 'support-tokens', 'issue', '--name', 'jane@operator.example', '--json');
    expect(issued.code).toBe(0);
    expect(issued.stdout.trim().split('\n')).toHaveLength(1);
    const { token, tokenId } = issued.json();
    expect(token).toMatch(/^sst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const secret = String(token).split('_').slice(2).join('_');
    const stored = JSON.stringify(await db.query('SELECT * FROM support_tokens'));
    expect(stored).not.toContain(secret);
    expect(stored).toContain(String(token).split('_')[1]);

    const listed = await cli(db.url, 'support-tokens', 'list', '--json');
    expect(listed.json().supportTokens).toEqual([
      expect.objectContaining({
        id: tokenId,
        name: 'jane@operator.example',
        revokedAt: null,
        lastUsedAt: null,
      }),
    ]);
    expect(listed.stdout).not.toContain(secret);

    const revoked = await cli(db.url, 'support-tokens', 'revoke', '--id', String(tokenId), '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toMatchObject({ id: tokenId, revokedAt: expect.any(String) });
    expect((await cli(db.url, 'support-tokens', 'list', '--json')).json().supportTokens).toEqual([
      expect.objectContaining({ id: tokenId, revokedAt: expect.any(String) }),
    ]);
  });

  it('refuses a missing name (2) and an unknown token id (1)', async () => {
    expect((await cli(db.url, 'support-tokens', 'issue')).code).toBe(2);
    expect((await cli(db.url, 'support-tokens', 'issue', '--name', '  ')).code).toBe(2);
    const unknown = await cli(
      db.url,
      'support-tokens',
      'revoke',
      '--id',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/does not exist/);
  });

  const seed = (count: number, daysAgo: number) =>
    db.query(
      `INSERT INTO sync_audit_events (occurred_at, request_id, method, path, dry_run, status, outcome, duration_ms)
       SELECT now() - $2 * interval '1 day' - n * interval '1 second', 'seed', 'GET', '/scim/x', false, 200, 'success', 1
         FROM generate_series(1, $1) AS n`,
      [count, daysAgo],
    );
  const count = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_audit_events'))[0]!.n;

  it('prunes events older than the given days in batches, reporting progress on stderr', async () => {
    await db.query('DELETE FROM sync_audit_events');
    await seed(12_000, 40);
    await seed(300, 5);
    const pruned = await cli(db.url, 'audit', 'prune', '--older-than-days', '30', '--json');
    expect(pruned.code).toBe(0);
    expect(pruned.json()).toMatchObject({ deleted: 12_000, olderThanDays: 30, cutoff: expect.any(String) });
    // Batches of 5,000: progress after each, with the time elapsed since the start.
    const elapsed = String.raw` \(\d+(\.\d)? (ms|s) elapsed\)$`;
    expect(pruned.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^deleted 5000 audit events so far${elapsed}`)),
      expect.stringMatching(new RegExp(`^deleted 10000 audit events so far${elapsed}`)),
      expect.stringMatching(new RegExp(`^deleted 12000 audit events so far${elapsed}`)),
    ]);
    expect(await count()).toBe(300);
  });

  it('defaults to AUDIT_RETENTION_DAYS (90 unless set) and refuses a bad number of days', async () => {
    await db.query('DELETE FROM sync_audit_events');
    await seed(10, 100);
    await seed(10, 60);
    const byDefault = await cli(db.url, 'audit', 'prune', '--json');
    expect(byDefault.json()).toMatchObject({ deleted: 10, olderThanDays: 90 });
    let stdout = '';
    const configured = await runCli(
      ['audit', 'prune', '--json'],
      { stdout: (text) => (stdout += text), stderr: () => undefined },
      { DATABASE_URL: db.url, LOG_LEVEL: 'silent', AUDIT_RETENTION_DAYS: '30' },
    );
    expect(configured).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ deleted: 10, olderThanDays: 30 });
    expect(await count()).toBe(0);
    for (const days of ['0', '-3', 'ten', '1.5']) {
      expect((await cli(db.url, 'audit', 'prune', '--older-than-days', days)).code).toBe(2);
    }
  });
});

describe('operator CLI: audit events and summary, as support staff read them', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let support: string;
  let collisionDetail: string;

  const events = (...argv: string[]) => cli(t.db.url, 'audit', 'events', ...argv);
  const api = async (path: string) => {
    const response = await t.http().get(`/api/v1/audit${path}`).set('Authorization', `Bearer ${support}`);
    expect(response.status, path).toBe(200);
    return response.body as Record<string, unknown>;
  };
  type Event = { id: string; requestId: string; userName: string | null; operation: string | null } & Record<
    string,
    unknown
  >;
  const listed = (result: Awaited<ReturnType<typeof cli>>) => {
    expect(result.code, result.stderr).toBe(0);
    return result.json() as { events: Event[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    support = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'jane', '--json')).json().token,
    );
    const scim = scimClient(t, org.organizationId, org.token);
    const user = (userName: string, externalId: string) => entraUserBody({ userName, externalId });
    expect((await scim.post('/Users', user('alice@contoso.example', 'acme:alice'))).status).toBe(201);
    expect((await scim.post('/Users', user('bob@contoso.example', 'acme:bob'))).status).toBe(201);
    const collision = await scim.post('/Users', user('ALICE@contoso.example', 'acme:alice-2'));
    expect(collision.status).toBe(409);
    collisionDetail = String(collision.body.detail);
    const dryRun = scimClient(t, org.organizationId, org.token, true);
    expect((await dryRun.post('/Users', user('carol@contoso.example', 'acme:carol'))).status).toBe(201);
    expect((await scim.get('/Users?filter=userName%20eq%20%22bob@contoso.example%22')).status).toBe(200);
    await settleAudit(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("filters by user, operation, outcome, status, mode and text, printing the audit API's own JSON", async () => {
    const o = ['--organization', org.organizationId];
    const byUser = listed(await events(...o, '--user-name', 'alice@CONTOSO.example', '--json'));
    expect(byUser.events.map((e) => [e.operation, e.status, e.userName])).toEqual([
      ['create', 409, 'ALICE@contoso.example'],
      ['create', 201, 'alice@contoso.example'],
    ]);
    expect(byUser).toEqual(
      await api(`/events?organizationId=${org.organizationId}&userName=alice@CONTOSO.example`),
    );

    const failures = listed(await events(...o, '--operation', 'create', '--outcome', 'failure', '--json'));
    expect(failures.events).toEqual([
      expect.objectContaining({ status: 409, scimType: 'uniqueness', detail: collisionDetail }),
    ]);
    expect(listed(await events(...o, '--status', '409', '--json')).events.map((e) => e.id)).toEqual(
      failures.events.map((e) => e.id),
    );
    expect(
      listed(await events(...o, '--text', collisionDetail.slice(0, 20).toUpperCase(), '--json')).events.map(
        (e) => e.id,
      ),
    ).toEqual(failures.events.map((e) => e.id));

    const dryRun = listed(await events(...o, '--dry-run', '--json'));
    expect(dryRun.events.map((e) => [e.operation, e.userName, e.dryRun])).toEqual([
      ['create', 'carol@contoso.example', true],
    ]);
    const liveCreates = listed(await events(...o, '--live', '--operation', 'create', '--json'));
    expect(liveCreates.events.map((e) => [e.status, e.dryRun])).toEqual([
      [409, false],
      [201, false],
      [201, false],
    ]);
    expect(listed(await events(...o, '--external-id', 'acme:bob', '--json')).events).toHaveLength(1);
  });

  it('pages with --limit and --after, in JSON and in the table, neither repeating nor skipping an event', async () => {
    const o = ['--organization', org.organizationId];
    const all = listed(await events(...o, '--limit', '500', '--json'));
    expect(all.events).toHaveLength(5);
    expect(all.nextCursor).toBeNull();

    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = listed(
        await events(...o, '--limit', '2', ...(cursor ? ['--after', cursor] : []), '--json'),
      );
      expect(page.events.length).toBeLessThanOrEqual(2);
      paged.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(paged).toEqual(all.events.map((e) => e.id));

    // The table: one row per event (its request id shows), the next cursor in the footer.
    const shown: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await events(...o, '--limit', '2', ...(after ? ['--after', after] : []));
      expect(page.code, page.stderr).toBe(0);
      const lines = page.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^OCCURRED AT +SOURCE +MODE +OPERATION +RESOURCE +SUBJECT +STATUS +REQUEST ID +DETAIL$/,
      );
      const rows = lines.slice(1, lines.indexOf(''));
      shown.push(...rows.map((row) => all.events.find((e) => row.includes(e.requestId))!.id));
      const footer = lines.at(-1)!;
      after = /more: add --after (\S+)$/.exec(footer)?.[1];
      if (!after) {
        expect(footer).toBe(`${rows.length} event(s); no more.`);
        break;
      }
    }
    expect(shown).toEqual(all.events.map((e) => e.id));
    const alice = await events(
      ...o,
      '--user-name',
      'alice@contoso.example',
      '--operation',
      'create',
      '--live',
    );
    expect(alice.stdout).toMatch(/ live +create +User +alice@contoso\.example +201 success /);
    expect(alice.stdout).toMatch(/ live +create +User +ALICE@contoso\.example +409 failure .* uniqueness: /);
    expect((await events(...o, '--user-name', 'nobody')).stdout).toBe('No audit events match.\n');
  });

  it.each([
    [['--status', 'abc'], /--status: /],
    [['--organization', 'not-a-uuid'], /--organization: must be a UUID/],
    [['--outcome', 'maybe'], /--outcome: must be one of the following values: success, failure/],
    [['--limit', '501'], /--limit: must not be greater than 500/],
    [['--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], /from must not be after to/],
    [['--after', 'forged'], /cursor is not one this API returned/],
    [['--dry-run', '--live'], /--dry-run and --live exclude each other/],
  ])('refuses %j with exit code 2 and one line, as the API would with 400', async (argv, message) => {
    const result = await events(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("sums up an organization like the audit API's summary, readable and as its JSON", async () => {
    const json = await cli(t.db.url, 'audit', 'summary', '--organization', org.organizationId, '--json');
    expect(json.code, json.stderr).toBe(0);
    const summary = json.json();
    expect(summary).toEqual(await api(`/organizations/${org.organizationId}/summary`));
    expect(summary).toMatchObject({
      organizationId: org.organizationId,
      // One live request in four failed: at or above the 20% that makes an organization failing.
      status: 'failing',
      last24Hours: {
        requests: 5,
        byOutcome: { success: 4, failure: 1 },
        dryRun: { requests: 1, failures: 0 },
      },
    });

    const text = await cli(t.db.url, 'audit', 'summary', '--organization', org.organizationId);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `Organization ${org.organizationId}\nStatus: failing. ${String(summary.statusReason)}\n`,
    );
    expect(text.stdout).toMatch(/^requests +5 +5$/m);
    expect(text.stdout).toMatch(/^failures +1 \(20\.0%\) +1 \(20\.0%\)$/m);
    expect(text.stdout).toMatch(/^ {2}create +4, 1 failed +4, 1 failed$/m);
    expect(text.stdout).toMatch(/^1 +409 +\S+ \S+ +uniqueness: /m);

    const unknown = await cli(
      t.db.url,
      'audit',
      'summary',
      '--organization',
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Organization 00000000-0000-4000-8000-000000000000 does not exist/);
    expect((await cli(t.db.url, 'audit', 'summary', '--organization', 'acme')).code).toBe(2);
    expect((await cli(t.db.url, 'audit', 'summary')).code).toBe(2);
  });
});
