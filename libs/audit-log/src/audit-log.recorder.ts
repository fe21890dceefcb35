import { type ExecutionContext, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConnectorMetrics } from '#metrics';
import { isDatabaseUnavailable, isRetryableTransactionError } from '#persistence';
import {
  buildAuditRow,
  classifyScimRequest,
  type AuditEventRow,
  type RequestFacts,
} from './audit-event.builder.js';
import { AuditEventsWriter } from './audit-events.writer.js';
import { AuditAggregates, aggregatedRow, aggregationOf } from './audit-aggregates.js';
import { MAX_STORED_JSON_CHARS } from './audit.redaction.js';
import { requestAuditOf, startRequestAudit, type RequestAudit } from './request-audit.state.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** nginx's convention for "the client closed the connection before the response". */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * Rows that could not be written because the database was unavailable wait here, in memory, and
 * are written when it is back. Bounded: at most this many rows (each at most ~100 KiB of capped
 * text, in practice ~1-2 KiB); beyond it rows are counted, not kept, and one summary row says so.
 */
export const AUDIT_SPOOL_MAX_ROWS = 10_000;
/** Retries of the spool back off from the first delay to the last, doubling. */
const SPOOL_RETRY_FIRST_MS = 100;
const SPOOL_RETRY_MAX_MS = 2_000;
/** Rows per replay round. */
const SPOOL_REPLAY_BATCH = 200;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function factsOf(request: FastifyRequest, status: number, durationMs: number): RequestFacts {
  const contentLength = Number(request.headers['content-length']);
  return {
    method: request.method,
    url: request.url,
    requestId: request.id,
    clientAddress: request.ip,
    userAgent: header(request, 'user-agent'),
    body: request.body,
    contentLength: Number.isFinite(contentLength) ? contentLength : undefined,
    status,
    durationMs,
  };
}

function totalResultsOf(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const total = (result as { totalResults?: unknown }).totalResults;
  return typeof total === 'number' ? total : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes exactly one sync_audit_events row per SCIM request:
 * - a successful live write, inside its transaction, right before commit (`recordResult`), so no
 *   change exists without its record and a failed insert undoes the change (503);
 * - everything else (reads, dry-runs, failures, rejected tokens, unknown routes, unparsable bodies)
 *   once the response is over (`start` watches the connection), as its own statement.
 */
@Injectable()
export class SyncAuditRecorder {
  private readonly logger = new Logger('SyncAudit');
  private readonly pending = new Set<Promise<void>>();
  /** 401s and limit refusals (429), folded per source and minute (audit-aggregates.ts). */
  private readonly aggregates = new AuditAggregates(
    (rows) => this.events.upsertAggregates(rows),
    (error, rows) =>
      this.logger.error(`${rows.length} aggregated audit rows could not be written: ${messageOf(error)}`),
    isDatabaseUnavailable,
  );
  private readonly spool: AuditEventRow[] = [];
  private dropped: { count: number; firstAt: Date; lastAt: Date } | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private retryDelayMs = SPOOL_RETRY_FIRST_MS;

  constructor(
    private readonly events: AuditEventsWriter,
    private readonly metrics: ConnectorMetrics,
  ) {
    metrics.watchAuditSpool(() => this.spool.length);
  }

  /**
   * onRequest hook (for the requests the transport audits): opens the request's record. The row is
   * written when the response stream closes, which (unlike Fastify's onResponse) also happens when
   * the client gave up before the answer.
   */
  start(request: FastifyRequest, reply: FastifyReply): void {
    const audit = startRequestAudit(request.raw);
    reply.raw.once('close', () => {
      this.observe(audit, request, reply);
      this.track(this.afterResponse(audit, request, reply));
    });
  }

  /**
   * The request metrics, classified exactly like the audit row (resource type, operation, dry-run),
   * at the same moment: once the response is over, also when the client gave up (499).
   */
  private observe(audit: RequestAudit, request: FastifyRequest, reply: FastifyReply): void {
    const finished = reply.raw.writableFinished;
    const kind = classifyScimRequest(audit, request.method, request.url);
    this.metrics.observeScimRequest({
      resource: kind.resourceType ?? 'other',
      operation: kind.operation ?? 'other',
      dryRun: kind.dryRun,
      status: finished ? reply.statusCode : CLIENT_CLOSED_REQUEST,
      durationSeconds: (finished ? reply.elapsedTime : audit.elapsedMs()) / 1000,
    });
  }

  /** Keeps the handler's promise, so a write after an aborted connection waits for its outcome. */
  trackHandler<T>(request: FastifyRequest, handling: Promise<T>): Promise<T> {
    const audit = requestAuditOf(request.raw);
    if (audit) audit.inFlight = handling.catch(() => undefined);
    return handling;
  }

  /** Before each transaction attempt: a retried attempt starts its record afresh. */
  beginAttempt(request: FastifyRequest): void {
    const audit = requestAuditOf(request.raw);
    if (audit) {
      audit.resetHandlerRecord();
      audit.insertedInTransaction = false;
    }
  }

  /**
   * After the handler, inside its transaction: notes the size of a list answer and, for a live
   * write, inserts the row (one statement). If that insert fails the transaction must not commit:
   * the client gets 503 and Entra retries; the failure's own row is written after the response.
   */
  async recordResult(context: ExecutionContext, result: unknown, dryRun: boolean): Promise<void> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const audit = requestAuditOf(request.raw);
    if (!audit) return;
    const total = totalResultsOf(result);
    if (total !== undefined) audit.noteTotalResults(total);
    if (dryRun || !WRITE_METHODS.has(request.method)) return;
    // Nest sets the status (@HttpCode, or 201 for POST, 200 otherwise) before interceptors run,
    // and a passthrough handler may have changed it since; either way the reply holds it now.
    const status = http.getResponse<FastifyReply>().statusCode;
    const row = buildAuditRow(audit, factsOf(request, status, audit.elapsedMs()));
    try {
      await this.events.insertInTransaction(row);
    } catch (error) {
      if (isRetryableTransactionError(error)) throw error;
      this.logger.error(`audit row of request ${request.id} could not be written: ${messageOf(error)}`);
      throw new ServiceUnavailableException(
        'The change was not applied because its audit record could not be written; retry later.',
        { cause: error },
      );
    }
    audit.insertedInTransaction = true;
  }

  /** After the transaction committed: its row is in. */
  committed(request: FastifyRequest): void {
    const audit = requestAuditOf(request.raw);
    if (audit?.insertedInTransaction) audit.written = true;
  }

  /**
   * Resolves once every row scheduled so far is written, or has failed and been logged, or waits
   * in the spool after one more attempt to write it (at shutdown: what still cannot be written is
   * logged as lost).
   */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    // Rows the finished requests folded, written now rather than at the end of their window.
    await this.aggregates.flush();
    if (this.spool.length > 0 || this.dropped) {
      clearTimeout(this.replayTimer);
      this.replayTimer = undefined;
      await (this.replaying ?? this.replay());
    }
  }

  /** Rows waiting in memory for the database, and rows dropped since the spool was last full. */
  spooled(): { rows: number; dropped: number } {
    return { rows: this.spool.length, dropped: this.dropped?.count ?? 0 };
  }

  /** Onto the batched writer; while the database is unavailable, into the spool. */
  private async store(row: AuditEventRow): Promise<void> {
    // The database is known to be away: no need to fail once more per row.
    if (this.spool.length > 0 || this.dropped) return this.toSpool(row);
    try {
      await this.events.insertStandalone(row);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        this.metrics.auditFailures.inc({ stage: 'unavailable' });
        return this.toSpool(row);
      }
      this.metrics.auditFailures.inc({ stage: 'row' });
      // After the response nobody can be told; the log is the last resort.
      this.logger.error(`audit row of request ${row.requestId} could not be written: ${messageOf(error)}`);
    }
  }

  private toSpool(row: AuditEventRow): void {
    if (this.spool.length < AUDIT_SPOOL_MAX_ROWS) {
      this.spool.push(row);
    } else if (this.dropped) {
      this.metrics.auditSpoolDropped.inc();
      this.dropped.count += 1;
      this.dropped.lastAt = row.occurredAt;
    } else {
      this.metrics.auditSpoolDropped.inc();
      this.dropped = { count: 1, firstAt: row.occurredAt, lastAt: row.occurredAt };
      this.logger.error(`audit spool full (${AUDIT_SPOOL_MAX_ROWS} rows): counting dropped rows`);
    }
    this.scheduleReplay();
  }

  private scheduleReplay(): void {
    if (this.replayTimer || this.replaying) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      void this.replay();
    }, this.retryDelayMs);
    // The spool never keeps the process alive on its own; shutdown flushes it.
    this.replayTimer.unref();
  }

  /**
   * Writes the spool in order, then the dropped-rows summary. Backs off while the database stays
   * unavailable.
   */
  private replay(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.spool.length > 0) {
        const taken = this.spool.splice(0, SPOOL_REPLAY_BATCH);
        // The probe (a database still away costs one failed statement per round, not one per
        // row); and a row whose insert failed only in its answer is stored already: not twice.
        let stored: Set<string>;
        try {
          stored = await this.events.storedAlready(taken);
        } catch (error) {
          this.spool.unshift(...taken);
          if (isDatabaseUnavailable(error)) return this.backOff();
          throw error;
        }
        const batch = taken.filter((row) => !stored.has(`${row.requestId}@${row.occurredAt.getTime()}`));
        const outcomes = await Promise.all(batch.map((row) => this.attempt(row)));
        const retry = batch.filter((_, index) => outcomes[index] === 'unavailable');
        if (retry.length > 0) {
          this.spool.unshift(...retry);
          return this.backOff();
        }
      }
      if (this.dropped) {
        const summary = droppedRowsSummary(this.dropped);
        if ((await this.attempt(summary)) === 'unavailable') return this.backOff();
        this.logger.warn(`audit spool: ${this.dropped.count} rows were dropped; summary row written`);
        this.dropped = undefined;
      }
      this.retryDelayMs = SPOOL_RETRY_FIRST_MS;
    };
    const replaying = run().finally(() => {
      this.replaying = undefined;
      if (this.spool.length > 0 || this.dropped) this.scheduleReplay();
    });
    this.replaying = replaying;
    return replaying;
  }

  private backOff(): void {
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, SPOOL_RETRY_MAX_MS);
  }

  private async attempt(row: AuditEventRow): Promise<'written' | 'unavailable' | 'failed'> {
    try {
      await this.events.insertStandalone(row);
      return 'written';
    } catch (error) {
      if (isDatabaseUnavailable(error)) return 'unavailable';
      this.metrics.auditFailures.inc({ stage: 'row' });
      this.logger.error(`audit row of request ${row.requestId} could not be written: ${messageOf(error)}`);
      return 'failed';
    }
  }

  private track(writing: Promise<void>): void {
    this.pending.add(writing);
    void writing.finally(() => this.pending.delete(writing));
  }

  private async afterResponse(
    audit: RequestAudit,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    try {
      if (audit.written) return;
      const finished = reply.raw.writableFinished;
      // The client went away mid-request: let the handler finish, since it may still commit (and
      // then write its own row in its transaction).
      if (!finished && audit.inFlight) await audit.inFlight;
      if (audit.written) return;
      audit.written = true;
      let status = reply.statusCode;
      if (!finished) {
        status = CLIENT_CLOSED_REQUEST;
        audit.failure = {
          status,
          detail: 'The client closed the connection before the response was sent.',
        };
      }
      const durationMs = finished ? reply.elapsedTime : audit.elapsedMs();
      const row = buildAuditRow(audit, factsOf(request, status, durationMs));
      const folded = aggregationOf(audit, status);
      if (folded) return this.aggregates.add(aggregatedRow(folded, row, header(request, 'authorization')));
      await this.store(row);
    } catch (error) {
      // After the response nobody can be told; the log is the last resort.
      this.logger.error(`audit row of request ${request.id} could not be written: ${messageOf(error)}`);
    }
  }
}

/**
 * The one row that stands for the rows the full spool had to drop: no organization (they may be
 * of several), status 503, and the count and time span in `detail` and `effect`.
 */
function droppedRowsSummary(dropped: { count: number; firstAt: Date; lastAt: Date }): AuditEventRow {
  const firstAt = dropped.firstAt.toISOString();
  const lastAt = dropped.lastAt.toISOString();
  return {
    occurredAt: dropped.firstAt,
    organizationId: null,
    organizationCandidate: null,
    tokenId: null,
    userId: null,
    requestId: `audit-spool-overflow:${firstAt}`,
    clientAddress: null,
    userAgent: null,
    method: 'AUDIT',
    path: '/scim',
    query: null,
    dryRun: false,
    operation: null,
    resourceType: null,
    resourceId: null,
    externalId: null,
    userName: null,
    displayName: null,
    status: 503,
    outcome: 'failure',
    scimType: null,
    detail:
      `${dropped.count} audit rows of requests between ${firstAt} and ${lastAt} were not recorded: ` +
      `the database was unavailable and the in-memory spool (${AUDIT_SPOOL_MAX_ROWS} rows) was full.`,
    durationMs: Math.max(0, dropped.lastAt.getTime() - dropped.firstAt.getTime()),
    requestBody: null,
    effect: JSON.stringify({ auditRowsDropped: dropped.count, firstAt, lastAt }),
  };
}

/** Kept by the JSON parsers when a body does not parse, so the row shows what arrived. */
export function noteUnparsedBody(request: FastifyRequest, body: string): void {
  const audit = requestAuditOf(request.raw);
  // Twice the stored size: masking may shorten it, and the rest is cut when stored anyway.
  if (audit) audit.unparsedBody = body.slice(0, MAX_STORED_JSON_CHARS * 2);
}
