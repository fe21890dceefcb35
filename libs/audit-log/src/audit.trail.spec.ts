import { describe, expect, it } from 'vitest';
import { CLS_REQ, type ClsService } from 'nestjs-cls';
import { AuditTrail } from './audit.trail.js';
import { startRequestAudit } from './request-audit.state.js';

function cls(active: boolean, request?: unknown): ClsService {
  return {
    isActive: () => active,
    get: (key: unknown) => (key === CLS_REQ ? request : undefined),
  } as unknown as ClsService;
}

describe('AuditTrail', () => {
  it("fills in the current request's record", () => {
    const raw = {};
    const audit = startRequestAudit(raw);
    const trail = new AuditTrail(cls(true, raw));
    trail.describe({ operation: 'update', userName: 'bob' });
    trail.recordEffect({ membersAdded: ['u1'] });
    expect(audit.described()).toEqual({ operation: 'update', userName: 'bob' });
    expect(audit.storedEffect()).toEqual({ membersAdded: { count: 1, ids: ['u1'] } });
  });

  it('does nothing outside a request, or in a request that is not a SCIM one', () => {
    for (const trail of [
      new AuditTrail(cls(false)),
      new AuditTrail(cls(true, {})),
      new AuditTrail(cls(true)),
    ]) {
      expect(() => trail.describe({ userName: 'x' })).not.toThrow();
      expect(() => trail.recordEffect({ notes: ['x'] })).not.toThrow();
    }
  });

  it('never throws, even when the context does', () => {
    const broken = {
      isActive: () => {
        throw new Error('boom');
      },
    } as unknown as ClsService;
    expect(() => new AuditTrail(broken).describe({ userName: 'x' })).not.toThrow();
  });
});
