import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { guardedPg } from './data-source.options.js';

/** The machine's PostgreSQL (DATABASE_URL, or the local server the e2e suites use). */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('the pg module TypeORM drives', () => {
  it('gives every pooled client an error listener, so a stray error cannot end the process', async () => {
    const strayError = async (Pool: typeof pg.Pool) => {
      const pool = new Pool({ connectionString: SERVER_URL, max: 1 });
      const client = await pool.connect();
      try {
        // Checked out of the pool, not yet handed to a query runner: no owner listens now.
        client.emit('error', new Error('terminating connection due to administrator command'));
        return undefined;
      } catch (error) {
        return error;
      } finally {
        client.release(true);
        await pool.end();
      }
    };
    // Plain node-postgres: an error event without a listener throws (in production: the process ends).
    expect(await strayError(pg.Pool)).toBeInstanceOf(Error);
    expect(await strayError(guardedPg.Pool)).toBeUndefined();
  });

  it('is node-postgres otherwise', () => {
    expect(guardedPg.Client).toBe(pg.Client);
    expect(guardedPg.types).toBe(pg.types);
    expect(guardedPg.defaults).toBe(pg.defaults);
  });
});
