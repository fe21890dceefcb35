import { Injectable, NotFoundException } from '@nestjs/common';
import { OrganizationsService } from '#organizations';
import { AuditEventsRepository, type ActivityCount } from './audit-events.repository.js';
import type { AuditReader } from './audit-reader.guard.js';
import { assertMayRead } from './audit-scope.js';
import type { ActivityWindowDto, AuditSummaryDto, ManualChangesDto } from './audit-summary.dto.js';
import { syncStatus } from './audit-summary.status.js';

const FREQUENT_ERRORS = 10;

function rate(failures: number, requests: number): number {
  return requests === 0 ? 0 : Math.round((failures / requests) * 10_000) / 10_000;
}

/** Entra's requests of one window: manual changes are not sync traffic and are counted apart. */
function window(counts: readonly ActivityCount[], pick: (count: ActivityCount) => number): ActivityWindowDto {
  const result: ActivityWindowDto = {
    requests: 0,
    byOutcome: { success: 0, failure: 0 },
    byOperation: {},
    failureRate: 0,
    live: { requests: 0, failures: 0, failureRate: 0 },
    dryRun: { requests: 0, failures: 0 },
  };
  for (const count of counts) {
    const n = pick(count);
    if (n === 0 || count.source !== 'scim') continue;
    const failures = count.outcome === 'failure' ? n : 0;
    result.requests += n;
    result.byOutcome[count.outcome] += n;
    const operation = (result.byOperation[count.operation ?? 'other'] ??= { requests: 0, failures: 0 });
    operation.requests += n;
    operation.failures += failures;
    const mode = count.dryRun ? result.dryRun : result.live;
    mode.requests += n;
    mode.failures += failures;
  }
  result.failureRate = rate(result.byOutcome.failure, result.requests);
  result.live.failureRate = rate(result.live.failures, result.live.requests);
  return result;
}

function manualChanges(counts: readonly ActivityCount[], lastAt: Date | null): ManualChangesDto {
  const manual = counts.filter((count) => count.source === 'manual');
  const sum = (pick: (count: ActivityCount) => number) =>
    manual.reduce((total, count) => total + pick(count), 0);
  return {
    last24Hours: sum((count) => count.last24Hours),
    last7Days: sum((count) => count.last7Days),
    lastAt,
  };
}

/**
 * Sync health of one organization at a glance, for support tickets. Everything but
 * `manualChanges` is Entra's traffic only (source 'scim'): an organization managed only by hand
 * has never connected.
 */
@Injectable()
export class AuditSummaryService {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  async summary(reader: AuditReader, organizationId: string): Promise<AuditSummaryDto> {
    assertMayRead(reader, organizationId);
    if (!(await this.organizations.findById(organizationId))) {
      throw new NotFoundException(`Organization ${organizationId} does not exist.`);
    }
    const [activity, counts, frequentErrors] = await Promise.all([
      this.events.activity(organizationId),
      this.events.activityCounts(organizationId),
      this.events.frequentErrors(organizationId, FREQUENT_ERRORS),
    ]);
    const last24Hours = window(counts, (count) => count.last24Hours);
    const last7Days = window(counts, (count) => count.last7Days);
    const { status, reason } = syncStatus({
      lastRequestAt: activity.lastRequestAt,
      lastLiveSuccessAt: activity.lastLiveSuccessAt,
      lastDryRunSuccessAt: activity.lastDryRunSuccessAt,
      lastLiveOutcome: activity.lastLiveOutcome,
      liveRequests24h: last24Hours.live.requests,
      liveFailures24h: last24Hours.live.failures,
    });
    const successes = [activity.lastLiveSuccessAt, activity.lastDryRunSuccessAt].filter(
      (at): at is Date => at !== null,
    );
    return {
      organizationId,
      status,
      statusReason: reason,
      firstRequestAt: activity.firstRequestAt,
      lastRequestAt: activity.lastRequestAt,
      lastSuccessAt: successes.length ? new Date(Math.max(...successes.map((at) => at.getTime()))) : null,
      lastLiveSuccessAt: activity.lastLiveSuccessAt,
      lastDryRunSuccessAt: activity.lastDryRunSuccessAt,
      lastTestConnection:
        activity.lastTestConnectionAt === null
          ? null
          : {
              at: activity.lastTestConnectionAt,
              status: activity.lastTestConnectionStatus ?? 0,
              outcome: activity.lastTestConnectionOutcome ?? 'failure',
              dryRun: activity.lastTestConnectionDryRun ?? false,
            },
      last24Hours,
      last7Days,
      frequentErrors,
      manualChanges: manualChanges(counts, activity.lastManualChangeAt),
    };
  }
}
