import 'reflect-metadata';
import { HttpException, type INestApplicationContext, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ClsService } from 'nestjs-cls';
import { SupportTokenNotFoundError, TokenNotFoundError, AuthModule } from '#auth';
import { ConfigError, loadConfig, type AppConfig, ConfigModule } from '#config';
import { AuditApiModule, AuditEventsQueryDto, type AuditReader } from '#audit-api';
import { AuditLogModule } from '#audit-log';
import { OrganizationsModule } from '#organizations';
import { PersistenceModule } from '#persistence';
import { openDatabase } from '../database/database.provider.js';
import { SCHEMA } from '../database/schema.js';

/*
 * Everything heavy the commands need (Nest, TypeORM, the libraries), loaded only once a command
 * runs: `--help`, `--version` and bad usage answer without it, in a fraction of the time.
 */

export { getDataSourceToken } from '@nestjs/typeorm';
export { ApiTokensService, SupportTokenInputError, SupportTokensService } from '#auth';
export {
  AuditEventsService,
  AuditRetentionService,
  AuditSummaryService,
  DEFAULT_PAGE_SIZE,
} from '#audit-api';
export { OrganizationInputError, OrganizationsService } from '#organizations';
export { isUuid, runMigrationsLocked } from '#persistence';

/** Whoever runs the CLI has the database in hand: they read the audit as support staff do, every organization. */
export const CLI_AUDIT_READER: AuditReader = {
  kind: 'support',
  supportTokenId: 'operator-cli',
  name: 'operator command line',
};

@Module({})
class CliModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [
        // The same infrastructure as the server: services may rely on configuration and the
        // audit trail (a no-op outside HTTP requests).
        ConfigModule.forRoot(config),
        AuditLogModule,
        PersistenceModule.forRoot(
          { url: databaseUrl, poolSize: 2, connectTimeoutMs: 5_000, applicationName: 'scim-connector-cli' },
          SCHEMA,
        ),
        OrganizationsModule,
        AuthModule,
        AuditApiModule,
      ],
    };
  }
}

export interface CliApplication {
  readonly app: INestApplicationContext;
  readonly config: AppConfig;
  /** Runs `work` in a CLS context, as services expect (transactions, audit trail). */
  run<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Loads the configuration, opens the database (DATABASE_URL or the embedded server) and the Nest context. */
export async function openCliApplication(env: NodeJS.ProcessEnv): Promise<CliApplication> {
  const config = loadConfig(env);
  const database = await openDatabase(config);
  try {
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), {
      logger: false,
      abortOnError: false,
    });
    return {
      app,
      config,
      run: (work) => app.get(ClsService).run(work),
      async close() {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * The audit API's own validation of a query (class-validator on its DTO, unknown filters refused),
 * so the CLI accepts exactly what the API does. `raw` holds text, as a query string would.
 * Returns the problems, each naming the DTO property.
 */
export async function parseAuditQuery(
  raw: Record<string, string>,
): Promise<{ query: AuditEventsQueryDto; problems: { property: string; message: string }[] }> {
  const query = plainToInstance(AuditEventsQueryDto, raw);
  const errors = await validate(query, { whitelist: true, forbidNonWhitelisted: true });
  return {
    query,
    problems: errors.flatMap((error) =>
      Object.values(error.constraints ?? {}).map((message) => ({ property: error.property, message })),
    ),
  };
}

/**
 * How a failed command ends: exit 2 for what the operator typed wrong (the API's 400s, e.g. `from`
 * after `to`), exit 1 for the rest; the message is the library's own where it is meant for people.
 */
export function describeFailure(error: unknown): { usage: boolean; message: string } {
  if (error instanceof ConfigError) {
    return { usage: false, message: `configuration error: ${error.problems.join('; ')}` };
  }
  if (error instanceof TokenNotFoundError || error instanceof SupportTokenNotFoundError) {
    return { usage: false, message: error.message };
  }
  if (error instanceof HttpException) {
    return { usage: error.getStatus() === 400, message: error.message };
  }
  return { usage: false, message: `failed: ${error instanceof Error ? error.message : String(error)}` };
}
