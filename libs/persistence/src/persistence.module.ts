import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
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
      ],
      exports: [TypeOrmModule, ClsModule, SqlModule],
    };
  }
}
