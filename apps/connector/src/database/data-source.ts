import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '#persistence';
import { SCHEMA } from './schema.js';

/**
 * For the TypeORM CLI only (`npx typeorm migration:generate -d dist/apps/connector/src/database/data-source.js`),
 * which needs a module exporting exactly one DataSource. The app builds its own from the same options.
 */
export default new DataSource(
  buildDataSourceOptions(
    {
      url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      poolSize: 2,
      connectTimeoutMs: 5_000,
    },
    SCHEMA,
  ),
);
