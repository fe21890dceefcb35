import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const MAIN = 'dist/apps/connector/src/main.js';

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the built server as `npm start` does, and waits for its banner. */
async function startServer(env: Record<string, string>): Promise<Running & { baseUrl: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /SCIM connector listening on (\S+)/.exec(output);
      if (match && output.includes('\n\n', match.index + match[0].length)) resolve(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, output: () => output, exited, baseUrl };
}

describe('the built connector as a process', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json']);
    db = await createTestDatabase();
    // An empty database, as on a first start: the server must create the whole schema itself.
    await db.query('DROP SCHEMA public CASCADE');
    await db.query('CREATE SCHEMA public');
  }, 120_000);
  afterAll(async () => {
    await db.drop();
  });

  it('migrates an empty database, prints the Tenant URLs and a token that works, and stops cleanly on SIGTERM', async () => {
    const server = await startServer({ DATABASE_URL: db.url });
    const output = server.output();
    const tenant = /Tenant URL:\s+(\S+)/.exec(output)?.[1];
    const dryRun = /Dry-run Tenant URL:\s+(\S+)/.exec(output)?.[1];
    const token = /Secret Token:\s+(\S+)/.exec(output)?.[1];
    expect(tenant).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/[0-9a-f-]{36}$/);
    expect(dryRun).toBe(`${tenant}/dry-run`);

    const ok = await fetch(`${tenant}/ServiceProviderConfig`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const denied = await fetch(`${tenant}/ServiceProviderConfig`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ status: '401' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The secret appears in the banner (the Secret Token line and the curl example) and nowhere else.
    expect(server.output().split(token!).length - 1).toBe(2);
  });

  it('does not bootstrap again on a database that has organizations', async () => {
    const server = await startServer({ DATABASE_URL: db.url });
    expect(server.output()).not.toContain('Secret Token');
    expect(server.output()).toContain('tokens issue --organization');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses a bad configuration with one message naming the variable and exit code 1', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: 'abc' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Configuration error: PORT must be a whole number (got "abc")');
  });

  it('starts the embedded PostgreSQL when DATABASE_URL is unset, and reuses its data on the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scim-embedded-'));
    await chmod(dir, 0o755);
    try {
      const env = { EMBEDDED_POSTGRES_DIR: join(dir, 'postgres') };
      const first = await startServer(env);
      expect(first.output()).toContain('(embedded PostgreSQL)');
      const organizationId = /\/scim\/([0-9a-f-]{36})/.exec(first.output())?.[1];
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await startServer(env);
      expect(second.output()).not.toContain('Secret Token');
      const token = /Secret Token:\s+(\S+)/.exec(first.output())?.[1];
      const ok = await fetch(`${second.baseUrl}/scim/${organizationId}/ServiceProviderConfig`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
