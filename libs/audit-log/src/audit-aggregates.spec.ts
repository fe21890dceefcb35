import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEventRow } from './audit-event.builder.js';
import { AGGREGATE_WINDOW_MS, type AggregatedRow, AuditAggregates } from './audit-aggregates.js';

const folded = (key: string, count = 1): AggregatedRow => ({
  key,
  row: {} as AuditEventRow,
  count,
  lastOccurredAt: new Date(0),
  tokenPrefix: null,
});

class Unavailable extends Error {}

describe('AuditAggregates across a database outage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps the counts of a failed write, merges what arrives meanwhile, and writes them when the database is back', async () => {
    const written: AggregatedRow[][] = [];
    const given: AggregatedRow[][] = [];
    let down = true;
    const aggregates = new AuditAggregates(
      async (rows) => {
        if (down) throw new Unavailable('database away');
        written.push(rows.map((row) => ({ ...row })));
      },
      (_error, rows) => given.push(rows),
      (error) => error instanceof Unavailable,
    );
    aggregates.add(folded('a', 3));
    await vi.advanceTimersByTimeAsync(AGGREGATE_WINDOW_MS);
    expect(written).toEqual([]);
    expect(aggregates.size).toBe(1);
    aggregates.add(folded('a', 2));
    aggregates.add(folded('b'));
    down = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(written.flat().map((row) => [row.key, row.count])).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
    expect(given).toEqual([]);
  });

  it('gives rows up at once when the failure is not an outage', async () => {
    const given: AggregatedRow[][] = [];
    const aggregates = new AuditAggregates(
      () => Promise.reject(new Error('a bug')),
      (_error, rows) => given.push(rows),
      (error) => error instanceof Unavailable,
    );
    aggregates.add(folded('a', 4));
    await aggregates.flush();
    expect(given.flat().map((row) => row.count)).toEqual([4]);
    expect(aggregates.size).toBe(0);
  });
});
