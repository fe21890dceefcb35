import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConnectorMetrics } from '#metrics';
import { SqlExecutor } from '#persistence';
import { buildManualAuditRow, type AuditEventRow, type ManualAuditChange } from './audit-event.builder.js';
import type { AggregatedRow } from './audit-aggregates.js';

/**
 * The organization is the URL's: stored directly when the guard already resolved it, otherwise
 * looked up in the same statement ($3), so an unknown or malformed id stores null without a second
 * round trip. COALESCE evaluates the lookup only when $2 is null.
 */
const INSERT = `
  INSERT INTO sync_audit_events (occurred_at, organization_id, token_id, user_id, request_id, client_address,
    user_agent, method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name,
    display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect)
  VALUES ($1, COALESCE($2::uuid, (SELECT o.id FROM organizations o WHERE o.id = $3::uuid)), $4, $5, $6, $7,
    $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24::jsonb, $25::jsonb)`;

/**
 * Rows written after their response (reads, dry-runs, failures), many at a time: one statement and
 * one commit for a batch instead of one per request, which at Entra's request rates is most of
 * what recording reads costs. One array per column keeps the SQL text fixed.
 */
const INSERT_BATCH = `
  INSERT INTO sync_audit_events (occurred_at, organization_id, token_id, user_id, request_id, client_address,
    user_agent, method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name,
    display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect)
  SELECT r.occurred_at, COALESCE(r.organization_id, o.id), r.token_id, r.user_id, r.request_id, r.client_address,
         r.user_agent, r.method, r.path, r.query, r.dry_run, r.operation, r.resource_type, r.resource_id,
         r.external_id, r.user_name, r.display_name, r.status, r.outcome, r.scim_type, r.detail, r.duration_ms,
         r.request_body, r.effect
    FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[], $18::text[], $19::smallint[], $20::text[], $21::text[],
                $22::text[], $23::integer[], $24::jsonb[], $25::jsonb[])
         AS r(occurred_at, organization_id, candidate, token_id, user_id, request_id, client_address, user_agent,
              method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name,
              display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect)
    LEFT JOIN organizations o ON r.organization_id IS NULL AND o.id = r.candidate`;

/**
 * Folded rows (audit-aggregates.ts): one per aggregate_key, which is unique; a key seen again (a
 * later window of the same minute, another replica) adds its count to the row already there.
 */
const UPSERT_AGGREGATES = `
  INSERT INTO sync_audit_events (occurred_at, organization_id, token_id, user_id, request_id, client_address,
    user_agent, method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name,
    display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect,
    count, last_occurred_at, token_prefix, aggregate_key)
  SELECT r.occurred_at, COALESCE(r.organization_id, o.id), r.token_id, r.user_id, r.request_id, r.client_address,
         r.user_agent, r.method, r.path, r.query, r.dry_run, r.operation, r.resource_type, r.resource_id,
         r.external_id, r.user_name, r.display_name, r.status, r.outcome, r.scim_type, r.detail, r.duration_ms,
         r.request_body, r.effect, r.count, r.last_occurred_at, r.token_prefix, r.aggregate_key
    FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[], $18::text[], $19::smallint[], $20::text[], $21::text[],
                $22::text[], $23::integer[], $24::jsonb[], $25::jsonb[], $26::integer[], $27::timestamptz[],
                $28::text[], $29::text[])
         AS r(occurred_at, organization_id, candidate, token_id, user_id, request_id, client_address, user_agent,
              method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name,
              display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect,
              count, last_occurred_at, token_prefix, aggregate_key)
    LEFT JOIN organizations o ON r.organization_id IS NULL AND o.id = r.candidate
  ON CONFLICT (aggregate_key) WHERE aggregate_key IS NOT NULL
  DO UPDATE SET count = sync_audit_events.count + EXCLUDED.count,
                last_occurred_at = GREATEST(sync_audit_events.last_occurred_at, EXCLUDED.last_occurred_at)`;

/** How long a row may wait for company, and how many rows one statement takes at most. */
const BATCH_WINDOW_MS = 5;
const MAX_BATCH = 200;

function insertParams(row: AuditEventRow): unknown[] {
  return [
    row.occurredAt,
    row.organizationId,
    row.organizationCandidate,
    row.tokenId,
    row.userId,
    row.requestId,
    row.clientAddress,
    row.userAgent,
    row.method,
    row.path,
    row.query,
    row.dryRun,
    row.operation,
    row.resourceType,
    row.resourceId,
    row.externalId,
    row.userName,
    row.displayName,
    row.status,
    row.outcome,
    row.scimType,
    row.detail,
    row.durationMs,
    row.requestBody,
    row.effect,
  ];
}

function batchParams(rows: readonly AuditEventRow[]): unknown[][] {
  const columns = rows.map(insertParams);
  return insertParams(rows[0]!).map((_, index) => columns.map((params) => params[index] ?? null));
}

/**
 * A request's manual changes in one statement whatever their number: one array per column, so the
 * SQL text never varies. The constants are what every manual row is: a committed change of the
 * live directory, recorded by the management API.
 */
const INSERT_MANUAL = `
  INSERT INTO sync_audit_events (source, occurred_at, organization_id, token_id, user_id, request_id,
    client_address, user_agent, method, path, dry_run, operation, resource_type, resource_id, user_name,
    display_name, status, outcome, duration_ms, effect)
  SELECT 'manual', r.occurred_at, r.organization_id, r.token_id, r.user_id, r.request_id, r.client_address,
         r.user_agent, r.method, r.path, false, r.operation, r.resource_type, r.resource_id, r.user_name,
         r.display_name, r.status, 'success', r.duration_ms, r.effect
    FROM unnest($1::timestamptz[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                $15::smallint[], $16::integer[], $17::jsonb[])
      AS r(occurred_at, organization_id, token_id, user_id, request_id, client_address, user_agent, method,
           path, operation, resource_type, resource_id, user_name, display_name, status, duration_ms, effect)`;

@Injectable()
export class AuditEventsWriter {
  constructor(
    private readonly sql: SqlExecutor,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: ConnectorMetrics,
  ) {
    metrics.watchAuditQueue(() => this.queue.length);
  }

  /** Through the request's transaction: the row commits or rolls back with the change. */
  async insertInTransaction(row: AuditEventRow): Promise<void> {
    await this.sql.rows(INSERT, insertParams(row));
  }

  private queue: { row: AuditEventRow; settle: (error?: Error) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private oldestQueuedAt = 0;

  /**
   * On the data source, never part of a request's transaction, batched with the rows of other
   * requests that finished within a few milliseconds; resolves once the row is stored.
   */
  insertStandalone(row: AuditEventRow): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) this.oldestQueuedAt = performance.now();
      this.queue.push({ row, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      // Full, or the oldest row waited its window already: under load the timer below runs late
      // (a busy event loop), so every new row also checks the oldest one's age.
      if (this.queue.length >= MAX_BATCH || performance.now() - this.oldestQueuedAt >= BATCH_WINDOW_MS) {
        this.writeQueued();
      } else this.timer ??= setTimeout(() => this.writeQueued(), BATCH_WINDOW_MS);
    });
  }

  private writeQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const rows = batch.map((entry) => entry.row);
    const endTimer = this.metrics.auditFlushDuration.startTimer();
    void this.dataSource.query(INSERT_BATCH, batchParams(rows)).then(
      () => {
        endTimer();
        batch.forEach((entry) => entry.settle());
      },
      // One bad row must not cost the others their record: store them one by one instead.
      () => {
        endTimer();
        this.metrics.auditFailures.inc({ stage: 'batch' });
        for (const entry of batch) {
          void this.dataSource.query(INSERT, insertParams(entry.row)).then(
            () => entry.settle(),
            (error: unknown) => entry.settle(error instanceof Error ? error : new Error(String(error))),
          );
        }
      },
    );
  }

  /** Folded rows of 401s and 429s, one statement for the lot (keys are distinct within it). */
  async upsertAggregates(rows: readonly AggregatedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(UPSERT_AGGREGATES, [
      ...batchParams(rows.map((aggregated) => aggregated.row)),
      rows.map((aggregated) => aggregated.count),
      rows.map((aggregated) => aggregated.lastOccurredAt),
      rows.map((aggregated) => aggregated.tokenPrefix),
      rows.map((aggregated) => aggregated.key),
    ]);
  }

  /**
   * A management request's changes (source 'manual'), masked and capped like SCIM rows, in one
   * statement through the request's transaction: they commit or roll back with the changes.
   */
  async insertManualChanges(changes: readonly ManualAuditChange[]): Promise<void> {
    if (changes.length === 0) return;
    const rows = changes.map(buildManualAuditRow);
    await this.sql.rows(INSERT_MANUAL, [
      rows.map((row) => row.occurredAt),
      rows.map((row) => row.organizationId),
      rows.map((row) => row.tokenId),
      rows.map((row) => row.userId),
      rows.map((row) => row.requestId),
      rows.map((row) => row.clientAddress),
      rows.map((row) => row.userAgent),
      rows.map((row) => row.method),
      rows.map((row) => row.path),
      rows.map((row) => row.operation),
      rows.map((row) => row.resourceType),
      rows.map((row) => row.resourceId),
      rows.map((row) => row.userName),
      rows.map((row) => row.displayName),
      rows.map((row) => row.status),
      rows.map((row) => row.durationMs),
      rows.map((row) => row.effect),
    ]);
  }

  /**
   * Which of these rows are stored already (same request id and arrival time): a row kept for a
   * retry may have been committed by a statement whose answer the failing connection lost.
   */
  async storedAlready(rows: readonly AuditEventRow[]): Promise<Set<string>> {
    const stored = await this.dataSource.query<{ key: string }[]>(
      `SELECT request_id || '@' || (extract(epoch FROM occurred_at) * 1000)::bigint AS key
         FROM sync_audit_events WHERE request_id = ANY($1::text[])`,
      [rows.map((row) => row.requestId)],
    );
    return new Set(stored.map((row) => row.key));
  }
}
