import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/eventually.js';
import { cli, seedOrganization } from './support/test-app.js';
import { TcpProxy } from './support/tcp-proxy.js';
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
    // MANAGEMENT_PORT 0: servers of parallel test files must not race for the default port.
    env: { PATH: process.env.PATH ?? '', PORT: '0', MANAGEMENT_PORT: '0', LOG_LEVEL: 'warn', ...env },
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

  it('a token revoked with the CLI is refused by every replica within a second (token cache, LISTEN/NOTIFY)', async () => {
    const replicas = [
      await startServer({ DATABASE_URL: db.url, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }),
      await startServer({ DATABASE_URL: db.url, LOG_LEVEL: 'info', LOG_FORMAT: 'json' }),
    ];
    try {
      const { organizationId, token, tokenId } = await seedOrganization(db.url);
      const status = async (server: { baseUrl: string }) =>
        (
          await fetch(`${server.baseUrl}/scim/${organizationId}/ServiceProviderConfig`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status;
      const cacheHits = async (server: Running) => {
        const port = /"managementPort":(\d+)/.exec(server.output())?.[1];
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return Number(/^auth_token_cache_lookups_total\{result="hit"\} (\d+)/m.exec(text)?.[1] ?? 0);
      };
      // Each replica serves the token from its cache (not only from the database) before the revocation.
      for (const replica of replicas) {
        await waitFor(
          'the token cached',
          async () => {
            expect(await status(replica)).toBe(200);
            return cacheHits(replica);
          },
          { until: (hits) => hits >= 1 },
        );
      }
      const revoked = await cli(db.url, 'tokens', 'revoke', '--id', tokenId);
      expect(revoked.code, revoked.stderr).toBe(0);
      const started = performance.now();
      await waitFor('the second replica refusing the token', () => status(replicas[1]!), {
        until: (answer) => answer === 401,
      });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await status(replicas[0]!)).toBe(401);
    } finally {
      for (const replica of replicas) replica.child.kill('SIGTERM');
      for (const replica of replicas) expect(await replica.exited).toBe(0);
    }
  });

  it('does not bootstrap again on a database that has organizations', async () => {
    const server = await startServer({ DATABASE_URL: db.url });
    expect(server.output()).not.toContain('Secret Token');
    expect(server.output()).toContain('tokens issue --organization');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('keeps no secret a request carries in any table or log line', async () => {
    const server = await startServer({ DATABASE_URL: db.url, LOG_LEVEL: 'debug' });
    const { organizationId, token } = await seedOrganization(db.url);
    const tenant = `${server.baseUrl}/scim/${organizationId}`;
    const secret = (n: number) => `Zq${n}xSecretValue${n}Wv`;
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.${secret(10)}`;
    const send = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(`${tenant}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const user = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'secrets@acme.test',
      externalId: 'acme:secrets',
      password: secret(1),
      passwordProfile: { password: secret(2), forceChangePasswordNextSignIn: true },
    };
    const created = await send('POST', '/Users', user);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('SecretValue');
    const id = String(created.body.id);
    const patch = (operations: unknown[]) =>
      send('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: operations,
      });
    const answers = [
      await send('PUT', `/Users/${id}`, { ...user, password: secret(3), passwordProfile: undefined }),
      await patch([{ op: 'replace', path: 'password', value: secret(4) }]),
      await patch([{ op: 'replace', value: { password: secret(5) } }]),
      await patch([{ op: 'add', path: 'passwordProfile.password', value: secret(6) }]),
      await send('GET', `/Users?filter=${encodeURIComponent(`password eq "${secret(7)}"`)}`),
      await send('GET', `/Users?access_token=${secret(8)}`),
      await send('POST', '/Users', `{'userName': 'x', 'password': '${secret(9)}'`),
      await send('GET', `/Users/${id}`, undefined, { 'X-Request-Id': jwt }),
      await send('POST', '/dry-run/Users', {
        ...user,
        userName: 'dry@acme.test',
        externalId: 'acme:dry',
        password: secret(11),
      }),
    ];
    // The password filter is refused (password is not filterable), after its row kept the query.
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 400, 200, 400, 200, 201]);
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain('SecretValue');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const needles = [...Array.from({ length: 11 }, (_, n) => secret(n + 1)), jwt, token];
    const tables = await db.query<{ name: string }>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const found: string[] = [];
    let auditRows = 0;
    for (const { name } of tables) {
      const rows = await db.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${name} t`);
      if (name === 'sync_audit_events') auditRows = rows.length;
      for (const { row } of rows) {
        for (const needle of needles) if (row.includes(needle)) found.push(`${name}: ${needle}`);
      }
    }
    // Every request above left its audit row (and so was scanned), and none kept a secret.
    expect(auditRows).toBeGreaterThanOrEqual(answers.length + 1);
    const lines = server.output().split('\n');
    expect(lines.filter((line) => line.includes('"reqId"')).length).toBeGreaterThanOrEqual(answers.length);
    for (const line of lines) {
      for (const needle of needles) if (line.includes(needle)) found.push(`log: ${needle} in ${line}`);
    }
    expect(found).toEqual([]);
  }, 60_000);

  it('writes every log line as JSON of one schema, names the caller on request lines and never a secret', async () => {
    const { organizationId, token, tokenId } = await seedOrganization(db.url);
    // The database behind a proxy the test can cut, for a request that fails and logs its error.
    const target = new URL(db.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(db.url);
    proxied.port = String(await proxy.start());
    const server = await startServer({
      DATABASE_URL: proxied.toString(),
      BOOTSTRAP_DEMO_ORGANIZATION: 'false',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      DB_CONNECT_TIMEOUT_MS: '500',
    });
    const tenant = `${server.baseUrl}/scim/${organizationId}`;
    const password = 'Pw7xLogSecretValue7Q';
    const accessToken = 'At9xLogSecretValue9Z';
    const wrongToken = 'sct_0123456789ab_WrongLogSecretValueWrongLogSecretValue00';
    const send = async (id: string, path: string, bearer: string, init: RequestInit = {}) => {
      const response = await fetch(`${tenant}${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${bearer}`,
          'Content-Type': 'application/scim+json',
          'X-Request-Id': id,
        },
      });
      await response.arrayBuffer();
      return response.status;
    };
    try {
      expect(await send('log-ok', '/Users?count=1', token)).toBe(200);
      expect(await send('log-wrong-token', '/Users', wrongToken)).toBe(401);
      const user = {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'logs@acme.test',
        externalId: 'acme:logs',
        password,
      };
      expect(await send('log-create', '/Users', token, { method: 'POST', body: JSON.stringify(user) })).toBe(
        201,
      );
      expect(await send('log-query-token', `/Users?access_token=${accessToken}`, token)).toBe(200);
      await proxy.cut();
      expect(await send('log-database-away', '/Users', token)).toBe(503);
    } finally {
      await proxy.restore();
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await proxy.cut();

    const lines = server
      .output()
      .split('\n')
      .filter((line) => line !== '');
    // The banner is the only text that is not a log line: three lines, as a newcomer reads them.
    const plain = lines.filter((line) => !line.startsWith('{'));
    expect(plain).toEqual([
      `SCIM connector listening on ${server.baseUrl}`,
      'Organizations and tokens: npm run --silent cli -- organizations list',
      '                          npm run --silent cli -- tokens issue --organization <id> --role DirectorySynchronizer',
    ]);
    const entries = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).toContain(entry.level);
      expect(new Date(String(entry.time)).toISOString()).toBe(entry.time);
      expect(typeof entry.msg).toBe('string');
      expect(typeof entry.pid).toBe('number');
    }
    for (const needle of [token, wrongToken, password, accessToken]) {
      expect(lines.filter((line) => line.includes(needle))).toEqual([]);
    }

    const requests = entries.filter((entry) => entry.msg === 'request completed');
    for (const entry of requests) {
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining([
          'reqId',
          'method',
          'url',
          'route',
          'status',
          'durationMs',
          'organizationId',
          'tokenId',
        ]),
      );
      expect(typeof entry.durationMs).toBe('number');
      expect(String(entry.url)).not.toContain('?');
    }
    const byId = (id: string) => requests.find((entry) => entry.reqId === id);
    expect(byId('log-ok')).toMatchObject({
      level: 'info',
      method: 'GET',
      url: `/scim/${organizationId}/Users`,
      route: '/scim/:organizationId/Users',
      status: 200,
      organizationId,
      tokenId,
    });
    // Refused: the tenant it knocked at, no token.
    expect(byId('log-wrong-token')).toMatchObject({ status: 401, organizationId, tokenId: null });
    expect(byId('log-create')).toMatchObject({ method: 'POST', status: 201, organizationId, tokenId });
    expect(byId('log-query-token')).toMatchObject({ url: `/scim/${organizationId}/Users`, status: 200 });
    expect(byId('log-database-away')).toMatchObject({ status: 503, organizationId: organizationId });
    const failure = entries.find((entry) => entry.reqId === 'log-database-away' && entry.level === 'error');
    expect(failure).toMatchObject({ msg: 'request failed', err: { message: expect.any(String) } });

    // Nest's Logger writes the same lines, with its context.
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        context: 'NestApplication',
        msg: 'Nest application successfully started',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'listening', url: server.baseUrl }),
    );
    expect(entries.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining(['SIGTERM received: finishing in-flight requests, then stopping.', 'stopped']),
    );
  }, 60_000);

  it('drains on SIGTERM under keep-alive load without resetting a request (5 runs)', async () => {
    const { organizationId, token } = await seedOrganization(db.url);
    for (let run = 0; run < 5; run += 1) {
      const server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_DEMO_ORGANIZATION: 'false' });
      const { hostname, port } = new URL(server.baseUrl);
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const outcomes = { answered: 0, refused: 0, resets: [] as string[] };
      let signalled = false;
      let closing = false;
      const once = () =>
        new Promise<'again' | 'stop'>((resolve) => {
          const request = httpRequest(
            {
              agent,
              hostname,
              port,
              path: `/scim/${organizationId}/ServiceProviderConfig`,
              headers: { Authorization: `Bearer ${token}` },
            },
            (response) => {
              response.resume();
              response.on('end', () => {
                outcomes.answered += 1;
                if (response.headers.connection === 'close') closing = true;
                resolve(closing ? 'stop' : 'again');
              });
            },
          );
          request.on('error', (error: NodeJS.ErrnoException) => {
            // A new connection after the listener closed is refused: that is a clean "go away".
            if (error.code === 'ECONNREFUSED' && signalled) outcomes.refused += 1;
            else outcomes.resets.push(`${error.code ?? ''} ${error.message}`);
            resolve('stop');
          });
          request.end();
        });
      const loops = Array.from({ length: 8 }, async () => {
        while ((await once()) === 'again');
      });
      // Signal once load is flowing on every socket; requests keep arriving while it drains.
      await waitFor('keep-alive load', () => outcomes.answered, { until: (n) => n >= 50 });
      signalled = true;
      server.child.kill('SIGTERM');
      await Promise.all(loops);
      agent.destroy();
      expect(outcomes.resets, `run ${run}`).toEqual([]);
      expect(await server.exited, `run ${run}: ${server.output()}`).toBe(0);
      expect(closing, `run ${run}: answers after SIGTERM say Connection: close`).toBe(true);
    }
  }, 120_000);

  it('refuses a bad configuration with one message naming the variable and exit code 1', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PORT: 'abc' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    // One log line, like every other: stdout is not a terminal here, so JSON.
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'fatal',
      msg: 'Configuration error: PORT must be a whole number (got "abc")',
    });
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
