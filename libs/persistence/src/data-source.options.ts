import pg from 'pg';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DatabaseConnectionSettings {
  readonly url: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  /** Shown in pg_stat_activity, so operators can tell the connector's connections apart. */
  readonly applicationName?: string;
}

export interface SchemaParts {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly migrations: MixedList<Function | string>;
}

/** One definition shared by the app, the CLI and the TypeORM CLI's data source. */
/**
 * node-postgres with one change: every pooled client has an `error` listener for its whole life.
 * A backend that is terminated (failover, restart, pg_terminate_backend) sends an error that node-pg
 * hands to the active query, to TypeORM's listener while a query runner holds the client, or to the
 * pool's idle listener; but a second error, or one that arrives while the client changes hands,
 * would otherwise be an `error` event nobody listens to, which ends the Node process. The owner
 * still sees every error as before; this listener only keeps a stray one from crashing every
 * tenant's requests (seen under test/database-faults.e2e-spec.ts).
 */
class ClientGuardedPool extends pg.Pool {
  constructor(options?: pg.PoolConfig) {
    super(options);
    this.on('connect', (client) => client.on('error', ignoreStrayClientError));
  }
}

function ignoreStrayClientError(): void {
  // Deliberately empty: see ClientGuardedPool.
}

/** The `pg` module TypeORM drives, with ClientGuardedPool as its Pool. */
export const guardedPg: typeof pg = Object.assign(Object.create(pg) as typeof pg, {
  Pool: ClientGuardedPool,
});

export function buildDataSourceOptions(
  settings: DatabaseConnectionSettings,
  schema: SchemaParts,
): DataSourceOptions {
  return {
    type: 'postgres',
    driver: guardedPg,
    url: settings.url,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install.
    uuidExtension: 'pgcrypto',
    migrationsRun: false,
    logging: false,
    poolSize: settings.poolSize,
    applicationName: settings.applicationName ?? 'scim-connector',
    extra: {
      // Fail fast when the database is away, so health and SCIM answer 503 within the probe's time.
      connectionTimeoutMillis: settings.connectTimeoutMs,
      query_timeout: 55_000,
      keepAlive: true,
    },
  };
}
