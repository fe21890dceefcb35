import { describe, expect, it } from 'vitest';
import { type JsonObject } from './json.util.js';
import { MAX_MULTI_VALUED_ENTRIES, MAX_PATCH_OPERATIONS } from './limits.js';
import { type PatchApplyStats, applyPatchToJson } from './patch.apply.js';
import { parsePatchRequest } from './patch.parser.js';
import { normalizeResource } from './patch.values.js';
import { ScimError } from './scim.error.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const body = (operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

/** The request: `add` of `emails[type eq "tN"].value`, N cycling over `types` values. */
const filteredEmailAdds = (count: number, types = count) =>
  Array.from({ length: count }, (_, index) => ({
    op: 'add',
    path: `emails[type eq "t${index % types}"].value`,
    value: `user+${index}@example.com`,
  }));

const user = (extra: JsonObject = {}): JsonObject => ({
  schemas: [USER],
  id: 'u1',
  userName: 'bjensen',
  emails: [{ type: 'work', value: 'bjensen@example.com', primary: true }],
  ...extra,
});

const newStats = (): PatchApplyStats => ({ elementVisits: 0, elementCopies: 0 });

function scimErrorOf(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

function expectInvalidValue(action: () => unknown, message: RegExp): void {
  const error = scimErrorOf(action);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('invalidValue');
  expect(error.detail).toMatch(message);
}

describe('operations per PATCH', () => {
  it('is capped at 1,000', () => {
    expect(MAX_PATCH_OPERATIONS).toBe(1_000);
  });

  it('accepts exactly the cap', () => {
    expect(parsePatchRequest(body(filteredEmailAdds(MAX_PATCH_OPERATIONS, 10)), 'User')).toHaveLength(
      MAX_PATCH_OPERATIONS,
    );
  });

  it("refuses the issue's 10,000-operation request with 400 invalidValue naming the cap", () => {
    expectInvalidValue(
      () => parsePatchRequest(body(filteredEmailAdds(10_000)), 'User'),
      /10000 operations; at most 1000 .*MAX_PATCH_OPERATIONS/,
    );
  });

  it('refuses before parsing any operation (a broken first operation is never reached)', () => {
    const operations = [{ op: 'frobnicate', path: '((' }, ...filteredEmailAdds(MAX_PATCH_OPERATIONS)];
    expectInvalidValue(() => parsePatchRequest(body(operations), 'User'), /1001 operations; at most 1000/);
  });

  it('counts path-less operations after their expansion', () => {
    const value = Object.fromEntries(
      Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, (_, index) => [`custom${index}`, 'x']),
    );
    expectInvalidValue(
      () => parsePatchRequest(body([{ op: 'replace', value }]), 'User'),
      /more than 1000 operations/,
    );
  });

  it('does not count the member values of one membership operation', () => {
    const members = Array.from({ length: 5_000 }, (_, index) => ({ value: `m${index}` }));
    const operations = parsePatchRequest(body([{ op: 'Add', path: 'members', value: members }]), 'Group');
    expect(operations).toHaveLength(1);
  });
});

describe('entries per multi-valued attribute', () => {
  const emails = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ type: `t${index}`, value: `e${index}@example.com` }));

  it('is capped at 100', () => {
    expect(MAX_MULTI_VALUED_ENTRIES).toBe(100);
  });

  it('refuses a PATCH value with more entries than the cap, accepts the cap', () => {
    expect(() =>
      parsePatchRequest(body([{ op: 'add', path: 'emails', value: emails(100) }]), 'User'),
    ).not.toThrow();
    expectInvalidValue(
      () => parsePatchRequest(body([{ op: 'replace', path: 'emails', value: emails(101) }]), 'User'),
      /'emails' would hold 101 entries; a multi-valued attribute holds at most 100/,
    );
    expectInvalidValue(
      () => parsePatchRequest(body([{ op: 'add', path: 'customList', value: emails(101) }]), 'User'),
      /'customList' would hold 101 entries/,
    );
  });

  it('refuses filtered adds that would grow an attribute beyond the cap', () => {
    const operations = parsePatchRequest(body(filteredEmailAdds(MAX_MULTI_VALUED_ENTRIES)), 'User');
    // The user already has a work e-mail: 99 creations fit, the 100th would make 101.
    expectInvalidValue(
      () => applyPatchToJson(user(), operations, 'User'),
      /'emails' would hold 101 entries; .* at most 100 \(MAX_MULTI_VALUED_ENTRIES\)/,
    );
    const fits = applyPatchToJson(user(), operations.slice(0, 99), 'User');
    expect(fits['emails']).toHaveLength(100);
  });

  it('refuses whole-value adds that would grow an attribute beyond the cap', () => {
    const full = user({ emails: emails(100) });
    const add = parsePatchRequest(body([{ op: 'add', path: 'emails', value: [{ value: 'x@y' }] }]), 'User');
    expectInvalidValue(() => applyPatchToJson(full, add, 'User'), /'emails' would hold 101 entries/);
    // Re-adding an entry already there does not grow the attribute.
    const again = parsePatchRequest(
      body([{ op: 'add', path: 'emails', value: [{ type: 't7', value: 'e7@example.com' }] }]),
      'User',
    );
    expect(applyPatchToJson(full, again, 'User')['emails']).toHaveLength(100);
  });

  it('lets an attribute stored before the cap shrink or change, but not grow', () => {
    const legacy = user({ emails: emails(150) });
    const change = parsePatchRequest(
      body([
        { op: 'replace', path: 'emails[type eq "t3"].value', value: 'new@example.com' },
        { op: 'remove', path: 'emails[type eq "t4"]' },
      ]),
      'User',
    );
    const changed = applyPatchToJson(legacy, change, 'User')['emails'] as JsonObject[];
    expect(changed).toHaveLength(149);
    expect(changed[3]).toEqual({ type: 't3', value: 'new@example.com' });
    const grow = parsePatchRequest(
      body([{ op: 'add', path: 'emails[type eq "new"].value', value: 'n@x' }]),
      'User',
    );
    expectInvalidValue(() => applyPatchToJson(legacy, grow, 'User'), /'emails' would hold 151 entries/);
  });

  it('refuses POST/PUT bodies over the cap, in core, extension and unknown attributes', () => {
    expect(() => normalizeResource('User', { userName: 'a', emails: emails(100) })).not.toThrow();
    expectInvalidValue(
      () => normalizeResource('User', { userName: 'a', emails: emails(101) }),
      /'emails' would hold 101 entries/,
    );
    const roles = Array.from({ length: 101 }, () => ({ value: 'RegularUser' }));
    expectInvalidValue(() => normalizeResource('User', { userName: 'a', roles }), /'roles' would hold 101/);
    expectInvalidValue(
      () => normalizeResource('User', { userName: 'a', tags: Array.from({ length: 101 }, String) }),
      /'tags' would hold 101/,
    );
    const urn = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    expectInvalidValue(
      () => normalizeResource('User', { userName: 'a', [urn]: { badges: emails(101) } }),
      /'urn:ietf:params:scim:schemas:extension:acme:2\.0:User:badges' would hold 101/,
    );
  });

  it("does not cap a group's members", () => {
    const members = Array.from({ length: 5_000 }, (_, index) => ({ value: `m${index}` }));
    const group = normalizeResource('Group', { displayName: 'big', members });
    expect(group['members']).toHaveLength(5_000);
  });
});

describe('cost of applying a PATCH', () => {
  const apply = (operations: unknown[], resource = user()) => {
    const stats = newStats();
    const parsed = parsePatchRequest(body(operations), 'User');
    const result = applyPatchToJson(resource, parsed, 'User', stats);
    return { result, stats };
  };

  it('copies an attribute at most once per request, not once per operation', () => {
    const { result, stats } = apply(filteredEmailAdds(MAX_PATCH_OPERATIONS, 50));
    expect(result['emails']).toHaveLength(51);
    // Only the stored work e-mail is copied, once; the old applier copied the array per operation.
    expect(stats.elementCopies).toBe(1);
  });

  it('visits at most a bounded number of elements per operation', () => {
    const types = MAX_MULTI_VALUED_ENTRIES - 1;
    const { stats } = apply(filteredEmailAdds(MAX_PATCH_OPERATIONS, types));
    // Each operation scans, compacts and checks `primary` on the attribute once: three passes.
    expect(stats.elementVisits).toBeLessThanOrEqual(MAX_PATCH_OPERATIONS * 3 * MAX_MULTI_VALUED_ENTRIES);
  });

  it('grows linearly with the number of operations', () => {
    const visits = (count: number) => apply(filteredEmailAdds(count, 20)).stats.elementVisits;
    const small = visits(250);
    const large = visits(1_000);
    expect(large).toBeLessThanOrEqual(4 * small * 1.1);
  });

  it('keeps the result of the largest accepted request exact', () => {
    const { result } = apply(filteredEmailAdds(MAX_PATCH_OPERATIONS, 50));
    const emails = result['emails'] as JsonObject[];
    expect(emails[0]).toEqual({ type: 'work', value: 'bjensen@example.com', primary: true });
    // The last write to each type wins: t0 is written by operations 0, 50, …, 950.
    expect(emails[1]).toEqual({ type: 't0', value: 'user+950@example.com' });
    expect(emails[50]).toEqual({ type: 't49', value: 'user+999@example.com' });
  });
});
