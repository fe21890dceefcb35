import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Label values are always from small fixed sets (resource type, operation, outcome, status class,
 * mode, limit kind): never an organization, user, token or raw path, so the number of series stays
 * the same however many tenants the connector serves.
 */
export type ScimMode = 'live' | 'dry_run';
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface ScimRequestObservation {
  /** `User`, `Group`, `ServiceProviderConfig`, `ResourceType`, `Schema`, or `other`. */
  resource: string;
  /** `create`, `read`, `query`, `update`, `replace`, `delete`, `discovery`, `test-connection`, or `other`. */
  operation: string;
  status: number;
  dryRun: boolean;
  durationSeconds: number;
}

/** Where the audit writer failed: the batch (then retried row by row), one row, or the database was away. */
export type AuditFailureStage = 'batch' | 'row' | 'unavailable';

/** A gauge read at scrape time from whatever registered a source; 0 while nothing has. */
function sampledGauge(registry: Registry, name: string, help: string, read: () => number | undefined) {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read() ?? 0);
    },
  });
}

/** Seconds-based buckets from 5 ms to 10 s: SCIM calls are tens of ms, slow ones are seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Audit batch inserts: one statement, usually a few ms. */
const FLUSH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The connector's metrics, one registry per application (tests run several apps in one process).
 * Served as Prometheus text on the management port (`/metrics`, libs/health's ManagementServer).
 */
export class ConnectorMetrics {
  readonly registry = new Registry();
  private defaultsStarted = false;
  private pool: (() => PoolCounts | undefined) | undefined;
  private poolMax: number | undefined;
  private auditQueue: (() => number) | undefined;
  private auditSpool: (() => number) | undefined;

  readonly scimRequests = new Counter({
    name: 'scim_requests_total',
    help: 'SCIM requests answered, by resource type, operation, outcome (success: status < 400), status class and mode (live or dry_run).',
    labelNames: ['resource', 'operation', 'outcome', 'status_class', 'mode'] as const,
    registers: [this.registry],
  });

  readonly scimRequestDuration = new Histogram({
    name: 'scim_request_duration_seconds',
    help: 'Time from the SCIM request arriving to its response being sent, by resource type, operation and mode.',
    labelNames: ['resource', 'operation', 'mode'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly rateLimitRefusals = new Counter({
    name: 'scim_rate_limit_refusals_total',
    help: 'SCIM requests refused with 429 by the per-organization and failed-authentication limits (docs/limits.md), by limit kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly apiRateLimitRefusals = new Counter({
    name: 'api_rate_limit_refusals_total',
    help: 'Management and audit API requests refused with 429 by their own per-organization and failed-authentication limits (docs/limits.md), by limit kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly heavyReadRefusals = new Counter({
    name: 'scim_heavy_read_refusals_total',
    help: 'Heavy SCIM reads (group members) refused with 503, by which limit was full: process (SCIM_HEAVY_READS_MAX) or organization (SCIM_HEAVY_READS_PER_ORGANIZATION).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly tokenVerifications = new Counter({
    name: 'auth_token_verifications_total',
    help: 'API token verifications, by result: valid, or invalid (missing, malformed, unknown, revoked, wrong secret, deactivated user).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly tokenCacheLookups = new Counter({
    name: 'auth_token_cache_lookups_total',
    help: 'Token cache lookups of well-formed API tokens, by result: hit (no database query), miss (looked up in the database), or bypass (the cache was not usable: notifications not connected, or switched off).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly auditFlushDuration = new Histogram({
    name: 'audit_writer_flush_duration_seconds',
    help: 'Time one batched insert of audit rows took (successful or not).',
    buckets: FLUSH_BUCKETS,
    registers: [this.registry],
  });

  readonly auditFailures = new Counter({
    name: 'audit_writer_failures_total',
    help: 'Audit writes that failed, by stage: batch (the batch statement failed; its rows are retried one by one), row (a row could not be written and is lost, logged), unavailable (the database was away; the row went to the in-memory spool).',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });

  readonly auditSpoolDropped = new Counter({
    name: 'audit_spool_dropped_rows_total',
    help: 'Audit rows dropped because the in-memory spool was full while the database was away (a summary row records their count).',
    registers: [this.registry],
  });

  readonly readiness = new Gauge({
    name: 'health_ready',
    help: 'Result of the last readiness check (/health/ready, on either port): 1 ready, 0 not ready or not checked yet.',
    registers: [this.registry],
  });

  readonly readinessChecks = new Counter({
    name: 'health_readiness_checks_total',
    help: 'Readiness checks answered, by result (up or down).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Every token cache result exists from the start (at 0): a ratio or an alert on it never lacks
    // a series, and the set of series does not depend on which request came first.
    for (const result of ['hit', 'miss', 'bypass']) this.tokenCacheLookups.inc({ result }, 0);
    sampledGauge(
      this.registry,
      'db_pool_total_connections',
      'Connections the database pool holds (in use and idle).',
      () => this.pool?.()?.totalCount,
    );
    sampledGauge(
      this.registry,
      'db_pool_idle_connections',
      'Idle connections in the database pool.',
      () => this.pool?.()?.idleCount,
    );
    sampledGauge(
      this.registry,
      'db_pool_waiting_clients',
      'Queries waiting for a connection because the pool is fully in use.',
      () => this.pool?.()?.waitingCount,
    );
    sampledGauge(
      this.registry,
      'db_pool_max_connections',
      'Largest number of connections the pool may open (DB_POOL_SIZE).',
      () => this.poolMax,
    );
    sampledGauge(
      this.registry,
      'audit_writer_queue_depth',
      'Audit rows waiting for the next batched insert.',
      () => this.auditQueue?.(),
    );
    sampledGauge(
      this.registry,
      'audit_spool_rows',
      'Audit rows kept in memory while the database is away, waiting to be written.',
      () => this.auditSpool?.(),
    );
  }

  /** The SCIM request as the audit log classified it. */
  observeScimRequest(observation: ScimRequestObservation): void {
    const mode: ScimMode = observation.dryRun ? 'dry_run' : 'live';
    const { resource, operation } = observation;
    this.scimRequests.inc({
      resource,
      operation,
      outcome: observation.status < 400 ? 'success' : 'failure',
      status_class: statusClassOf(observation.status),
      mode,
    });
    this.scimRequestDuration.observe({ resource, operation, mode }, observation.durationSeconds);
  }

  /** The pool to sample at scrape time (node-postgres' Pool), and its configured size. */
  watchPool(read: () => PoolCounts | undefined, max: number): void {
    this.pool = read;
    this.poolMax = max;
  }

  watchAuditQueue(read: () => number): void {
    this.auditQueue = read;
  }

  watchAuditSpool(read: () => number): void {
    this.auditSpool = read;
  }

  /** The Prometheus text exposition; process metrics start with the first scrape. */
  async scrape(): Promise<string> {
    if (!this.defaultsStarted) {
      this.defaultsStarted = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  if (status >= 200) return '2xx';
  return '1xx';
}
