import { type ExecutionContext, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRetryableTransactionError } from '../../persistence/src/database.errors.js';
import { isScimPath } from '../../scim/src/scim.routes.js';
import { buildAuditRow, type RequestFacts } from './audit-event.builder.js';
import { AuditEventsRepository } from './audit-events.repository.js';
import { MAX_STORED_JSON_CHARS } from './audit.redaction.js';
import { requestAuditOf, startRequestAudit, type RequestAudit } from './request-audit.state.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** nginx's convention for "the client closed the connection before the response". */
const CLIENT_CLOSED_REQUEST = 499;

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

  constructor(private readonly events: AuditEventsRepository) {}

  /**
   * onRequest hook: opens the request's record. The row is written when the response stream closes,
   * which (unlike Fastify's onResponse) also happens when the client gave up before the answer.
   */
  start(request: FastifyRequest, reply: FastifyReply): void {
    if (!isScimPath(request.url)) return;
    const audit = startRequestAudit(request.raw);
    reply.raw.once('close', () => this.track(this.afterResponse(audit, request, reply)));
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

  /** Resolves once every row scheduled so far is written (or has failed and been logged). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
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
      await this.events.insertStandalone(buildAuditRow(audit, factsOf(request, status, durationMs)));
    } catch (error) {
      // After the response nobody can be told; the log is the last resort.
      this.logger.error(`audit row of request ${request.id} could not be written: ${messageOf(error)}`);
    }
  }
}

/** Kept by the JSON parsers when a body does not parse, so the row shows what arrived. */
export function noteUnparsedBody(request: FastifyRequest, body: string): void {
  const audit = requestAuditOf(request.raw);
  // Twice the stored size: masking may shorten it, and the rest is cut when stored anyway.
  if (audit) audit.unparsedBody = body.slice(0, MAX_STORED_JSON_CHARS * 2);
}
