import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

const environmentSchema = z.object({
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), postgresUrl.optional()),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default('.data/postgres'),
  PORT: positiveInt(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ message: 'must be an absolute http(s) URL' }).optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: positiveInt(1, 500).default(20),
  DB_CONNECT_TIMEOUT_MS: positiveInt(100, 60_000).default(2_000),
  SCIM_BODY_LIMIT_BYTES: positiveInt(1_024, 100 * 1024 * 1024).default(8 * 1024 * 1024),
  SCIM_MAX_PAGE_SIZE: positiveInt(1, 10_000).default(1_000),
  SCIM_DEFAULT_PAGE_SIZE: positiveInt(1, 10_000).default(100),
  BOOTSTRAP_DEMO_ORGANIZATION: booleanFromEnv.default(true),
  MIGRATE_ON_START: booleanFromEnv.default(true),
  SHUTDOWN_GRACE_MS: positiveInt(0, 120_000).default(10_000),
  AUDIT_RETENTION_DAYS: positiveInt(1, 36_500).default(90),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface AppConfig {
  /** Connection string of an external PostgreSQL; undefined means "start the embedded server". */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresDir: string;
  readonly port: number;
  readonly host: string;
  /** Base URL printed to operators and used in SCIM `meta.location`; derived from HOST/PORT when unset. */
  readonly publicBaseUrl: string | undefined;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly dbPoolSize: number;
  readonly dbConnectTimeoutMs: number;
  readonly scimBodyLimitBytes: number;
  readonly scimMaxPageSize: number;
  readonly scimDefaultPageSize: number;
  readonly bootstrapDemoOrganization: boolean;
  readonly migrateOnStart: boolean;
  readonly shutdownGraceMs: number;
  /** Age in days after which `audit prune` deletes sync audit events. */
  readonly auditRetentionDays: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** Reads and validates the environment once at boot; every problem names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = issue.path.join('.');
        const got = env[variable];
        return `${variable} ${issue.message}${got === undefined ? '' : ` (got "${got}")`}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.SCIM_DEFAULT_PAGE_SIZE > e.SCIM_MAX_PAGE_SIZE) {
    throw new ConfigError([
      `SCIM_DEFAULT_PAGE_SIZE must not exceed SCIM_MAX_PAGE_SIZE (${e.SCIM_DEFAULT_PAGE_SIZE} > ${e.SCIM_MAX_PAGE_SIZE})`,
    ]);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    embeddedPostgresDir: e.EMBEDDED_POSTGRES_DIR,
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    dbPoolSize: e.DB_POOL_SIZE,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    scimBodyLimitBytes: e.SCIM_BODY_LIMIT_BYTES,
    scimMaxPageSize: e.SCIM_MAX_PAGE_SIZE,
    scimDefaultPageSize: e.SCIM_DEFAULT_PAGE_SIZE,
    bootstrapDemoOrganization: e.BOOTSTRAP_DEMO_ORGANIZATION,
    migrateOnStart: e.MIGRATE_ON_START,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
