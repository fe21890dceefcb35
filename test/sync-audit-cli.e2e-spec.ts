import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../apps/connector/src/cli/operator-cli.js';
import { cli } from './support/test-app.js';
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
    // Batches of 5,000: progress after each.
    expect(pruned.stderr.trim().split('\n')).toEqual([
      'deleted 5000 audit events so far',
      'deleted 10000 audit events so far',
      'deleted 12000 audit events so far',
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
