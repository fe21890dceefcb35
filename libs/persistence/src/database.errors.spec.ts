import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isRetryableTransactionError } from './database.errors.js';

/**
 * The errors are the real ones: produced against a real PostgreSQL (DATABASE_URL, or the local
 * server the e2e suites use) by the same pg and TypeORM versions the app runs, never hand-made.
 */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `scim_errors_${randomBytes(6).toString('hex')}`;
const url = (() => {
  const parsed = new URL(SERVER_URL);
  parsed.pathname = `/${name}`;
  return parsed.toString();
})();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function dataSource(extra: Record<string, unknown> = {}): DataSource {
  return new DataSource({ type: 'postgres', url, poolSize: 2, extra, logging: false });
}

/** Polls pg_stat_activity until backend `pid` runs pg_sleep (how often to look, not a guess). */
async function sleepingBackend(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const active = await admin((client) =>
      client.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
        [pid],
      ),
    );
    if (active.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`backend ${pid} never started its pg_sleep`);
}

async function terminate(pid: number): Promise<void> {
  await admin((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
}

describe('isDatabaseUnavailable, on errors captured from a real PostgreSQL', () => {
  beforeAll(() => admin((client) => client.query(`CREATE DATABASE ${name}`)));
  afterAll(() => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));

  it('a database that refuses connections (55000 at connect, FATAL) is unavailable', async () => {
    await admin((client) => client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`));
    try {
      const client = new pg.Client({ connectionString: url });
      const raw = await caught(() => client.connect());
      expect(raw).toMatchObject({ code: '55000', severity: 'FATAL' });
      expect(isDatabaseUnavailable(raw)).toBe(true);

      const source = dataSource();
      const viaTypeorm = await caught(() => source.initialize());
      expect(isDatabaseUnavailable(viaTypeorm)).toBe(true);
    } finally {
      await admin((client) => client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    }
  });

  it('55000 raised by a statement on a live connection is a bug, not unavailability', async () => {
    const source = await dataSource().initialize();
    try {
      await source.query('CREATE SEQUENCE IF NOT EXISTS never_used');
      const error = await caught(() => source.query(`SELECT currval('never_used')`));
      expect(error).toMatchObject({ code: '55000', driverError: { severity: 'ERROR' } });
      expect(isDatabaseUnavailable(error)).toBe(false);
      const syntax = await caught(() => source.query('SELEC 1'));
      expect(isDatabaseUnavailable(syntax)).toBe(false);
      expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    } finally {
      await source.destroy();
    }
  });

  it('a terminated backend mid-transaction: the failed statement and the released query runner after it', async () => {
    const source = await dataSource().initialize();
    try {
      const errors: unknown[] = [];
      await caught(() =>
        source.transaction(async (manager) => {
          const [{ pid }] = await manager.query<[{ pid: number }]>('SELECT pg_backend_pid() AS pid');
          // Killed under a running statement, then used again: the rest of the request meets a
          // query runner TypeORM released when the connection emitted its error.
          const running = caught(() => manager.query('SELECT pg_sleep(30)'));
          // Terminate only once the backend is inside the sleep: killed earlier, the statement
          // would fail as "connection terminated" before it ran, a different (also valid) case.
          await sleepingBackend(pid);
          await terminate(pid);
          errors.push(await running);
          errors.push(await caught(() => manager.query('SELECT 1')));
          throw errors.at(-1);
        }),
      );
      expect(errors[0]).toMatchObject({ driverError: { code: '57P01', severity: 'FATAL' } });
      // Depending on whether TypeORM has seen the connection's error yet, the next statement meets a
      // released query runner or a client that is no longer queryable: both are the same outage.
      expect(`${(errors[1] as Error).constructor.name}: ${(errors[1] as Error).message}`).toMatch(
        /^QueryRunner(Provider)?AlreadyReleasedError|^QueryFailedError: .*(not queryable|Connection terminated)/,
      );
      for (const error of errors) expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await source.destroy();
    }
  });

  it('a client whose connection ended, and an idle pooled connection that was terminated', async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ended = new Promise((resolve) => client.once('end', resolve));
    await terminate(rows[0]!.pid);
    await ended;
    const afterEnd = await caught(() => client.query('SELECT 1'));
    expect(isDatabaseUnavailable(afterEnd)).toBe(true);

    const closed = new pg.Client({ connectionString: url });
    await closed.connect();
    await closed.end();
    const afterClose = await caught(() => closed.query('SELECT 1'));
    expect((afterClose as Error).message).toMatch(/not queryable/);
    expect(isDatabaseUnavailable(afterClose)).toBe(true);
  });

  it('a server that is not there, one that drops the connection, and a pool that times out', async () => {
    const refusing = createServer();
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as AddressInfo;
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
    const refused = await caught(() => new pg.Client({ host: '127.0.0.1', port, user: 'x' }).connect());
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(refused)).toBe(true);

    // Accepts, then hangs up at once: the restart-like cut.
    const dropping = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const droppingPort = (dropping.address() as AddressInfo).port;
    const dropped = await caught(() =>
      new pg.Client({ host: '127.0.0.1', port: droppingPort, user: 'x' }).connect(),
    );
    await new Promise<void>((resolve) => dropping.close(() => resolve()));
    expect(isDatabaseUnavailable(dropped)).toBe(true);

    const source = await dataSource({ max: 1, connectionTimeoutMillis: 50 }).initialize();
    const runner = source.createQueryRunner();
    try {
      await runner.connect();
      const timedOut = await caught(() => source.query('SELECT 1'));
      expect((timedOut as Error).message).toMatch(/timeout exceeded when trying to connect/);
      expect(isDatabaseUnavailable(timedOut)).toBe(true);
    } finally {
      await runner.release();
      await source.destroy();
    }
  });

  it('serialization failures stay retryable, not unavailable', async () => {
    const source = await dataSource().initialize();
    try {
      const error = await caught(() =>
        source.query(`DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$`),
      );
      expect(isRetryableTransactionError(error)).toBe(true);
      expect(isDatabaseUnavailable(error)).toBe(false);
    } finally {
      await source.destroy();
    }
  });
});
