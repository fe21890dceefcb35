import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('operator CLI', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates and lists organizations, printing exactly one JSON object with --json', async () => {
    const created = await cli(
      db.url,
      'organizations',
      'create',
      '--name',
      'Contoso',
      '--sso-identifier',
      'contoso-sso',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(created.stdout.trim().split('\n')).toHaveLength(1);
    const { id } = created.json();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await cli(db.url, 'organizations', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.json().organizations).toContainEqual(
      expect.objectContaining({ id, name: 'Contoso', ssoIdentifier: 'contoso-sso' }),
    );
    const rows = await db.query('SELECT name, sso_identifier FROM organizations WHERE id = $1', [id]);
    expect(rows).toEqual([{ name: 'Contoso', sso_identifier: 'contoso-sso' }]);
  });

  it('issues a token for a new CI user, stores only its hash, lists and revokes it', async () => {
    const org = (
      await cli(db.url, 'organizations', 'create', '--name', 'Fabrikam', '--sso-identifier', 'fab', '--json')
    ).json();
    const issued = await cli(
      db.url,
      'tokens',
      'issue',
      '--organization',
      String(org.id),
      '--role',
      'DirectorySynchronizer',
      '--name',
      'entra',
      '--json',
    );
    expect(issued.code).toBe(0);
    const { token, tokenId, userId } = issued.json();
    expect(token).toMatch(/^sct_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);

    const [user] = await db.query('SELECT kind, global_role, user_name FROM users WHERE id = $1', [userId]);
    expect(user).toEqual({ kind: 'ci', global_role: 'DirectorySynchronizer', user_name: 'entra' });
    const [stored] = await db.query<{ secret_hash: Buffer; prefix: string }>(
      'SELECT secret_hash, prefix FROM api_tokens WHERE id = $1',
      [tokenId],
    );
    const secret = String(token).split('_').slice(2).join('_');
    expect(stored!.secret_hash.toString('hex')).not.toContain(Buffer.from(secret).toString('hex'));
    expect(JSON.stringify(await db.query('SELECT * FROM api_tokens'))).not.toContain(secret);
    expect(String(token)).toContain(stored!.prefix);

    const listed = (await cli(db.url, 'tokens', 'list', '--organization', String(org.id), '--json')).json();
    expect(listed.tokens).toEqual([
      expect.objectContaining({ id: tokenId, userId, globalRole: 'DirectorySynchronizer', revokedAt: null }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);

    const revoked = await cli(db.url, 'tokens', 'revoke', '--id', String(tokenId), '--json');
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toMatchObject({ id: tokenId, organizationId: org.id });
    const [after] = await db.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM api_tokens WHERE id = $1',
      [tokenId],
    );
    expect(after!.revoked_at).toBeInstanceOf(Date);
  });

  it('issues tokens for any global role', async () => {
    const org = (
      await cli(db.url, 'organizations', 'create', '--name', 'Roles', '--sso-identifier', 'roles', '--json')
    ).json();
    const issued = await cli(
      db.url,
      'tokens',
      'issue',
      '--organization',
      String(org.id),
      '--role',
      'GlobalReader',
      '--json',
    );
    expect(issued.code).toBe(0);
    const [user] = await db.query('SELECT global_role FROM users WHERE id = $1', [issued.json().userId]);
    expect(user).toEqual({ global_role: 'GlobalReader' });
  });

  it('applies migrations idempotently', async () => {
    const result = await cli(db.url, 'migrate', '--json');
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ applied: [] });
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
    [['organizations', 'create', '--name', 'x'], /--sso-identifier is required/],
    [['organizations', 'create', '--name', 'x', '--sso-identifier', 'has:colon'], /SSO identifier/],
    [['organizations', 'list', '--bogus'], /Unknown option '--bogus'/],
    [['tokens', 'issue', '--organization', 'x', '--role', 'Overlord'], /--role must be one of/],
    [['tokens', 'revoke'], /--id is required/],
  ])('rejects bad usage %j with one line and exit code 2', async (argv, message) => {
    const result = await cli(db.url, ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with exit code 1 for ids that do not exist, still printing one JSON object', async () => {
    const unknownOrg = await cli(
      db.url,
      'tokens',
      'issue',
      '--organization',
      '00000000-0000-4000-8000-000000000000',
      '--role',
      'DirectorySynchronizer',
      '--json',
    );
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.json()).toEqual({ error: expect.stringMatching(/does not exist/), exitCode: 1 });
    const unknownToken = await cli(db.url, 'tokens', 'revoke', '--id', 'not-a-token-id');
    expect(unknownToken.code).toBe(1);
    expect(unknownToken.stderr).toMatch(/token not-a-token-id does not exist/);
  });

  it('reports a bad configuration naming the variable, with exit code 1', async () => {
    let stderr = '';
    const { runCli } = await import('../apps/connector/src/cli/operator-cli.js');
    const code = await runCli(
      ['organizations', 'list'],
      { stdout: () => undefined, stderr: (t) => (stderr += t) },
      { DATABASE_URL: 'mysql://nope', LOG_LEVEL: 'silent' },
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL must be a postgres/);
  });
});
