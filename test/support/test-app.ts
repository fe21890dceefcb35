import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../apps/connector/src/create-app.js';
import { ManagementServer } from '#health';
import { runCli } from '../../apps/connector/src/cli/operator-cli.js';
import { loadConfig } from '#config';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly db: TestDatabase;
  readonly dataSource: DataSource;
  http(): ReturnType<typeof request>;
  /** The management port (/metrics, /health/*); only with `managementPort: true`. */
  management(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  imports?: ModuleMetadata['imports'];
  /** Connect the app through another URL (e.g. a proxy that a test can cut) instead of the database's own. */
  databaseUrl?: (db: TestDatabase) => Promise<string> | string;
  /** Start the management listener on a free loopback port, as main.ts does on MANAGEMENT_PORT. */
  managementPort?: boolean;
}

/** The real application on a database of its own, not listening: supertest drives it in-process. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // supertest listens on a new port per request; a fixed public URL keeps meta.location stable.
  const config = loadConfig({
    // TEST_LOG_LEVEL=error shows the server's own log of failing requests while debugging a test.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    PUBLIC_BASE_URL: 'http://scim.test',
    // One test client drives one organization far faster than Entra does (hundreds of requests a
    // second, dozens in parallel): the per-organization limits would turn its requests into 429s.
    // They are switched off here; test/throttling.e2e-spec.ts and the fairness bench set them.
    SCIM_ORG_RATE_PER_SECOND: '0',
    SCIM_ORG_CONCURRENCY: '0',
    ...options.env,
  });
  const databaseUrl = options.databaseUrl ? await options.databaseUrl(db) : db.url;
  const app = await createApp({ config, databaseUrl, imports: options.imports });
  const managementPort = options.managementPort
    ? await app.get(ManagementServer).listen(0, '127.0.0.1')
    : undefined;
  return {
    app,
    db,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    http: () => request(app.getHttpServer()),
    management: () => {
      if (managementPort === undefined) throw new Error('startTestApp({ managementPort: true }) first');
      return request(`http://127.0.0.1:${managementPort}`);
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, for --json runs. */
  json(): Record<string, unknown>;
}

/** Runs the operator CLI in-process against `databaseUrl`. */
export async function cli(databaseUrl: string, ...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
  );
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

/** Creates an organization and a Directory Synchronizer token through the CLI. */
export async function seedOrganization(
  databaseUrl: string,
  role = 'DirectorySynchronizer',
): Promise<{ organizationId: string; token: string; tokenId: string; userId: string }> {
  const org = await cli(
    databaseUrl,
    'organizations',
    'create',
    '--name',
    'Acme',
    '--sso-identifier',
    'acme',
    '--json',
  );
  const organizationId = String(org.json().id);
  const issued = (
    await cli(databaseUrl, 'tokens', 'issue', '--organization', organizationId, '--role', role, '--json')
  ).json();
  return {
    organizationId,
    token: String(issued.token),
    tokenId: String(issued.tokenId),
    userId: String(issued.userId),
  };
}
