import { describe, expect, it } from 'vitest';
import {
  MAX_EFFECT_ENTRIES,
  MAX_EFFECT_IDS,
  noteAuditCaller,
  noteAuditFailure,
  requestAuditOf,
  RequestAudit,
  startRequestAudit,
} from './request-audit.state.js';

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

describe('RequestAudit', () => {
  it('merges descriptions: later values win, undefined leaves what is there, null clears', () => {
    const audit = new RequestAudit();
    audit.describe({ operation: 'update', resourceType: 'User', userName: 'bob', externalId: 'x' });
    audit.describe({ resourceId: 'u-1', userName: undefined, externalId: null });
    expect(audit.described()).toEqual({
      operation: 'update',
      resourceType: 'User',
      userName: 'bob',
      externalId: null,
      resourceId: 'u-1',
    });
  });

  it('concatenates member lists with exact counts, keeping at most 100 ids each', () => {
    const audit = new RequestAudit();
    audit.recordEffect({ membersAdded: ids('a', 80), membersRemoved: ids('r', 3) });
    audit.recordEffect({ membersAdded: ids('b', 70), membersRemovedAll: true });
    const effect = audit.storedEffect()!;
    expect(effect.membersAdded!.count).toBe(150);
    expect(effect.membersAdded!.ids).toEqual([...ids('a', 80), ...ids('b', 20)]);
    expect(effect.membersAdded!.ids).toHaveLength(MAX_EFFECT_IDS);
    expect(effect.membersRemoved).toEqual({ count: 3, ids: ids('r', 3) });
    expect(effect.membersRemovedAll).toBe(true);
  });

  it('merges changes by path, keeping the first before and the last after', () => {
    const audit = new RequestAudit();
    audit.recordEffect({
      changed: { active: { before: true, after: false }, title: { before: 'a', after: 'b' } },
    });
    audit.recordEffect({ changed: { title: { before: 'b', after: 'c' } } });
    expect(audit.storedEffect()!.changed).toEqual({
      active: { before: true, after: false },
      title: { before: 'a', after: 'c' },
    });
  });

  it('merges consequences of the same kind and reason, and caps notes and entries', () => {
    const audit = new RequestAudit();
    const reason = 'removed from all synchronized groups';
    audit.recordEffect({ consequences: [{ kind: 'user-deactivated', userIds: ['u1'], reason }] });
    audit.recordEffect({ consequences: [{ kind: 'user-deactivated', userIds: ['u2', 'u3'], reason }] });
    audit.recordEffect({ notes: ids('note', MAX_EFFECT_ENTRIES + 10) });
    const effect = audit.storedEffect()!;
    expect(effect.consequences).toEqual([
      { kind: 'user-deactivated', reason, userIds: { count: 3, ids: ['u1', 'u2', 'u3'] } },
    ]);
    expect(effect.notes).toHaveLength(MAX_EFFECT_ENTRIES);
  });

  it('has no effect until one is recorded, and notes list sizes', () => {
    const audit = new RequestAudit();
    expect(audit.storedEffect()).toBeNull();
    audit.noteTotalResults(0);
    expect(audit.storedEffect()).toEqual({ totalResults: 0 });
  });

  it('forgets what a handler recorded when its transaction is retried', () => {
    const audit = new RequestAudit();
    audit.describe({ userName: 'first attempt' });
    audit.recordEffect({ membersAdded: ['x'] });
    audit.noteTotalResults(3);
    audit.resetHandlerRecord();
    expect(audit.described()).toEqual({});
    expect(audit.storedEffect()).toBeNull();
    expect(audit.resultCount()).toBeUndefined();
  });
});

describe('request audit registry', () => {
  it('finds the record by the raw request or by a Fastify request wrapping it', () => {
    const raw = {};
    const audit = startRequestAudit(raw);
    expect(requestAuditOf(raw)).toBe(audit);
    expect(requestAuditOf({ raw })).toBe(audit);
    expect(requestAuditOf({})).toBeUndefined();
    expect(requestAuditOf(undefined)).toBeUndefined();
  });

  it('notes the caller and the failure, and ignores requests without a record', () => {
    const raw = {};
    const audit = startRequestAudit(raw);
    noteAuditCaller({ raw }, { tokenId: 't', userId: 'u', organizationId: 'o' });
    noteAuditFailure(raw, { status: 409, scimType: 'uniqueness', detail: 'taken' });
    expect(audit.caller).toEqual({ tokenId: 't', userId: 'u', organizationId: 'o' });
    expect(audit.failure).toEqual({ status: 409, scimType: 'uniqueness', detail: 'taken' });
    expect(() => noteAuditFailure({}, { status: 500, detail: 'x' })).not.toThrow();
  });
});
