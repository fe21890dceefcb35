import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase } from '#persistence';

export interface BenchDatabase {
  /** The fresh database the connector, the seeding and the baselines use. */
  readonly url: string;
  readonly name: string;
  /** True when the bench started an embedded server for this run. */
  readonly embedded: boolean;
  /** True when the server runs on this machine, so its processes' CPU time can be read. */
  readonly local: boolean;
  readonly serverVersion: string;
  /** Drops the database (and stops the embedded server); with keep, leaves both for inspection. */
  close(keep: boolean): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one run: on the DATABASE_URL server when it is set (the connection's user
 * must be allowed to create databases), otherwise on an embedded PostgreSQL in a temporary folder.
 */
export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const name = `scim_bench_${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(4).toString('hex')}`;
  let serverUrl = process.env.DATABASE_URL || undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let folder: string | undefined;
  if (!serverUrl) {
    folder = await mkdtemp(join(tmpdir(), 'scim-bench-'));
    // Run as root, the embedded server runs as the postgres user, which must reach its data folder.
    await chmod(folder, 0o755);
    log(`starting an embedded PostgreSQL in ${folder}`);
    const server = await startEmbeddedDatabase({ dataDir: join(folder, 'postgres'), persistent: false });
    serverUrl = server.url;
    stopEmbedded = () => server.stop();
  }
  const admin = serverUrl;
  const serverVersion = await onServer(admin, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  });
  const host = new URL(admin).hostname;
  return {
    url: withDatabase(admin, name),
    name,
    embedded: stopEmbedded !== undefined,
    local: ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host),
    serverVersion,
    async close(keep) {
      if (keep) return;
      try {
        await onServer(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      } finally {
        await stopEmbedded?.();
        if (folder) await rm(folder, { recursive: true, force: true });
      }
    },
  };
}
