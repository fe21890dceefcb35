import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { isRetryableTransactionError } from '#persistence';
import type { ManualOperation, ManualResourceType } from '#audit-log';
import { ManagementError } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';

// The vocabulary is the audit table's (its checks list these values); re-exported for services.
export type { ManualOperation, ManualResourceType } from '#audit-log';

/** What a service reports about one change it made. */
export interface ManualChangeInput {
  operation: ManualOperation;
  resourceType: ManualResourceType;
  resourceId: string;
  /** A name people recognise (userName, displayName, project name), kept even after a delete. */
  label?: string;
  effect?: {
    changed?: Record<string, { before: unknown; after: unknown }>;
    [key: string]: unknown;
  };
}

/** One change made through the management API, with who made it and in which request. */
export interface ManualChange extends ManualChangeInput {
  source: 'manual';
  organizationId: string;
  actorUserId: string;
  actorTokenId: string;
  actorGlobalRole: string;
  requestId: string;
  method: string;
  /** Without the query string. */
  path: string;
  clientAddress?: string;
  userAgent?: string;
  /** The status the request answers (set before the handler ran, or by it). */
  status: number;
  /** From the request's arrival to the hand-over to the sink. */
  durationMs: number;
  /** When the change was made: right before its transaction commits. */
  occurredAt: Date;
}

/**
 * Where manual changes go. Called inside the request's transaction, right before commit, with the
 * request's changes: a sink that writes to the database commits or rolls back with the change, and
 * a sink that fails fails the request (503), changing nothing.
 */
export interface ManualChangeSink {
  write(changes: readonly ManualChange[]): Promise<void>;
}

export const MANUAL_CHANGE_SINK = Symbol('MANUAL_CHANGE_SINK');

const PENDING = 'management:manual-changes';

/**
 * Collects the current request's manual changes (services call `record`); the transaction
 * interceptor starts the list before each attempt and hands it to the sink before commit.
 */
@Injectable()
export class ManualChangeRecorder {
  private readonly logger = new Logger('ManualChanges');

  constructor(
    private readonly cls: ClsService,
    @Inject(MANUAL_CHANGE_SINK) private readonly sink: ManualChangeSink,
  ) {}

  /** Before each transaction attempt: a retried attempt records afresh. */
  begin(): void {
    this.cls.set(PENDING, []);
  }

  record(change: ManualChangeInput): void {
    const pending = this.cls.isActive() ? this.cls.get<ManualChangeInput[] | undefined>(PENDING) : undefined;
    // Outside a management write (no list started) there is nobody to attribute the change to.
    if (!pending) throw new Error('ManualChangeRecorder.record called outside a management write');
    pending.push(change);
  }

  /**
   * Hands the request's changes to the sink, inside the transaction. If the sink fails, the
   * transaction must not commit: the client gets 503 (retry later; nothing changed), except for a
   * serialization failure or deadlock, which the transaction interceptor retries.
   */
  async flush(
    principal: ManagementPrincipal,
    request: Pick<FastifyRequest, 'id' | 'method' | 'url' | 'ip' | 'headers'>,
    reply: Pick<FastifyReply, 'statusCode' | 'elapsedTime'>,
  ): Promise<void> {
    const pending = this.cls.get<ManualChangeInput[] | undefined>(PENDING) ?? [];
    this.cls.set(PENDING, undefined);
    if (pending.length === 0) return;
    const occurredAt = new Date();
    const userAgent = request.headers['user-agent'];
    const changes = pending.map((change) => ({
      ...change,
      source: 'manual' as const,
      organizationId: principal.organizationId,
      actorUserId: principal.userId,
      actorTokenId: principal.tokenId,
      actorGlobalRole: principal.globalRole,
      requestId: request.id,
      method: request.method,
      path: request.url.split('?', 1)[0] ?? request.url,
      clientAddress: request.ip,
      userAgent: Array.isArray(userAgent) ? userAgent.join(', ') : userAgent,
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      occurredAt,
    }));
    try {
      await this.sink.write(changes);
    } catch (error) {
      if (isRetryableTransactionError(error)) throw error;
      this.logger.error(
        `manual changes of request ${request.id} could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw new ManagementError(
        503,
        'AUDIT_UNAVAILABLE',
        'The change was not applied because its audit record could not be written; retry later.',
      );
    }
  }
}
