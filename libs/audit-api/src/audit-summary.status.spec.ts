import { describe, expect, it } from 'vitest';
import { syncStatus, type SyncStatusInput } from './audit-summary.status.js';

const at = new Date('2026-11-01T00:00:00Z');
const base: SyncStatusInput = {
  lastRequestAt: at,
  lastLiveSuccessAt: at,
  lastDryRunSuccessAt: null,
  lastLiveOutcome: 'success',
  liveRequests24h: 10,
  liveFailures24h: 0,
};

describe('syncStatus', () => {
  it.each<[string, Partial<SyncStatusInput>, string]>([
    ['nothing ever arrived', { lastRequestAt: null, lastLiveSuccessAt: null }, 'never connected'],
    ['everything was refused', { lastLiveSuccessAt: null, liveFailures24h: 10 }, 'never connected'],
    ['only dry-run succeeded', { lastLiveSuccessAt: null, lastDryRunSuccessAt: at }, 'dry-run only'],
    ['live requests succeed', {}, 'healthy'],
    ['a few live failures', { liveFailures24h: 1 }, 'healthy'],
    ['a fifth of live requests failed', { liveFailures24h: 2 }, 'failing'],
    ['quiet day, last live request succeeded', { liveRequests24h: 0 }, 'healthy'],
    ['quiet day, last live request failed', { liveRequests24h: 0, lastLiveOutcome: 'failure' }, 'failing'],
  ])('%s: %s', (_case, input, status) => {
    const result = syncStatus({ ...base, ...input });
    expect(result.status).toBe(status);
    expect(result.reason).toMatch(/\.$/);
  });

  it('explains the rate in words', () => {
    expect(syncStatus({ ...base, liveFailures24h: 3 }).reason).toBe(
      '3 of 10 live requests in the last 24 hours failed (30%).',
    );
  });
});
