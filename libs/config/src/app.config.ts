import { isIP } from 'node:net';
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

/** Addresses and CIDR ranges, as Fastify's trustProxy (proxy-addr) takes them. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/**
 * TRUST_PROXY: unset or `false` (the client address is the peer's), `true` (the left-most
 * X-Forwarded-For entry, only behind a proxy that overwrites it), a hop count (trust that many
 * proxies), or a comma-separated list of proxy addresses / CIDR ranges.
 */
function parseTrustProxy(value: string | undefined, context: z.RefinementCtx): TrustProxy {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops <= 100) return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.every(isAddressOrCidr)) return entries;
  context.addIssue({
    code: 'custom',
    message: 'must be false, true, a hop count (0-100), or a comma-separated list of addresses/CIDRs',
  });
  return false;
}

export type TrustProxy = boolean | number | string[];

const environmentSchema = z.object({
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), postgresUrl.optional()),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default('.data/postgres'),
  PORT: positiveInt(0, 65535).default(3000),
  MANAGEMENT_PORT: positiveInt(0, 65535).default(9464),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ message: 'must be an absolute http(s) URL' }).optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { message: 'must be auto, json or pretty' }).default('auto'),
  DB_POOL_SIZE: positiveInt(1, 500).default(20),
  DB_CONNECT_TIMEOUT_MS: positiveInt(100, 60_000).default(2_000),
  SCIM_BODY_LIMIT_BYTES: positiveInt(1_024, 100 * 1024 * 1024).default(8 * 1024 * 1024),
  SCIM_MAX_PAGE_SIZE: positiveInt(1, 10_000).default(1_000),
  SCIM_DEFAULT_PAGE_SIZE: positiveInt(1, 10_000).default(100),
  SCIM_HEAVY_READS_MAX: positiveInt(1, 1_000).default(8),
  TOKEN_CACHE_TTL_MS: positiveInt(0, 3_600_000).default(30_000),
  TOKEN_CACHE_MAX_ENTRIES: positiveInt(1, 1_000_000).default(10_000),
  SCIM_HEAVY_READS_PER_ORGANIZATION: positiveInt(1, 1_000).default(4),
  SCIM_LIST_MAX_MEMBERS: positiveInt(1, 1_000_000).default(10_000),
  BOOTSTRAP_DEMO_ORGANIZATION: booleanFromEnv.default(true),
  MIGRATE_ON_START: booleanFromEnv.default(true),
  SHUTDOWN_GRACE_MS: positiveInt(0, 120_000).default(10_000),
  AUDIT_RETENTION_DAYS: positiveInt(1, 36_500).default(90),
  // Limits of /scim (docs/limits.md); 0 switches one off. Per process: N replicas allow N times these.
  SCIM_ORG_CONCURRENCY: positiveInt(0, 10_000).default(16),
  SCIM_ORG_RATE_PER_SECOND: positiveInt(0, 100_000).default(100),
  SCIM_ORG_RATE_BURST: positiveInt(1, 100_000).default(200),
  SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: positiveInt(0, 100_000).default(60),
  SCIM_AUTH_FAILURES_PER_MINUTE_PER_TOKEN: positiveInt(0, 100_000).default(20),
  SCIM_LIMITER_MAX_KEYS: positiveInt(100, 10_000_000).default(10_000),
  SCIM_REFUSAL_DELAY_MS: positiveInt(0, 60_000).default(1_000),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, context) => parseTrustProxy(value, context)),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface AppConfig {
  /** Connection string of an external PostgreSQL; undefined means "start the embedded server". */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresDir: string;
  readonly port: number;
  /** The management listener (/metrics, /health/*) on HOST; 0 picks a free port. */
  readonly managementPort: number;
  readonly host: string;
  /** Base URL printed to operators and used in SCIM `meta.location`; derived from HOST/PORT when unset. */
  readonly publicBaseUrl: string | undefined;
  readonly logLevel: Environment['LOG_LEVEL'];
  /** `json` lines, `pretty` (pino-pretty), or `auto`: pretty when stdout is a terminal. */
  readonly logFormat: Environment['LOG_FORMAT'];
  readonly dbPoolSize: number;
  readonly dbConnectTimeoutMs: number;
  readonly scimBodyLimitBytes: number;
  readonly scimMaxPageSize: number;
  readonly scimDefaultPageSize: number;
  /** Heavy SCIM reads (a group's members streamed, a list with members) in flight in this process. */
  readonly scimHeavyReadsMax: number;
  /** The same, per organization. */
  readonly scimHeavyReadsPerOrganization: number;
  /** Member entries one list response (`GET /Groups`, `.search`) may embed; more answer 400 tooMany. */
  readonly scimListMaxMembers: number;
  /**
   * Verified API tokens kept in process (evicted on revocation, deactivation or role change through
   * LISTEN/NOTIFY; the TTL is a backstop); ttlMs 0 = no cache.
   */
  readonly tokenCache: { readonly ttlMs: number; readonly maxEntries: number };
  readonly bootstrapDemoOrganization: boolean;
  readonly migrateOnStart: boolean;
  readonly shutdownGraceMs: number;
  /** Age in days after which `audit prune` deletes sync audit events. */
  readonly auditRetentionDays: number;
  /** Fastify's trustProxy: whose X-Forwarded-For decides the client address (docs/limits.md). */
  readonly trustProxy: TrustProxy;
  /** Per-organization and failed-authentication limits of /scim (docs/limits.md); 0 = off. */
  readonly scimLimits: {
    readonly organizationConcurrency: number;
    readonly organizationRatePerSecond: number;
    readonly organizationBurst: number;
    readonly authFailuresPerMinutePerAddress: number;
    readonly authFailuresPerMinutePerTokenPrefix: number;
    readonly maxTrackedKeys: number;
    /** How long a 429 waits before it is answered (at most its Retry-After); 0 = at once. */
    readonly refusalDelayMs: number;
  };
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
        // A URL carries the database password: never echoed into a log line or a Job's output.
        const got = /URL$/.test(variable) ? undefined : env[variable];
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
    managementPort: e.MANAGEMENT_PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    dbPoolSize: e.DB_POOL_SIZE,
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    scimBodyLimitBytes: e.SCIM_BODY_LIMIT_BYTES,
    scimMaxPageSize: e.SCIM_MAX_PAGE_SIZE,
    scimDefaultPageSize: e.SCIM_DEFAULT_PAGE_SIZE,
    scimHeavyReadsMax: e.SCIM_HEAVY_READS_MAX,
    tokenCache: { ttlMs: e.TOKEN_CACHE_TTL_MS, maxEntries: e.TOKEN_CACHE_MAX_ENTRIES },
    scimHeavyReadsPerOrganization: e.SCIM_HEAVY_READS_PER_ORGANIZATION,
    scimListMaxMembers: e.SCIM_LIST_MAX_MEMBERS,
    bootstrapDemoOrganization: e.BOOTSTRAP_DEMO_ORGANIZATION,
    migrateOnStart: e.MIGRATE_ON_START,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    trustProxy: e.TRUST_PROXY,
    scimLimits: {
      organizationConcurrency: e.SCIM_ORG_CONCURRENCY,
      organizationRatePerSecond: e.SCIM_ORG_RATE_PER_SECOND,
      organizationBurst: e.SCIM_ORG_RATE_BURST,
      authFailuresPerMinutePerAddress: e.SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS,
      authFailuresPerMinutePerTokenPrefix: e.SCIM_AUTH_FAILURES_PER_MINUTE_PER_TOKEN,
      maxTrackedKeys: e.SCIM_LIMITER_MAX_KEYS,
      refusalDelayMs: e.SCIM_REFUSAL_DELAY_MS,
    },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
