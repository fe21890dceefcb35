import { parseArgs } from 'node:util';
import { type INestApplicationContext, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import type { DataSource } from 'typeorm';
import {
  ApiTokensService,
  TokenNotFoundError,
  AuthModule,
  SupportTokenInputError,
  SupportTokenNotFoundError,
  SupportTokensService,
} from '#auth';
import { ConfigError, loadConfig, type AppConfig, ConfigModule } from '#config';
import { AuditApiModule, AuditRetentionService } from '#audit-api';
import { AuditLogModule } from '#audit-log';
import { OrganizationsModule, OrganizationInputError, OrganizationsService } from '#organizations';
import { PersistenceModule, runMigrationsLocked } from '#persistence';
import { GLOBAL_ROLES, isGlobalRole } from '#roles';
import { openDatabase } from '../database/database.provider.js';
import { SCHEMA } from '../database/schema.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes: 0 done, 1 the command failed (unknown id, bad configuration, database away), 2 unknown command or bad arguments. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  required?: string[];
  needsDatabase: boolean;
  run(context: CommandContext): Promise<{ json: unknown; text: string }>;
}

interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  app: INestApplicationContext;
  config: AppConfig;
  /** Progress for long commands; stderr, so --json keeps stdout to one object. */
  progress: (text: string) => void;
}

const COMMANDS: Record<string, Command> = {
  'organizations create': {
    usage: 'organizations create --name <name> --sso-identifier <id> [--json]',
    options: { name: { type: 'string' }, 'sso-identifier': { type: 'string' } },
    required: ['name', 'sso-identifier'],
    needsDatabase: true,
    async run({ values, app }) {
      const organization = await app
        .get(OrganizationsService)
        .create(String(values.name), String(values['sso-identifier']))
        .catch((error: unknown) => {
          throw error instanceof OrganizationInputError ? new UsageError(error.message) : error;
        });
      return {
        json: { id: organization.id, name: organization.name, ssoIdentifier: organization.ssoIdentifier },
        text: `Created organization ${organization.id} (${organization.name}, SSO identifier ${organization.ssoIdentifier})`,
      };
    },
  },
  'organizations list': {
    usage: 'organizations list [--json]',
    options: {},
    needsDatabase: true,
    async run({ app }) {
      const organizations = await app.get(OrganizationsService).list();
      return {
        json: { organizations },
        text: organizations.length
          ? organizations.map((o) => `${o.id}  ${o.ssoIdentifier}  ${o.name}`).join('\n')
          : 'No organizations yet.',
      };
    },
  },
  'tokens issue': {
    usage: `tokens issue --organization <id> --role <${GLOBAL_ROLES.join('|')}> [--name <ci user name>] [--json]`,
    options: { organization: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    required: ['organization', 'role'],
    needsDatabase: true,
    async run({ values, app }) {
      const role = String(values.role);
      if (!isGlobalRole(role)) throw new UsageError(`--role must be one of ${GLOBAL_ROLES.join(', ')}`);
      const issued = await app
        .get(ApiTokensService)
        .issue(String(values.organization), role, typeof values.name === 'string' ? values.name : undefined);
      return {
        json: issued,
        text: `Token ${issued.tokenId} for CI user ${issued.userId} (${role}). Secret, shown only this once:\n${issued.token}`,
      };
    },
  },
  'tokens revoke': {
    usage: 'tokens revoke --id <tokenId> [--json]',
    options: { id: { type: 'string' } },
    required: ['id'],
    needsDatabase: true,
    async run({ values, app }) {
      const revoked = await app.get(ApiTokensService).revoke(String(values.id));
      return { json: revoked, text: `Token ${revoked.id} revoked at ${revoked.revokedAt.toISOString()}` };
    },
  },
  'tokens list': {
    usage: 'tokens list --organization <id> [--json]',
    options: { organization: { type: 'string' } },
    required: ['organization'],
    needsDatabase: true,
    async run({ values, app }) {
      const tokens = await app.get(ApiTokensService).list(String(values.organization));
      return {
        json: { tokens },
        text: tokens.length
          ? tokens
              .map(
                (t) =>
                  `${t.id}  ${t.prefix}  ${t.globalRole}  ${t.userName}  ${t.revokedAt ? 'revoked' : 'active'}  last used ${t.lastUsedAt?.toISOString() ?? 'never'}`,
              )
              .join('\n')
          : 'No tokens.',
      };
    },
  },
  'support-tokens issue': {
    usage: 'support-tokens issue --name <who> [--json]',
    options: { name: { type: 'string' } },
    required: ['name'],
    needsDatabase: true,
    async run({ values, app }) {
      const issued = await app
        .get(SupportTokensService)
        .issue(String(values.name))
        .catch((error: unknown) => {
          throw error instanceof SupportTokenInputError ? new UsageError(error.message) : error;
        });
      return {
        json: issued,
        text: `Support token ${issued.tokenId} for the audit API. Secret, shown only this once:\n${issued.token}`,
      };
    },
  },
  'support-tokens revoke': {
    usage: 'support-tokens revoke --id <tokenId> [--json]',
    options: { id: { type: 'string' } },
    required: ['id'],
    needsDatabase: true,
    async run({ values, app }) {
      const revoked = await app.get(SupportTokensService).revoke(String(values.id));
      return {
        json: revoked,
        text: `Support token ${revoked.id} revoked at ${revoked.revokedAt.toISOString()}`,
      };
    },
  },
  'support-tokens list': {
    usage: 'support-tokens list [--json]',
    options: {},
    needsDatabase: true,
    async run({ app }) {
      const tokens = await app.get(SupportTokensService).list();
      return {
        json: { supportTokens: tokens },
        text: tokens.length
          ? tokens
              .map(
                (t) =>
                  `${t.id}  ${t.prefix}  ${t.name}  ${t.revokedAt ? 'revoked' : 'active'}  last used ${t.lastUsedAt?.toISOString() ?? 'never'}`,
              )
              .join('\n')
          : 'No support tokens.',
      };
    },
  },
  'audit prune': {
    usage: 'audit prune [--older-than-days <n>] [--json]',
    options: { 'older-than-days': { type: 'string' } },
    needsDatabase: true,
    async run({ values, app, config, progress }) {
      const given = values['older-than-days'];
      const days = typeof given === 'string' ? Number(given) : config.auditRetentionDays;
      if (!Number.isInteger(days) || days < 1) {
        throw new UsageError(
          `--older-than-days must be a whole number of days, at least 1 (got "${String(given)}")`,
        );
      }
      const { deleted, cutoff } = await app
        .get(AuditRetentionService)
        .prune(days, (soFar) => progress(`deleted ${soFar} audit events so far\n`));
      return {
        json: { deleted, olderThanDays: days, cutoff },
        text: `Deleted ${deleted} audit event(s) older than ${days} days (before ${cutoff.toISOString()}).`,
      };
    },
  },
  migrate: {
    usage: 'migrate [--json]',
    options: {},
    needsDatabase: true,
    async run({ app }) {
      const applied = await runMigrationsLocked(app.get<DataSource>(getDataSourceToken()));
      return {
        json: { applied },
        text: applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'Schema is up to date.',
      };
    },
  },
};

function usage(): string {
  return `Usage: npm run --silent cli -- <command>\n\nCommands:\n${Object.values(COMMANDS)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n`;
}

function resolveCommand(argv: string[]): { name: string; command: Command; rest: string[] } {
  const two = argv.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { name: two, command: COMMANDS[two], rest: argv.slice(2) };
  const one = argv[0] ?? '';
  if (COMMANDS[one]) return { name: one, command: COMMANDS[one], rest: argv.slice(1) };
  throw new UsageError(argv.length ? `unknown command "${argv.join(' ')}"` : 'no command given');
}

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

/** Runs one operator command; never throws, returns the process exit code. */
export async function runCli(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === 'help')) {
    io.stdout(usage());
    return EXIT_OK;
  }
  let json = false;
  let app: INestApplicationContext | undefined;
  let closeDatabase: (() => Promise<void>) | undefined;
  try {
    const { name, command, rest } = resolveCommand(argv);
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: rest,
        options: { ...command.options, json: { type: 'boolean' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(
        `${name}: ${error instanceof Error ? error.message : String(error)}; usage: ${command.usage}`,
      );
    }
    json = values.json === true;
    for (const option of command.required ?? []) {
      if (typeof values[option] !== 'string' || values[option] === '') {
        throw new UsageError(`${name}: --${option} is required; usage: ${command.usage}`);
      }
    }
    const config = loadConfig(env);
    const database = await openDatabase(config);
    closeDatabase = () => database.close();
    app = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), {
      logger: false,
      abortOnError: false,
    });
    const context: CommandContext = { values, app, config, progress: io.stderr };
    const result = await app.get(ClsService).run(() => command.run(context));
    io.stdout(json ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return EXIT_OK;
  } catch (error) {
    const code = error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
    const message =
      error instanceof ConfigError
        ? `configuration error: ${error.problems.join('; ')}`
        : error instanceof UsageError ||
            error instanceof TokenNotFoundError ||
            error instanceof SupportTokenNotFoundError
          ? error.message
          : `failed: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr(`error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    return code;
  } finally {
    await app?.close();
    await closeDatabase?.();
  }
}
