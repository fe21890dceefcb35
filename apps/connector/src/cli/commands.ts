import type { DataSource } from 'typeorm';
import { GLOBAL_ROLES, isGlobalRole } from '#roles';
import { formatAuditEvents, formatAuditSummary, formatDuration } from './audit-format.js';
import type * as Lib from './nest-context.js';

/*
 * The command table: each command's name, summary, flags (with descriptions) and handler in one
 * place, so the parser, `--help` and README's list come from the same data. It is built on Node's
 * own `util.parseArgs` rather than a library (commander would fit too): the CLI must run in-process
 * in tests with injected stdout/stderr, keep every error to one line with our exit codes, and load
 * nothing heavy before it knows it has a command to run; a table of a dozen commands is less code
 * than bending a framework's exit and output handling to that.
 */

/** What the operator typed wrong: exit code 2. */
export class UsageError extends Error {}

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in usage lines, e.g. `<id>`. */
  value?: string;
  description: string;
  required?: boolean;
}

export interface CommandResult {
  /** Printed with --json: one object. */
  json: unknown;
  /** Printed otherwise. */
  text: string;
}

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  /** The heavy half of the CLI (Nest, the libraries), loaded once a command runs. */
  lib: typeof Lib;
  cli: Lib.CliApplication;
  /** Progress of long commands: stderr, so stdout keeps only the result (one object with --json). */
  progress: (text: string) => void;
}

export interface CommandSpec {
  /** One or two words: `migrate`, `tokens issue`. */
  name: string;
  /** One line, for the command list and the top of its help. */
  summary: string;
  /** More lines for its help, when there is more to say. */
  details?: string;
  flags: Record<string, FlagSpec>;
  run(context: CommandContext): Promise<CommandResult>;
}

/** Flags every command takes; parsed with the command's own. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', description: 'Print exactly one JSON object on stdout (errors too).' },
  help: { type: 'boolean', description: 'Show this help and exit.' },
};

/** The summaries of command groups (the first word), for `<group> --help` and the command list. */
export const GROUPS: Record<string, string> = {
  organizations: 'Organizations (tenants), each with its own Tenant URL.',
  tokens: "API tokens of CI users: Entra's Secret Token, and management API tokens.",
  'support-tokens': 'Tokens of support staff for the audit API.',
  audit: 'The sync audit: query events, sum up an organization, prune old events.',
};

const text = (values: CommandContext['values'], name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/** A flag's value where the command made it required (the parser has checked it is there). */
const required = (values: CommandContext['values'], name: string): string => String(values[name]);

const iso = (at: Date | null | undefined): string => at?.toISOString() ?? 'never';

/** Audit event filters: flag -> the audit API's query parameter, so the API's validation applies as is. */
const AUDIT_FILTERS: Record<string, { parameter: string; flag: FlagSpec }> = {
  organization: {
    parameter: 'organizationId',
    flag: { type: 'string', value: '<id>', description: "Only this organization's events." },
  },
  source: {
    parameter: 'source',
    flag: {
      type: 'string',
      value: '<scim|manual>',
      description: "scim: Entra's requests; manual: changes made through the management API.",
    },
  },
  from: {
    parameter: 'from',
    flag: { type: 'string', value: '<time>', description: 'At or after this instant (ISO 8601).' },
  },
  to: {
    parameter: 'to',
    flag: { type: 'string', value: '<time>', description: 'Strictly before this instant (ISO 8601).' },
  },
  outcome: {
    parameter: 'outcome',
    flag: { type: 'string', value: '<success|failure>', description: 'How the request ended.' },
  },
  status: {
    parameter: 'status',
    flag: { type: 'string', value: '<code>', description: 'HTTP status answered, e.g. 409.' },
  },
  method: {
    parameter: 'method',
    flag: { type: 'string', value: '<method>', description: 'HTTP method (any case).' },
  },
  operation: {
    parameter: 'operation',
    flag: {
      type: 'string',
      value: '<operation>',
      description: 'e.g. create, update, delete, query, test-connection; manual: grant, revoke, ...',
    },
  },
  'resource-type': {
    parameter: 'resourceType',
    flag: { type: 'string', value: '<type>', description: 'User, Group, Project, SigningPolicy, ...' },
  },
  'resource-id': {
    parameter: 'resourceId',
    flag: { type: 'string', value: '<id>', description: "The connector's id of the user or group (exact)." },
  },
  'external-id': {
    parameter: 'externalId',
    flag: { type: 'string', value: '<id>', description: 'externalId as Entra sent it (exact).' },
  },
  'user-name': {
    parameter: 'userName',
    flag: { type: 'string', value: '<name>', description: 'The user, by userName (case-insensitive).' },
  },
  'display-name': {
    parameter: 'displayName',
    flag: {
      type: 'string',
      value: '<name>',
      description: "The group, by displayName (case-insensitive); a manual change's label.",
    },
  },
  'request-id': {
    parameter: 'requestId',
    flag: { type: 'string', value: '<id>', description: 'The X-Request-Id the connector answered.' },
  },
  text: {
    parameter: 'q',
    flag: {
      type: 'string',
      value: '<text>',
      description: 'Free text in the error detail (case-insensitive).',
    },
  },
};

const AUDIT_MODE_FLAGS: Record<string, FlagSpec> = {
  'dry-run': { type: 'boolean', description: 'Only requests to the dry-run Tenant URL.' },
  live: { type: 'boolean', description: 'Only requests to the live Tenant URL.' },
};

/** Runs the migrations, telling `progress` of each as it starts and once it has committed. */
async function migrateWithProgress(
  lib: typeof Lib,
  dataSource: DataSource,
  progress: (text: string) => void,
): Promise<string[]> {
  // TypeORM commits a migration (and records it) after its `up` returns, before the next one
  // starts: a migration is reported done when the next starts, or when the run returns.
  let running: { name: string; startedAt: number } | undefined;
  const finish = () => {
    if (running)
      progress(`migrate: ${running.name} done in ${formatDuration(performance.now() - running.startedAt)}\n`);
    running = undefined;
  };
  for (const migration of dataSource.migrations) {
    const up = migration.up.bind(migration);
    const name = migration.name ?? migration.constructor.name;
    migration.up = async (queryRunner) => {
      finish();
      progress(`migrate: ${name} ...\n`);
      running = { name, startedAt: performance.now() };
      await up(queryRunner);
    };
  }
  const applied = await lib.runMigrationsLocked(dataSource);
  finish();
  return applied;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'organizations create',
    summary: 'Create an organization; prints its id.',
    details: 'The SSO identifier prefixes user identities (<sso-identifier>:<objectId>).',
    flags: {
      name: { type: 'string', value: '<name>', required: true, description: 'Display name.' },
      'sso-identifier': {
        type: 'string',
        value: '<id>',
        required: true,
        description: 'SSO identifier (no colon).',
      },
    },
    async run({ values, cli, lib }) {
      const organization = await cli.app
        .get(lib.OrganizationsService)
        .create(required(values, 'name'), required(values, 'sso-identifier'))
        .catch((error: unknown) => {
          throw error instanceof lib.OrganizationInputError ? new UsageError(error.message) : error;
        });
      return {
        json: { id: organization.id, name: organization.name, ssoIdentifier: organization.ssoIdentifier },
        text: `Created organization ${organization.id} (${organization.name}, SSO identifier ${organization.ssoIdentifier})`,
      };
    },
  },
  {
    name: 'organizations list',
    summary: 'List organizations.',
    flags: {},
    async run({ cli, lib }) {
      const organizations = await cli.app.get(lib.OrganizationsService).list();
      return {
        json: { organizations },
        text: organizations.length
          ? organizations.map((o) => `${o.id}  ${o.ssoIdentifier}  ${o.name}`).join('\n')
          : 'No organizations yet.',
      };
    },
  },
  {
    name: 'tokens issue',
    summary: 'Create a CI user with a global role and an API token for it; the secret is shown once.',
    details:
      "DirectorySynchronizer is Entra's Secret Token; any other global role is a management API token.\nOnly the secret's SHA-256 hash is stored.",
    flags: {
      organization: { type: 'string', value: '<id>', required: true, description: "The organization's id." },
      role: {
        type: 'string',
        value: '<role>',
        required: true,
        description: `Global role: ${GLOBAL_ROLES.join(', ')}.`,
      },
      name: { type: 'string', value: '<name>', description: "The CI user's userName (a default otherwise)." },
    },
    async run({ values, cli, lib }) {
      const role = required(values, 'role');
      if (!isGlobalRole(role)) throw new UsageError(`--role must be one of ${GLOBAL_ROLES.join(', ')}`);
      const issued = await cli.app
        .get(lib.ApiTokensService)
        .issue(required(values, 'organization'), role, text(values, 'name'));
      return {
        json: issued,
        text: `Token ${issued.tokenId} for CI user ${issued.userId} (${role}). Secret, shown only this once:\n${issued.token}`,
      };
    },
  },
  {
    name: 'tokens revoke',
    summary: 'Revoke an API token: every replica refuses it within a second.',
    flags: { id: { type: 'string', value: '<tokenId>', required: true, description: "The token's id." } },
    async run({ values, cli, lib }) {
      const revoked = await cli.app.get(lib.ApiTokensService).revoke(required(values, 'id'));
      return { json: revoked, text: `Token ${revoked.id} revoked at ${revoked.revokedAt.toISOString()}` };
    },
  },
  {
    name: 'tokens list',
    summary: "List an organization's API tokens (never their secrets), with last use.",
    flags: {
      organization: { type: 'string', value: '<id>', required: true, description: "The organization's id." },
    },
    async run({ values, cli, lib }) {
      const tokens = await cli.app.get(lib.ApiTokensService).list(required(values, 'organization'));
      return {
        json: { tokens },
        text: tokens.length
          ? tokens
              .map(
                (t) =>
                  `${t.id}  ${t.prefix}  ${t.globalRole}  ${t.userName}  ${t.revokedAt ? 'revoked' : 'active'}  last used ${iso(t.lastUsedAt)}`,
              )
              .join('\n')
          : 'No tokens.',
      };
    },
  },
  {
    name: 'support-tokens issue',
    summary: 'Issue a support token for the audit API; the secret is shown once.',
    flags: {
      name: { type: 'string', value: '<who>', required: true, description: 'Who holds it, e.g. an email.' },
    },
    async run({ values, cli, lib }) {
      const issued = await cli.app
        .get(lib.SupportTokensService)
        .issue(required(values, 'name'))
        .catch((error: unknown) => {
          throw error instanceof lib.SupportTokenInputError ? new UsageError(error.message) : error;
        });
      return {
        json: issued,
        text: `Support token ${issued.tokenId} for the audit API. Secret, shown only this once:\n${issued.token}`,
      };
    },
  },
  {
    name: 'support-tokens revoke',
    summary: 'Revoke a support token at once.',
    flags: { id: { type: 'string', value: '<tokenId>', required: true, description: "The token's id." } },
    async run({ values, cli, lib }) {
      const revoked = await cli.app.get(lib.SupportTokensService).revoke(required(values, 'id'));
      return {
        json: revoked,
        text: `Support token ${revoked.id} revoked at ${revoked.revokedAt.toISOString()}`,
      };
    },
  },
  {
    name: 'support-tokens list',
    summary: 'List support tokens (never their secrets), with last use.',
    flags: {},
    async run({ cli, lib }) {
      const tokens = await cli.app.get(lib.SupportTokensService).list();
      return {
        json: { supportTokens: tokens },
        text: tokens.length
          ? tokens
              .map(
                (t) =>
                  `${t.id}  ${t.prefix}  ${t.name}  ${t.revokedAt ? 'revoked' : 'active'}  last used ${iso(t.lastUsedAt)}`,
              )
              .join('\n')
          : 'No support tokens.',
      };
    },
  },
  {
    name: 'audit events',
    summary: "Audit events, newest first, with the audit API's filters; a page at a time.",
    details:
      "Filters combine with AND. The next page: the same filters with --after <cursor> (printed\nbelow the table; nextCursor with --json, which prints the API's JSON).",
    flags: {
      ...Object.fromEntries(Object.entries(AUDIT_FILTERS).map(([name, { flag }]) => [name, flag])),
      ...AUDIT_MODE_FLAGS,
      limit: { type: 'string', value: '<n>', description: 'Events per page, 1 to 500 (default 50).' },
      after: { type: 'string', value: '<cursor>', description: 'The cursor printed by the previous page.' },
    },
    async run({ values, cli, lib }) {
      if (values['dry-run'] === true && values.live === true) {
        throw new UsageError('--dry-run and --live exclude each other');
      }
      const raw: Record<string, string> = {};
      const flagOf: Record<string, string> = { limit: 'limit', cursor: 'after', dryRun: 'dry-run' };
      for (const [name, { parameter }] of Object.entries(AUDIT_FILTERS)) {
        const value = text(values, name);
        if (value !== undefined) raw[parameter] = value;
        flagOf[parameter] = name;
      }
      if (values['dry-run'] === true) raw.dryRun = 'true';
      if (values.live === true) raw.dryRun = 'false';
      const limit = text(values, 'limit');
      if (limit !== undefined) raw.limit = limit;
      const after = text(values, 'after');
      if (after !== undefined) raw.cursor = after;
      const { query, problems } = await lib.parseAuditQuery(raw);
      if (problems.length) {
        throw new UsageError(
          problems
            .map(
              ({ property, message }) =>
                `--${flagOf[property] ?? property}: ${message.replace(`${property} `, '')}`,
            )
            .join('; '),
        );
      }
      const { limit: pageSize, cursor, ...filters } = query;
      const page = await cli.app
        .get(lib.AuditEventsService)
        .list(lib.CLI_AUDIT_READER, filters, pageSize ?? lib.DEFAULT_PAGE_SIZE, cursor);
      return { json: page, text: formatAuditEvents(page, { showOrganization: !filters.organizationId }) };
    },
  },
  {
    name: 'audit summary',
    summary: "An organization's sync health at a glance (the audit API's summary).",
    flags: {
      organization: { type: 'string', value: '<id>', required: true, description: "The organization's id." },
    },
    async run({ values, cli, lib }) {
      const organizationId = required(values, 'organization');
      if (!lib.isUuid(organizationId))
        throw new UsageError(`--organization must be a UUID (got "${organizationId}")`);
      const summary = await cli.app
        .get(lib.AuditSummaryService)
        .summary(lib.CLI_AUDIT_READER, organizationId);
      return { json: summary, text: formatAuditSummary(summary) };
    },
  },
  {
    name: 'audit prune',
    summary: 'Delete audit events older than n days, 5,000 rows per statement; progress on stderr.',
    details: 'Each batch is its own short transaction: it can be interrupted and rerun.',
    flags: {
      'older-than-days': {
        type: 'string',
        value: '<n>',
        description: 'Age in whole days, at least 1 (default AUDIT_RETENTION_DAYS).',
      },
    },
    async run({ values, cli, lib, progress }) {
      const given = text(values, 'older-than-days');
      const days = given !== undefined ? Number(given) : cli.config.auditRetentionDays;
      if (!Number.isInteger(days) || days < 1) {
        throw new UsageError(
          `--older-than-days must be a whole number of days, at least 1 (got "${String(given)}")`,
        );
      }
      const startedAt = performance.now();
      const { deleted, cutoff } = await cli.app
        .get(lib.AuditRetentionService)
        .prune(days, (soFar) =>
          progress(
            `deleted ${soFar} audit events so far (${formatDuration(performance.now() - startedAt)} elapsed)\n`,
          ),
        );
      return {
        json: { deleted, olderThanDays: days, cutoff },
        text: `Deleted ${deleted} audit event(s) older than ${days} days (before ${cutoff.toISOString()}) in ${formatDuration(performance.now() - startedAt)}.`,
      };
    },
  },
  {
    name: 'migrate',
    summary: 'Apply pending database migrations, one transaction each; progress on stderr.',
    details: 'Replicas starting together run them once: an advisory lock serializes them.',
    flags: {},
    async run({ cli, lib, progress }) {
      const startedAt = performance.now();
      const applied = await migrateWithProgress(
        lib,
        cli.app.get<DataSource>(lib.getDataSourceToken()),
        progress,
      );
      const took = formatDuration(performance.now() - startedAt);
      return {
        json: { applied },
        text: applied.length
          ? `Applied ${applied.length} migration(s) in ${took}: ${applied.join(', ')}`
          : 'Schema is up to date.',
      };
    },
  },
];
