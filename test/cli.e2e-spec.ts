import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COMMANDS } from '../apps/connector/src/cli/commands.js';
import { MIGRATIONS } from '../migrations/index.js';
import { databaseUrlFor } from './support/database-url.js';
import { cli } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** Every command and the flags its help must describe (beside --json and --help): written out, not read from the table. */
const EXPECTED_FLAGS: Record<string, string[]> = {
  'organizations create': ['--name', '--sso-identifier'],
  'organizations list': [],
  'tokens issue': ['--organization', '--role', '--name'],
  'tokens revoke': ['--id'],
  'tokens list': ['--organization'],
  'support-tokens issue': ['--name'],
  'support-tokens revoke': ['--id'],
  'support-tokens list': [],
  'audit events': [
    '--organization',
    '--source',
    '--from',
    '--to',
    '--outcome',
    '--status',
    '--method',
    '--operation',
    '--resource-type',
    '--resource-id',
    '--external-id',
    '--user-name',
    '--display-name',
    '--request-id',
    '--text',
    '--dry-run',
    '--live',
    '--limit',
    '--after',
  ],
  'audit summary': ['--organization'],
  'audit prune': ['--older-than-days'],
  migrate: [],
};

const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

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

  it('has help for every command, and the test knows every command', () => {
    expect(COMMANDS.map((command) => command.name).sort()).toEqual(Object.keys(EXPECTED_FLAGS).sort());
  });

  it.each(Object.entries(EXPECTED_FLAGS))(
    '"%s --help" exits 0 with its usage, a description and every flag',
    async (name, flags) => {
      for (const argv of [
        [...name.split(' '), '--help'],
        [...name.split(' '), '-h'],
        ['help', ...name.split(' ')],
        // Help wins over anything else on the line, bad flags included: no database is touched.
        [...name.split(' '), '--bogus', '--help'],
      ]) {
        const result = await cli('postgres://127.0.0.1:1/unreachable', ...argv);
        expect(result.code, argv.join(' ')).toBe(0);
        expect(result.stderr).toBe('');
        expect(result.stdout).toMatch(new RegExp(`^Usage: scim-connector ${name} `));
        const described = new Set(
          [...result.stdout.matchAll(/^ {2}(?:-h, )?(--[a-z-]+)(?: <[^>]+>)? {2,}\S/gm)].map((m) => m[1]),
        );
        expect([...described].sort()).toEqual([...flags, '--json', '--help'].sort());
        for (const flag of flags)
          expect(result.stdout, `usage line names ${flag}`).toMatch(new RegExp(`^Usage: .*${flag}\\b`));
      }
    },
  );

  it('lists every command with a one-line summary on --help, and the commands of a group on "<group> --help"', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const top = await cli('postgres://127.0.0.1:1/unreachable', ...argv);
      expect(top.code).toBe(0);
      expect(top.stdout).toContain(`scim-connector ${packageVersion}`);
      for (const name of Object.keys(EXPECTED_FLAGS))
        expect(top.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    }
    const tokens = await cli('postgres://127.0.0.1:1/unreachable', 'tokens', '--help');
    expect(tokens.code).toBe(0);
    expect(tokens.stdout).toMatch(/^Usage: scim-connector tokens <command>/);
    expect([...tokens.stdout.matchAll(/^ {2}(tokens \w+) /gm)].map((m) => m[1])).toEqual([
      'tokens issue',
      'tokens revoke',
      'tokens list',
    ]);
  });

  it('prints the package version on --version', async () => {
    const result = await cli('postgres://127.0.0.1:1/unreachable', '--version');
    expect(result).toMatchObject({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });

  it.each([
    [
      ['tokns', 'list'],
      /unknown command "tokns list" \(did you mean "tokens"\?\); run "scim-connector --help"/,
    ],
    [
      ['tokens', 'isue'],
      /unknown command "tokens isue" \(did you mean "tokens issue"\?\); tokens commands: issue, revoke, list/,
    ],
    [['tokens'], /tokens: which one\? issue, revoke, list; see "scim-connector tokens --help"/],
    [['--bogus'], /unknown option '--bogus' before any command; run "scim-connector --help"/],
    [
      ['tokens', 'list', '--organisation', 'x'],
      /Unknown option '--organisation' \(did you mean --organization\?\); see "scim-connector tokens list --help"/,
    ],
    [['migrate', 'now'], /migrate: unexpected argument 'now'; see "scim-connector migrate --help"/],
  ])('answers %j with exit code 2, one line and a hint', async (argv, message) => {
    const result = await cli('postgres://127.0.0.1:1/unreachable', ...argv, '--json');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.json()).toEqual({ error: expect.stringMatching(message), exitCode: 2 });
  });

  it('reports each migration as it runs and commits, then a summary; nothing on an up-to-date schema', async () => {
    const name = `${db.name}_empty`;
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const url = databaseUrlFor(inject('adminDatabaseUrl'), name);
      const names = MIGRATIONS.map((migration) => migration.name);
      const first = await cli(url, 'migrate');
      expect(first.code).toBe(0);
      expect(first.stderr.trim().split('\n')).toEqual(
        names.flatMap((migration) => [
          `migrate: ${migration} ...`,
          expect.stringMatching(new RegExp(`^migrate: ${migration} done in \\d+(\\.\\d)? (ms|s)$`)),
        ]),
      );
      expect(first.stdout).toMatch(
        new RegExp(
          `^Applied ${names.length} migration\\(s\\) in \\d+(\\.\\d)? (ms|s): ${names.join(', ')}\n$`,
        ),
      );
      const again = await cli(url, 'migrate');
      expect(again).toMatchObject({ code: 0, stdout: 'Schema is up to date.\n', stderr: '' });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
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

describe('npm run cli: built only when stale, and a bin', () => {
  const root = mkdtempSync(join(tmpdir(), 'scim-cli-build-'));
  // A stand-in for tsc that counts its runs and writes the CLI's output, or fails when told to.
  const fakeTsc = `
    const fs = require('node:fs');
    fs.appendFileSync('tsc-runs', 'x');
    if (fs.existsSync('fail')) { console.error('error TS1005'); process.exit(2); }
    fs.mkdirSync('dist/apps/connector/src', { recursive: true });
    fs.writeFileSync('dist/apps/connector/src/cli.js', '#!/usr/bin/env node\\n');
  `;
  const runs = () => readFileSync(join(root, 'tsc-runs'), 'utf8').length;
  const check = () =>
    promisify(execFile)(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
  const past = new Date(Date.now() - 60_000);

  beforeAll(() => {
    cpSync(
      new URL('../scripts/build-if-stale.mjs', import.meta.url),
      join(root, 'scripts', 'build-if-stale.mjs'),
    );
    mkdirSync(join(root, 'node_modules', 'typescript', 'bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), fakeTsc);
    writeFileSync(join(root, 'node_modules', 'package.json'), '{"type": "commonjs"}');
    mkdirSync(join(root, 'libs', 'config', 'src'), { recursive: true });
    writeFileSync(join(root, 'libs', 'config', 'src', 'index.ts'), 'export {};');
    writeFileSync(join(root, 'package.json'), '{"type": "module"}');
    writeFileSync(join(root, 'tsconfig.build.json'), '{}');
    writeFileSync(join(root, 'tsc-runs'), '');
    for (const path of [
      'libs/config/src/index.ts',
      'libs/config/src',
      'libs/config',
      'libs',
      'package.json',
      'tsconfig.build.json',
    ]) {
      utimesSync(join(root, path), past, past);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds on a fresh clone, then not again until an input changes, is added or removed', async () => {
    expect(await check()).toBe(0);
    expect(runs()).toBe(1);
    expect(await check()).toBe(0);
    expect(runs()).toBe(1);

    writeFileSync(join(root, 'libs', 'config', 'src', 'index.ts'), 'export const changed = 1;');
    expect(await check()).toBe(0);
    expect(runs()).toBe(2);
    expect(await check()).toBe(0);
    expect(runs()).toBe(2);

    rmSync(join(root, 'libs', 'config', 'src', 'index.ts'));
    expect(await check()).toBe(0);
    expect(runs()).toBe(3);

    writeFileSync(join(root, 'tsconfig.build.json'), '{"compilerOptions": {}}');
    expect(await check()).toBe(0);
    expect(runs()).toBe(4);
    expect(await check()).toBe(0);
    expect(runs()).toBe(4);
  });

  it("passes on tsc's failure and tries again next time", async () => {
    writeFileSync(join(root, 'fail'), '');
    writeFileSync(join(root, 'libs', 'config', 'src', 'other.ts'), 'export {};');
    const before = runs();
    expect(await check()).toBe(2);
    expect(await check()).toBe(2);
    expect(runs()).toBe(before + 2);
    rmSync(join(root, 'fail'));
    expect(await check()).toBe(0);
    expect(await check()).toBe(0);
    expect(runs()).toBe(before + 3);
  });

  it('runs the check before the CLI and the server, and names the built CLI, a script, as the bin', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.precli).toBe('node scripts/build-if-stale.mjs');
    expect(manifest.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    expect(manifest.bin).toEqual({ 'scim-connector': 'dist/apps/connector/src/cli.js' });
    const source = readFileSync(new URL('../apps/connector/src/cli.ts', import.meta.url), 'utf8');
    expect(source.split('\n')[0]).toBe('#!/usr/bin/env node');
  });
});
