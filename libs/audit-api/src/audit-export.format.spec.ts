import { describe, expect, it } from 'vitest';
import type { AuditEventRecord } from './audit-events.repository.js';
import { CSV_COLUMNS, csvHeader, csvLine, ndjsonLine } from './audit-export.format.js';

const event: AuditEventRecord = {
  id: 'e-1',
  occurredAt: new Date('2026-11-01T10:00:00.123Z'),
  organizationId: 'o-1',
  source: 'scim',
  tokenId: null,
  userId: null,
  requestId: 'r-1',
  clientAddress: '10.0.0.1',
  userAgent: '=cmd|calc',
  method: 'POST',
  path: '/scim/o-1/Users',
  query: null,
  dryRun: false,
  operation: 'create',
  resourceType: 'User',
  resourceId: null,
  externalId: null,
  userName: 'bob, "the builder"',
  displayName: 'line\nbreak',
  status: 409,
  outcome: 'failure',
  scimType: 'uniqueness',
  detail: '-1 is not a valid id',
  durationMs: 4,
  requestBody: { userName: 'bob' },
  effect: null,
  count: 1,
  lastOccurredAt: null,
  tokenPrefix: null,
};

describe('export formats', () => {
  it('writes one JSON object per line', () => {
    const line = ndjsonLine(event);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ id: 'e-1', occurredAt: '2026-11-01T10:00:00.123Z' });
  });

  it('writes RFC 4180 CSV, quoting where needed and defusing formulas', () => {
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const line = csvLine(event);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line).toContain(',2026-11-01T10:00:00.123Z,o-1,,,r-1,');
    expect(line).toContain(",'=cmd|calc,");
    expect(line).toContain(',"bob, ""the builder""","line\nbreak",');
    expect(line).toContain(",'-1 is not a valid id,");
    // source and the folded rows' columns come last (added after the first release), so the
    // columns before them never moved.
    expect(line).toContain(',"{""userName"":""bob""}",,scim,1,,\r\n');
    expect(csvHeader().endsWith(',requestBody,effect,source,count,lastOccurredAt,tokenPrefix\r\n')).toBe(
      true,
    );
  });
});
