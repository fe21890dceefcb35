import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { DataSource } from 'typeorm';
import { ConnectorMetrics, MetricsModule } from '#metrics';
import { DatabaseNotifications } from './database-notifications.js';
import { watchConnectionPool } from './pool.metrics.js';
import { SqlModule } from './sql.module.js';
import {
  buildDataSourceOptions,
  type DatabaseConnectionSettings,
  type SchemaParts,
} from './data-source.options.js';

/**
 * The data source and the request-scoped transaction: services and repositories reach the current
 * transaction through `TransactionHost` instead of passing it around.
 */
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseConnectionSettings, schema: SchemaParts): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(settings, schema),
            // Let the app start while the database is away; readiness reports it.
            retryAttempts: 0,
          }),
        }),
        ClsModule.forRoot({
          global: true,
          middleware: { mount: true, generateId: false },
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
            }),
          ],
        }),
        SqlModule,
        MetricsModule,
      ],
      providers: [
        { provide: DatabaseNotifications, useFactory: () => new DatabaseNotifications(settings) },
        {
          // Registers the pool gauges' source; nothing injects it.
          provide: 'PERSISTENCE_POOL_METRICS',
          inject: [getDataSourceToken(), ConnectorMetrics],
          useFactory: (dataSource: DataSource, metrics: ConnectorMetrics) =>
            watchConnectionPool(dataSource, metrics, settings.poolSize),
        },
      ],
      exports: [TypeOrmModule, ClsModule, SqlModule, DatabaseNotifications],
    };
  }
}
