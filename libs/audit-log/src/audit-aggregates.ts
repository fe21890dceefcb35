import type { AuditEventRow } from './audit-event.builder.js';
import type { AuditAggregation, RequestAudit } from './request-audit.state.js';

/**
 * Requests that anyone can send in any number without a valid token (401s) or that a limit
 * refused (429s) are not recorded one row each: a flood would cost a row per request. They are
 * folded into one row per minute and source (client address, and the presented token's prefix if
 * any), with a `count`:
 * - 'unauthenticated' (401): per minute, status, client address, credential (none, malformed, or
 *   the token prefix), the URL's organization and dry-run flag, operation and resource type: Entra's
 *   Test connection with a wrong token stays its own row, under its organization. The number of
 *   such keys per address is bounded by the failed-authentication limit.
 * - 'source' (429, too many failed authentications): per minute and client address only (a flood
 *   of random token prefixes or organization ids still costs one row); the row names no
 *   organization (the refusal is about the source, whatever URL it tried) and shows the first
 *   request's token prefix.
 * - 'organization' (429, an organization's rate or concurrency): per minute, organization, client
 *   address, and which limit.
 * The row keeps the first request's details (request id, path, user agent, time); `count` says
 * how many requests it stands for and `last_occurred_at` when the last arrived. Rows are upserted
 * (aggregate_key is unique), every AGGREGATE_WINDOW_MS at most, so replicas and later windows of
 * the same minute add to the same row.
 */
export type AggregationKind = AuditAggregation | 'unauthenticated';

export interface AggregatedRow {
  key: string;
  row: AuditEventRow;
  count: number;
  lastOccurredAt: Date;
  tokenPrefix: string | null;
}

/** How long folded rows wait before they are written, and how many distinct keys may wait. */
export const AGGREGATE_WINDOW_MS = 250;
export const MAX_PENDING_AGGREGATES = 5_000;

const TOKEN = /^Bearer[ ]+([a-z]{3})_([0-9a-f]{12})_/i;

/** Whether (and how) a finished request's row is folded; undefined: a row of its own. */
export function aggregationOf(audit: RequestAudit, status: number): AggregationKind | undefined {
  if (audit.aggregateBy !== undefined && status === 429) return audit.aggregateBy;
  if (status === 401 && audit.caller === undefined) return 'unauthenticated';
  return undefined;
}

function credentialOf(authorization: string | undefined): { kind: string; prefix: string | null } {
  if (authorization === undefined || authorization.trim() === '') return { kind: 'none', prefix: null };
  const match = TOKEN.exec(authorization);
  if (!match) return { kind: 'malformed', prefix: null };
  const prefix = match[2]!.toLowerCase();
  return { kind: `${match[1]!.toLowerCase()}_${prefix}`, prefix };
}

function minuteOf(at: Date): string {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
}

/** The row and key a folded request contributes. */
export function aggregatedRow(
  kind: AggregationKind,
  row: AuditEventRow,
  authorization: string | undefined,
): AggregatedRow {
  const credential = credentialOf(authorization);
  const organization = row.organizationId ?? row.organizationCandidate ?? '';
  const parts = [kind, minuteOf(row.occurredAt), String(row.status), row.clientAddress ?? ''];
  let stored = row;
  if (kind === 'unauthenticated') {
    parts.push(
      credential.kind,
      organization,
      String(row.dryRun),
      row.operation ?? '',
      row.resourceType ?? '',
    );
  } else if (kind === 'organization') {
    parts.push(organization, row.detail ?? '');
  } else {
    stored = { ...row, organizationId: null, organizationCandidate: null };
  }
  return {
    key: parts.join('|'),
    row: stored,
    count: 1,
    lastOccurredAt: row.occurredAt,
    tokenPrefix: credential.prefix,
  };
}

/** Retries of folded rows the database could not take back off from the first delay to the last. */
export const AGGREGATE_RETRY_FIRST_MS = 100;
export const AGGREGATE_RETRY_LAST_MS = 2_000;

/**
 * Folded rows waiting for their next write; bounded in keys, written on a short timer. When a
 * write fails because the database is unavailable, its rows go back to waiting (merged with what
 * arrived since) and are retried with backoff, so a flood during a short outage is still counted;
 * beyond MAX_PENDING_AGGREGATES keys waiting, rows are given up (`failed`). A write whose commit
 * was lost with the connection may be counted twice: the counts are flood sizes, not ledgers.
 */
export class AuditAggregates {
  private readonly waiting = new Map<string, AggregatedRow>();
  private readonly writing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private retryDelayMs = AGGREGATE_RETRY_FIRST_MS;

  constructor(
    private readonly write: (rows: AggregatedRow[]) => Promise<void>,
    private readonly failed: (error: unknown, rows: AggregatedRow[]) => void,
    private readonly retryable: (error: unknown) => boolean = () => false,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  add(aggregated: AggregatedRow): void {
    this.merge(aggregated);
    if (this.waiting.size >= MAX_PENDING_AGGREGATES) this.writeNow();
    else this.timer ??= setTimeout(() => this.writeNow(), AGGREGATE_WINDOW_MS);
  }

  /** Writes what waits, and resolves once every write so far has settled. */
  async flush(): Promise<void> {
    this.writeNow();
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
  }

  private merge(aggregated: AggregatedRow): void {
    const same = this.waiting.get(aggregated.key);
    if (!same) {
      this.waiting.set(aggregated.key, aggregated);
      return;
    }
    same.count += aggregated.count;
    if (aggregated.lastOccurredAt > same.lastOccurredAt) same.lastOccurredAt = aggregated.lastOccurredAt;
  }

  private writeNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.size === 0) return;
    const rows = [...this.waiting.values()];
    this.waiting.clear();
    const writing = this.write(rows).then(
      () => {
        this.retryDelayMs = AGGREGATE_RETRY_FIRST_MS;
      },
      (error: unknown) => this.writeFailed(error, rows),
    );
    this.writing.add(writing);
    void writing.finally(() => this.writing.delete(writing));
  }

  private writeFailed(error: unknown, rows: AggregatedRow[]): void {
    if (!this.retryable(error) || this.waiting.size + rows.length > MAX_PENDING_AGGREGATES) {
      this.failed(error, rows);
      return;
    }
    for (const row of rows) this.merge(row);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.writeNow(), this.retryDelayMs);
    // Retrying never keeps the process alive on its own; shutdown flushes.
    this.timer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, AGGREGATE_RETRY_LAST_MS);
  }
}
