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
export function buildDataSourceOptions(
  settings: DatabaseConnectionSettings,
  schema: SchemaParts,
): DataSourceOptions {
  return {
    type: 'postgres',
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
