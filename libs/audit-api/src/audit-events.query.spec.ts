import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, eventsPageQuery, whereClause } from './audit-events.query.js';

describe('audit events query', () => {
  it('round-trips a cursor and rejects anything else', () => {
    const cursor = { occurredAt: '2026-11-01T10:00:00.123456Z', id: '6c0c5b5e-8a39-4c4f-9b8e-0d6f1c1f2a3b' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of [
      '',
      'abc',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });

  it('binds every filter as a parameter, escaping LIKE wildcards in free text', () => {
    const params: unknown[] = [];
    const where = whereClause({ organizationId: 'o', userName: "x' OR 1=1 --", text: '50%_off\\' }, params);
    expect(where).toBe(
      'WHERE e.organization_id = $1::uuid AND lower(e.user_name) = lower($2) AND e.detail ILIKE $3',
    );
    expect(params).toEqual(['o', "x' OR 1=1 --", '%50\\%\\_off\\\\%']);
  });

  it("filters by source with the literal predicate of the manual rows' partial indexes", () => {
    const params: unknown[] = [];
    expect(whereClause({ organizationId: 'o', source: 'manual' }, params)).toBe(
      "WHERE e.organization_id = $1::uuid AND e.source = 'manual'",
    );
    expect(whereClause({ source: 'scim' }, [])).toBe("WHERE e.source = 'scim'");
    expect(params).toEqual(['o']);
  });

  it('pages after a cursor by (occurred_at, id), newest first', () => {
    const query = eventsPageQuery({}, 10, { occurredAt: '2026-11-01T10:00:00.000000Z', id: 'i' });
    expect(query.sql).toMatch(/WHERE \(e\.occurred_at, e\.id\) < \(\$1::timestamptz, \$2::uuid\)/);
    expect(query.sql).toMatch(/ORDER BY e\.occurred_at DESC, e\.id DESC\s+LIMIT \$3/);
    expect(query.params).toEqual(['2026-11-01T10:00:00.000000Z', 'i', 10]);
  });
});
