import type { AuditEffect, AuditOperation, AuditTarget } from './audit-event.types.js';

/** Ids kept per list in a stored effect; the count stays exact. */
export const MAX_EFFECT_IDS = 100;
/** Notes and consequence entries kept per request. */
export const MAX_EFFECT_ENTRIES = 50;
/** Characters kept of one note or consequence reason. */
const MAX_EFFECT_TEXT = 1_024;

export interface CappedIds {
  count: number;
  ids: string[];
}

/** The effect as stored in `sync_audit_events.effect`. */
export interface StoredEffect {
  changed?: Record<string, { before: unknown; after: unknown }>;
  membersAdded?: CappedIds;
  membersRemoved?: CappedIds;
  membersRemovedAll?: boolean;
  consequences?: { kind: string; reason: string; userIds: CappedIds }[];
  notes?: string[];
  /** For list responses: how many resources matched (e.g. 0 for Entra's Test connection). */
  totalResults?: number;
}

export interface AuditCaller {
  tokenId: string;
  userId: string;
  /** The token's organization, which may differ from the URL's (403). */
  organizationId: string;
}

export interface AuditFailure {
  status: number;
  scimType?: string;
  detail: string;
}

export type AuditAggregation = 'source' | 'organization';

export type AuditDescription = { operation?: AuditOperation } & AuditTarget;

function appendCapped(into: CappedIds | undefined, ids: readonly string[]): CappedIds {
  const target = into ?? { count: 0, ids: [] };
  target.count += ids.length;
  const room = MAX_EFFECT_IDS - target.ids.length;
  if (room > 0) target.ids.push(...ids.slice(0, room));
  return target;
}

/**
 * One SCIM request's audit record while it is handled. Created by the onRequest hook, filled in by
 * the guard (caller), the services (target, effect), the DryRunInterceptor (result size) and the
 * error filter (failure), and written once: in the request's transaction or after the response.
 * Memory stays bounded whatever the request: id lists are capped as they arrive.
 */
export class RequestAudit {
  readonly occurredAt = new Date();
  private readonly startedAt = performance.now();
  caller?: AuditCaller;
  failure?: AuditFailure;
  /** The body as received when it was not valid JSON (cut to twice the stored size; masked when stored). */
  unparsedBody?: string;
  /** Set once the row is committed; nothing writes a second one. */
  written = false;
  /** The row was inserted in the current transaction attempt (committed only if it commits). */
  insertedInTransaction = false;
  /**
   * Set when the request was refused by a limit (429): its row is folded into one row per minute,
   * per source ('source': client address and token prefix) or per organization and source
   * ('organization'). Unauthenticated 401s are folded per source without being marked.
   */
  aggregateBy?: AuditAggregation;
  /** The handler attempts in flight, so a write after an aborted connection waits for them. */
  inFlight?: Promise<unknown>;
  private description: AuditDescription = {};
  private effect: StoredEffect = {};
  private totalResults?: number;

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  describe(details: AuditDescription): void {
    for (const [key, value] of Object.entries(details) as [keyof AuditDescription, unknown][]) {
      if (value !== undefined) (this.description as Record<string, unknown>)[key] = value;
    }
  }

  recordEffect(effect: AuditEffect): void {
    const stored = this.effect;
    for (const [path, change] of Object.entries(effect.changed ?? {})) {
      // A path changed twice in one request keeps its first "before" and its last "after".
      stored.changed ??= {};
      const earlier = stored.changed[path];
      stored.changed[path] = earlier ? { before: earlier.before, after: change.after } : change;
    }
    if (effect.membersAdded?.length) {
      stored.membersAdded = appendCapped(stored.membersAdded, effect.membersAdded);
    }
    if (effect.membersRemoved?.length) {
      stored.membersRemoved = appendCapped(stored.membersRemoved, effect.membersRemoved);
    }
    if (effect.membersRemovedAll) stored.membersRemovedAll = true;
    for (const consequence of effect.consequences ?? []) {
      stored.consequences ??= [];
      const same = stored.consequences.find(
        (c) => c.kind === consequence.kind && c.reason === consequence.reason,
      );
      if (same) appendCapped(same.userIds, consequence.userIds);
      else if (stored.consequences.length < MAX_EFFECT_ENTRIES) {
        stored.consequences.push({
          kind: consequence.kind.slice(0, MAX_EFFECT_TEXT),
          reason: consequence.reason.slice(0, MAX_EFFECT_TEXT),
          userIds: appendCapped(undefined, consequence.userIds),
        });
      }
    }
    if (effect.notes?.length) {
      stored.notes ??= [];
      stored.notes.push(
        ...effect.notes
          .slice(0, Math.max(0, MAX_EFFECT_ENTRIES - stored.notes.length))
          .map((note) => note.slice(0, MAX_EFFECT_TEXT)),
      );
    }
  }

  noteTotalResults(totalResults: number): void {
    this.totalResults = totalResults;
  }

  /**
   * Forgets what the handler recorded: called before each transaction attempt, since a retried
   * attempt (serialization failure) runs the handler again from the start.
   */
  resetHandlerRecord(): void {
    this.description = {};
    this.effect = {};
    this.totalResults = undefined;
  }

  described(): Readonly<AuditDescription> {
    return this.description;
  }

  /** The stored effect, or null when nothing was recorded. */
  storedEffect(): StoredEffect | null {
    const effect: StoredEffect = { ...this.effect };
    if (this.totalResults !== undefined) effect.totalResults = this.totalResults;
    return Object.keys(effect).length > 0 ? effect : null;
  }

  resultCount(): number | undefined {
    return this.totalResults;
  }
}

/**
 * Keyed by Node's raw request: the Fastify hooks see it as `request.raw`, and nestjs-cls (middleware
 * mode) stores that same object as CLS_REQ, so hooks, guard, interceptor, filter and AuditTrail all
 * reach one record without request-scoped providers.
 */
const audits = new WeakMap<object, RequestAudit>();

function rawOf(request: unknown): object | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  // A FastifyRequest wraps the IncomingMessage as `raw`; accept either.
  const raw = (request as { raw?: unknown }).raw;
  return typeof raw === 'object' && raw !== null ? raw : request;
}

export function startRequestAudit(rawRequest: object): RequestAudit {
  const audit = new RequestAudit();
  audits.set(rawRequest, audit);
  return audit;
}

/** The record of a SCIM request (raw or Fastify request), or undefined for any other request. */
export function requestAuditOf(request: unknown): RequestAudit | undefined {
  const raw = rawOf(request);
  return raw ? audits.get(raw) : undefined;
}

export function noteAuditCaller(request: unknown, caller: AuditCaller | undefined): void {
  const audit = requestAuditOf(request);
  if (audit && caller) {
    audit.caller = { tokenId: caller.tokenId, userId: caller.userId, organizationId: caller.organizationId };
  }
}

/** The error exactly as the client was told (status, scimType, detail), for failure rows. */
export function noteAuditFailure(request: unknown, failure: AuditFailure): void {
  const audit = requestAuditOf(request);
  if (audit) audit.failure = { status: failure.status, scimType: failure.scimType, detail: failure.detail };
}

/** A limit refused the request: its audit row is aggregated (see RequestAudit.aggregateBy). */
export function noteAuditAggregation(request: unknown, by: AuditAggregation): void {
  const audit = requestAuditOf(request);
  if (audit) audit.aggregateBy = by;
}
