import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '#auth';
import { type AppConfig, ConfigModule } from '#config';
import { HealthModule } from '#health';
import { ManagementModule } from '#management';
import { MetricsModule } from '#metrics';
import { OrganizationsModule } from '#organizations';
import { PersistenceModule } from '#persistence';
import { ScimModule } from '#scim';
import { AuditApiModule } from '#audit-api';
import { AuditLogModule } from '#audit-log';
import { SCHEMA } from './database/schema.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';

export interface AppModuleOptions {
  readonly config: AppConfig;
  /** The database actually used: DATABASE_URL or the embedded server's. */
  readonly databaseUrl: string;
  /** Extra modules, for tests that need routes of their own behind the real guard and interceptors. */
  readonly imports?: ModuleMetadata['imports'];
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        PersistenceModule.forRoot(
          {
            url: options.databaseUrl,
            poolSize: config.dbPoolSize,
            connectTimeoutMs: config.dbConnectTimeoutMs,
          },
          SCHEMA,
        ),
        OrganizationsModule,
        AuthModule,
        AuditLogModule,
        AuditApiModule,
        ScimModule,
        ManagementModule,
        HealthModule,
        ...(options.imports ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
