import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '../../../libs/auth/src/auth.module.js';
import type { AppConfig } from '../../../libs/config/src/app.config.js';
import { ConfigModule } from '../../../libs/config/src/config.module.js';
import { HealthModule } from '../../../libs/health/src/health.module.js';
import { ManagementModule } from '../../../libs/management/src/management.module.js';
import { OrganizationsModule } from '../../../libs/organizations/src/organizations.module.js';
import { PersistenceModule } from '../../../libs/persistence/src/persistence.module.js';
import { ScimModule } from '../../../libs/scim/src/scim.module.js';
import { SyncAuditModule } from '../../../libs/sync-audit/src/sync-audit.module.js';
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
        SyncAuditModule,
        ScimModule,
        ManagementModule,
        HealthModule,
        ...(options.imports ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
