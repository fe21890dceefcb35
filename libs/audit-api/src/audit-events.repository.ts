import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuditSource } from '#audit-log';
import { SqlExecutor } from '#persistence';
import {
  EVENT_COLUMNS,
  eventsPageQuery,
  type AuditCursor,
  type AuditEventFilter,
} from './audit-events.query.js';

/** A stored event as the audit API returns it. */
export interface AuditEventRecord {
  id: string;
  occurredAt: Date;
  organizationId: string | null;
  source: AuditSource;
  tokenId: string | null;
  userId: string | null;
  requestId: string;
  clientAddress: string | null;
  userAgent: string | null;
  method: string;
  path: string;
  query: string | null;
  dryRun: boolean;
  operation: string | null;
  resourceType: string | null;
  resourceId: string | null;
  externalId: string | null;
  userName: string | null;
  displayName: string | null;
  status: number;
  outcome: string;
  scimType: string | null;
  detail: string | null;
  durationMs: number;
  requestBody: unknown;
  effect: unknown;
  /** Requests this row stands for: 1, or more for a folded row of 401s / 429s (audit-aggregates.ts). */
  count: number;
  /** When the last of those requests arrived (folded rows only). */
  lastOccurredAt: Date | null;
  /** The presented API token's lookup prefix, on folded rows of unauthenticated or refused requests. */
  tokenPrefix: string | null;
}

/** With its exact position in the newest-first order, for the next page's cursor. */
export type AuditEventWithPosition = AuditEventRecord & { cursorTime: string };

export interface OrganizationActivity {
  firstRequestAt: Date | null;
  lastRequestAt: Date | null;
  lastLiveSuccessAt: Date | null;
  lastDryRunSuccessAt: Date | null;
  lastLiveOutcome: 'success' | 'failure' | null;
  lastTestConnectionAt: Date | null;
  lastTestConnectionStatus: number | null;
  lastTestConnectionOutcome: 'success' | 'failure' | null;
  lastTestConnectionDryRun: boolean | null;
  lastManualChangeAt: Date | null;
}

export interface ActivityCount {
  source: AuditSource;
  operation: string | null;
  outcome: 'success' | 'failure';
  dryRun: boolean;
  last24Hours: number;
  last7Days: number;
}

export interface FrequentError {
  status: number;
  scimType: string | null;
  detail: string | null;
  count: number;
  lastAt: Date;
}

/**
 * Sync health is Entra's traffic only (source 'scim'): manual changes are neither requests of
 * Entra nor proof that it connected. Each "latest ..." is its own LIMIT 1 probe of an index
 * (organization and time, or the partial success / test-connection / manual ones), so the cost
 * does not grow with the organization's history. Manual rows share the first two indexes, so a
 * probe steps over the manual rows in its way: the probes after `last` start at Entra's latest
 * request (no manual row newer than it is read), and are skipped when Entra never called (an
 * organization managed only by hand pays for one walk over its manual rows, not four).
 */
export const ACTIVITY_SQL = `
  SELECT first.at AS "firstRequestAt", last.at AS "lastRequestAt",
         live_ok.at AS "lastLiveSuccessAt", dry_ok.at AS "lastDryRunSuccessAt",
         last_live.outcome AS "lastLiveOutcome",
         probe.at AS "lastTestConnectionAt", probe.status AS "lastTestConnectionStatus",
         probe.outcome AS "lastTestConnectionOutcome", probe.dry_run AS "lastTestConnectionDryRun",
         manual.at AS "lastManualChangeAt"
    FROM (SELECT $1::uuid AS organization_id) o
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.source = 'scim'
                        ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) last ON true
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at FROM sync_audit_events e
                        WHERE last.at IS NOT NULL AND e.organization_id = o.organization_id AND e.source = 'scim'
                        ORDER BY e.occurred_at, e.id LIMIT 1) first ON true
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.outcome = 'success' AND e.dry_run = false
                          AND e.source = 'scim' AND e.occurred_at <= last.at
                        ORDER BY e.occurred_at DESC LIMIT 1) live_ok ON true
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.outcome = 'success' AND e.dry_run = true
                          AND e.source = 'scim' AND e.occurred_at <= last.at
                        ORDER BY e.occurred_at DESC LIMIT 1) dry_ok ON true
    LEFT JOIN LATERAL (SELECT e.outcome FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.dry_run = false
                          AND e.source = 'scim' AND e.occurred_at <= last.at
                        ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) last_live ON true
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at, e.status, e.outcome, e.dry_run FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.operation = 'test-connection'
                          AND e.source = 'scim'
                        ORDER BY e.occurred_at DESC LIMIT 1) probe ON true
    LEFT JOIN LATERAL (SELECT e.occurred_at AS at FROM sync_audit_events e
                        WHERE e.organization_id = o.organization_id AND e.source = 'manual'
                        ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) manual ON true`;

/**
 * Counts over the last 7 days (an index range scan on organization and time), 24 hours apart, by
 * source: the summary's windows take the SCIM rows, its manual-change count the others.
 */
export const ACTIVITY_COUNTS_SQL = `
  SELECT e.source, e.operation, e.outcome, e.dry_run AS "dryRun",
         coalesce(sum(e.count) FILTER (WHERE e.occurred_at >= now() - interval '24 hours'), 0)::int AS "last24Hours",
         sum(e.count)::int AS "last7Days"
    FROM sync_audit_events e
   WHERE e.organization_id = $1::uuid AND e.occurred_at >= now() - interval '7 days'
   GROUP BY e.source, e.operation, e.outcome, e.dry_run`;

/** Entra's failures only: a manual row is a committed change, never a failure of the sync. */
export const FREQUENT_ERRORS_SQL = `
  SELECT e.status, e.scim_type AS "scimType", e.detail, sum(e.count)::int AS count, max(e.occurred_at) AS "lastAt"
    FROM sync_audit_events e
   WHERE e.organization_id = $1::uuid AND e.occurred_at >= now() - interval '7 days' AND e.outcome = 'failure'
     AND e.source = 'scim'
   GROUP BY e.status, e.scim_type, e.detail
   ORDER BY sum(e.count) DESC, max(e.occurred_at) DESC
   LIMIT $2`;

/**
 * Oldest first, a bounded batch at a time, so no statement holds locks for long. `= ANY(ARRAY(...))`
 * rather than `IN (...)`: the batch's ids are collected first (time index), then deleted by primary
 * key, where IN would let the planner hash-join against the whole table.
 */
export const PRUNE_BATCH_SQL = `
  DELETE FROM sync_audit_events
   WHERE id = ANY(ARRAY(SELECT e.id FROM sync_audit_events e WHERE e.occurred_at < $1
                         ORDER BY e.occurred_at, e.id LIMIT $2))`;

/** The audit API's reads and retention; rows are written by the audit log (`#audit-log`). */
@Injectable()
export class AuditEventsRepository {
  constructor(
    private readonly sql: SqlExecutor,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async page(
    filter: AuditEventFilter,
    limit: number,
    after?: AuditCursor,
  ): Promise<AuditEventWithPosition[]> {
    const query = eventsPageQuery(filter, limit, after);
    return this.sql.rows<AuditEventWithPosition>(query.sql, query.params);
  }

  async findById(id: string, organizationId?: string): Promise<AuditEventRecord | undefined> {
    const rows = await this.sql.rows<AuditEventWithPosition>(
      `SELECT ${EVENT_COLUMNS} FROM sync_audit_events e
        WHERE e.id = $1 AND ($2::uuid IS NULL OR e.organization_id = $2::uuid)`,
      [id, organizationId ?? null],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { cursorTime: _cursorTime, ...event } = row;
    return event;
  }

  async activity(organizationId: string): Promise<OrganizationActivity> {
    return (await this.sql.one<OrganizationActivity>(ACTIVITY_SQL, [organizationId]))!;
  }

  async activityCounts(organizationId: string): Promise<ActivityCount[]> {
    return this.sql.rows<ActivityCount>(ACTIVITY_COUNTS_SQL, [organizationId]);
  }

  async frequentErrors(organizationId: string, limit: number): Promise<FrequentError[]> {
    return this.sql.rows<FrequentError>(FREQUENT_ERRORS_SQL, [organizationId, limit]);
  }

  /** Deletes up to `batchSize` rows older than `cutoff`; returns how many it deleted. */
  async pruneBatch(cutoff: Date, batchSize: number): Promise<number> {
    const result: unknown = await this.dataSource.query(PRUNE_BATCH_SQL, [cutoff, batchSize]);
    // TypeORM answers DELETE on PostgreSQL with [rows, rowCount].
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }
}
