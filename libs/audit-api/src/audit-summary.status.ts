/** Plain-language sync health, as support staff say it on the phone. */
export type SyncStatus = 'never connected' | 'dry-run only' | 'healthy' | 'failing';

/** Share of failed live requests at or above which an organization's sync counts as failing. */
export const FAILING_RATE = 0.2;

/**
 * Entra's traffic only (source 'scim'): a manual change made through the management API is
 * neither a request of Entra nor a sign that provisioning works, so it never counts here.
 */
export interface SyncStatusInput {
  lastRequestAt: Date | null;
  lastLiveSuccessAt: Date | null;
  lastDryRunSuccessAt: Date | null;
  /** Outcome of the latest live (not dry-run) request, whenever it was. */
  lastLiveOutcome: 'success' | 'failure' | null;
  liveRequests24h: number;
  liveFailures24h: number;
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/**
 * - never connected: no request of Entra ever succeeded (none arrived, or every one was refused),
 *   however much was managed by hand;
 * - dry-run only: only the dry-run Tenant URL ever succeeded, nothing was provisioned;
 * - failing: at least FAILING_RATE of the live requests of the last 24 hours failed, or, with no
 *   live request in that time, the latest live request failed;
 * - healthy: otherwise.
 */
export function syncStatus(input: SyncStatusInput): { status: SyncStatus; reason: string } {
  if (input.lastLiveSuccessAt === null && input.lastDryRunSuccessAt === null) {
    return {
      status: 'never connected',
      reason:
        input.lastRequestAt === null
          ? 'No request from Entra ID has arrived for this organization yet.'
          : 'Requests arrived, but none has ever succeeded (check the Tenant URL and the Secret Token).',
    };
  }
  if (input.lastLiveSuccessAt === null) {
    return {
      status: 'dry-run only',
      reason: 'Only the dry-run Tenant URL has been used successfully; nothing has been provisioned yet.',
    };
  }
  if (input.liveRequests24h > 0) {
    const rate = input.liveFailures24h / input.liveRequests24h;
    const counts = `${input.liveFailures24h} of ${input.liveRequests24h} live requests in the last 24 hours failed (${percent(rate)})`;
    return rate >= FAILING_RATE
      ? { status: 'failing', reason: `${counts}.` }
      : { status: 'healthy', reason: `${counts}.` };
  }
  return input.lastLiveOutcome === 'failure'
    ? { status: 'failing', reason: 'No live request in the last 24 hours, and the latest one failed.' }
    : {
        status: 'healthy',
        reason: `No live request in the last 24 hours; the latest one succeeded (last success ${input.lastLiveSuccessAt.toISOString()}).`,
      };
}
