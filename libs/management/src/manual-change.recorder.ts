import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ClsService } from 'nestjs-cls';
import type { ManagementPrincipal } from './management.guard.js';

export type ManualResourceType = 'User' | 'Group' | 'Project' | 'SigningPolicy' | 'Permission' | 'ApiToken';

export type ManualOperation =
  | 'create'
  | 'update'
  | 'delete'
  | 'deactivate'
  | 'reactivate'
  | 'add-member'
  | 'remove-member'
  | 'grant'
  | 'revoke'
  | 'issue'
  | 'revoke-token';

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
  path: string;
  occurredAt: Date;
}

/**
 * Where manual changes go. Called inside the request's transaction, right before commit, with the
 * request's changes: a sink that writes to the database commits or rolls back with the change.
 */
export interface ManualChangeSink {
  write(changes: readonly ManualChange[]): Promise<void>;
}

export const MANUAL_CHANGE_SINK = Symbol('MANUAL_CHANGE_SINK');

/**
 * Today's sink: one structured line per change in the server's JSON log (`"msg":"manual change"`,
 * with the request's `reqId`, `source: "manual"`, the acting user, the target and the effect), at
 * info level like the per-request line. The sync audit table cannot take these rows yet (see
 * docs/management-api.md, "Audit"); binding MANUAL_CHANGE_SINK to a sink that inserts them there
 * is the only change needed then.
 */
@Injectable()
export class LoggingManualChangeSink implements ManualChangeSink {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async write(changes: readonly ManualChange[]): Promise<void> {
    // Fastify's logger (pino), not Nest's: Nest's `log` level is start-up chatter, hidden at info.
    const log = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>().log;
    for (const change of changes)
      log?.info({ reqId: change.requestId, manualChange: change }, 'manual change');
  }
}

const PENDING = 'management:manual-changes';

/**
 * Collects the current request's manual changes (services call `record`); the transaction
 * interceptor starts the list before each attempt and hands it to the sink before commit.
 */
@Injectable()
export class ManualChangeRecorder {
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

  async flush(
    principal: ManagementPrincipal,
    request: { id: string; method: string; url: string },
  ): Promise<void> {
    const pending = this.cls.get<ManualChangeInput[] | undefined>(PENDING) ?? [];
    this.cls.set(PENDING, undefined);
    if (pending.length === 0) return;
    const occurredAt = new Date();
    await this.sink.write(
      pending.map((change) => ({
        ...change,
        source: 'manual' as const,
        organizationId: principal.organizationId,
        actorUserId: principal.userId,
        actorTokenId: principal.tokenId,
        actorGlobalRole: principal.globalRole,
        requestId: request.id,
        method: request.method,
        path: request.url.split('?', 1)[0] ?? request.url,
        occurredAt,
      })),
    );
  }
}
