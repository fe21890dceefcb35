import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { SCHEMA } from '../../apps/connector/src/database/schema.js';
import { buildDataSourceOptions, startEmbeddedDatabase } from '#persistence';
import { databaseUrlFor } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

/**
 * One PostgreSQL for the run: the DATABASE_URL server, or an embedded one in a temporary folder.
 * The real migrations build a template database once; every test file clones its own database
 * from it (CREATE DATABASE ... TEMPLATE is a file copy), so files never see each other's rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let embeddedDir: string | undefined;
  if (!adminUrl) {
    embeddedDir = await mkdtemp(join(tmpdir(), 'scim-connector-test-'));
    // When running as root the server runs as the postgres user, which must reach its data folder.
    await chmod(embeddedDir, 0o755);
    const server = await startEmbeddedDatabase({ dataDir: join(embeddedDir, 'postgres'), persistent: false });
    adminUrl = server.url;
    stopEmbedded = () => server.stop();
  }
  const template = `scim_test_template_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();

  const dataSource = new DataSource(
    buildDataSourceOptions(
      { url: databaseUrlFor(adminUrl, template), poolSize: 2, connectTimeoutMs: 5_000 },
      SCHEMA,
    ),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await client.end();
    await stopEmbedded?.();
    if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
  };
}
