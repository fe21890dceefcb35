import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAuditRow,
  buildManualAuditRow,
  inferOperation,
  isTestConnectionFilter,
  parseScimPath,
  type ManualAuditChange,
  type RequestFacts,
} from './audit-event.builder.js';
import { RequestAudit } from './request-audit.state.js';

const ORG = '6c0c5b5e-8a39-4c4f-9b8e-0d6f1c1f2a3b';

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    method: 'GET',
    url: `/scim/${ORG}/Users`,
    requestId: 'req-1',
    body: undefined,
    status: 200,
    durationMs: 1.6,
    ...overrides,
  };
}

describe('parseScimPath', () => {
  it.each([
    [`/scim/${ORG}/Users`, { organizationId: ORG, dryRun: false, resource: 'Users', resourceId: undefined }],
    [
      `/scim/${ORG}/dry-run/Users/abc`,
      { organizationId: ORG, dryRun: true, resource: 'Users', resourceId: 'abc' },
    ],
    [`/scim/${ORG}/Schemas/urn%3Aietf%3Aparams`, { resource: 'Schemas', resourceId: 'urn:ietf:params' }],
    [`/scim/${ORG}/dry-run`, { dryRun: true, resource: undefined }],
    ['/scim', { organizationId: undefined, dryRun: false }],
    ['/health/live', { dryRun: false }],
  ])('splits %s', (path, expected) => {
    expect(parseScimPath(path)).toMatchObject(expected);
  });
});

describe('inferOperation', () => {
  const at = (path: string) => parseScimPath(`/scim/${ORG}${path}`);
  it.each([
    ['GET', '/Users', 'query'],
    ['GET', '/Groups', 'query'],
    ['GET', '/Users/u-1', 'read'],
    ['POST', '/Users', 'create'],
    ['POST', '/Users/.search', 'query'],
    ['POST', '/.search', 'query'],
    ['PUT', '/Groups/g-1', 'replace'],
    ['PATCH', '/Groups/g-1', 'update'],
    ['DELETE', '/Users/u-1', 'delete'],
    ['GET', '/ServiceProviderConfig', 'discovery'],
    ['GET', '/ResourceTypes/User', 'discovery'],
    ['GET', '/Schemas', 'discovery'],
    ['GET', '/Nothing', 'read'],
    ['OPTIONS', '/Users', null],
  ])('%s %s is %s', (method, path, operation) => {
    expect(inferOperation(method, at(path))).toBe(operation);
  });
});

describe('isTestConnectionFilter', () => {
  it('recognises an attribute equal to a GUID, quoted or not, in any case', () => {
    expect(isTestConnectionFilter(`userName eq "${randomUUID()}"`)).toBe(true);
    expect(isTestConnectionFilter(`externalId EQ ${randomUUID().toUpperCase()}`)).toBe(true);
    expect(isTestConnectionFilter('userName eq "alice@example.com"')).toBe(false);
    expect(isTestConnectionFilter(`userName eq "${randomUUID()}" and active eq true`)).toBe(false);
    expect(isTestConnectionFilter(undefined)).toBe(false);
  });
});

describe('buildAuditRow', () => {
  const probe = `/scim/${ORG}/dry-run/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`;

  it('calls a GUID probe that found nothing, or was refused, a Test connection; one that found someone a query', () => {
    const empty = new RequestAudit();
    empty.describe({ operation: 'query' });
    empty.noteTotalResults(0);
    expect(buildAuditRow(empty, facts({ url: probe })).operation).toBe('test-connection');
    expect(buildAuditRow(new RequestAudit(), facts({ url: probe, status: 401 })).operation).toBe(
      'test-connection',
    );
    const found = new RequestAudit();
    found.noteTotalResults(1);
    expect(buildAuditRow(found, facts({ url: probe })).operation).toBe('query');
  });

  it("uses the guard's organization when it is the URL's, and leaves another to the insert's lookup", () => {
    const resolved = new RequestAudit();
    resolved.caller = { tokenId: 't', userId: 'u', organizationId: ORG };
    expect(buildAuditRow(resolved, facts())).toMatchObject({
      organizationId: ORG,
      organizationCandidate: null,
    });
    const other = new RequestAudit();
    other.caller = { tokenId: 't', userId: 'u', organizationId: randomUUID() };
    expect(buildAuditRow(other, facts())).toMatchObject({ organizationId: null, organizationCandidate: ORG });
    expect(buildAuditRow(new RequestAudit(), facts({ url: '/scim/acme/Users' }))).toMatchObject({
      organizationId: null,
      organizationCandidate: null,
    });
  });

  it('prefers what the handler described over what the path says', () => {
    const audit = new RequestAudit();
    audit.describe({ operation: 'update', resourceType: 'Group', resourceId: 'g-9', displayName: 'Ops' });
    expect(buildAuditRow(audit, facts({ method: 'PATCH', url: `/scim/${ORG}/Groups/g-1` }))).toMatchObject({
      operation: 'update',
      resourceType: 'Group',
      resourceId: 'g-9',
      displayName: 'Ops',
    });
  });

  it('keeps the effect of successes only, and the failure of failures only', () => {
    const audit = new RequestAudit();
    audit.recordEffect({ notes: ['done'] });
    audit.failure = { status: 409, scimType: 'uniqueness', detail: 'taken' };
    expect(buildAuditRow(audit, facts({ status: 200 }))).toMatchObject({
      outcome: 'success',
      effect: '{"notes":["done"]}',
      scimType: null,
      detail: null,
    });
    expect(buildAuditRow(audit, facts({ status: 409 }))).toMatchObject({
      outcome: 'failure',
      effect: null,
      scimType: 'uniqueness',
      detail: 'taken',
    });
  });

  it('bounds each changed value, so a huge attribute never crowds out the member counts', () => {
    const audit = new RequestAudit();
    const huge = Array.from({ length: 5_000 }, (_, index) => `value-${index}`);
    audit.recordEffect({ changed: { emails: { before: [], after: huge } }, membersAdded: ['u1'] });
    const effect = JSON.parse(buildAuditRow(audit, facts()).effect!) as Record<
      string,
      Record<string, unknown>
    >;
    expect(effect.membersAdded).toEqual({ count: 1, ids: ['u1'] });
    expect(effect.changed!.emails).toEqual({
      before: [],
      after: { $truncated: true, sizeBytes: null, preview: expect.stringMatching(/^\["value-0","value-1"/) },
    });
  });

  it('stores the body redacted, or what arrived when it did not parse', () => {
    const row = buildAuditRow(
      new RequestAudit(),
      facts({ method: 'POST', body: { userName: 'a', password: 'p' } }),
    );
    expect(JSON.parse(row.requestBody!)).toEqual({ userName: 'a', password: '[REDACTED]' });
    const unparsed = new RequestAudit();
    unparsed.unparsedBody = '{"userName": ';
    expect(JSON.parse(buildAuditRow(unparsed, facts({ method: 'POST' })).requestBody!)).toEqual({
      $unparsed: '{"userName": ',
    });
    expect(buildAuditRow(new RequestAudit(), facts()).requestBody).toBeNull();
  });

  it('splits path and query, rounds the duration, and never drops a row for odd input', () => {
    const row = buildAuditRow(
      new RequestAudit(),
      facts({ url: `/scim/${ORG}/Users/%E0%A4%A?x=1`, durationMs: 2.5 }),
    );
    expect(row).toMatchObject({
      path: `/scim/${ORG}/Users/%E0%A4%A`,
      query: 'x=1',
      durationMs: 3,
      resourceId: '%E0%A4%A',
    });
  });
});

describe('buildManualAuditRow', () => {
  const change = (overrides: Partial<ManualAuditChange> = {}): ManualAuditChange => ({
    occurredAt: new Date('2026-11-01T10:00:00Z'),
    organizationId: ORG,
    tokenId: randomUUID(),
    userId: randomUUID(),
    requestId: 'req-9',
    method: 'POST',
    path: `/api/v1/organizations/${ORG}/projects`,
    status: 201,
    durationMs: 7.4,
    operation: 'create',
    resourceType: 'Project',
    resourceId: 'p-1',
    label: 'Releases',
    ...overrides,
  });

  it("files a user's label as userName and any other's as displayName, where the audit API looks names up", () => {
    expect(buildManualAuditRow(change())).toMatchObject({ userName: null, displayName: 'Releases' });
    expect(
      buildManualAuditRow(change({ resourceType: 'User', operation: 'deactivate', label: 'bob@acme.test' })),
    ).toMatchObject({ userName: 'bob@acme.test', displayName: null });
    expect(buildManualAuditRow(change({ label: undefined }))).toMatchObject({
      userName: null,
      displayName: null,
    });
  });

  it('masks and caps the effect and the text like a SCIM row, and stores no empty effect', () => {
    const secret = `sct_0123456789ab_${'x'.repeat(43)}`;
    const row = buildManualAuditRow(
      change({
        label: `Project ${secret}`,
        userAgent: `curl ${secret}`,
        durationMs: 7.4,
        effect: {
          changed: {
            description: { before: null, after: `paste: ${secret}` },
            notes: { before: [], after: Array.from({ length: 5_000 }, (_, index) => `n-${index}`) },
          },
          clientSecret: 'abc',
        },
      }),
    );
    expect(`${row.displayName} ${row.userAgent} ${row.effect}`).not.toContain(secret);
    const effect = JSON.parse(row.effect!) as {
      changed: Record<string, { after: unknown }>;
      clientSecret: string;
    };
    expect(effect.changed.description!.after).toBe('paste: [REDACTED]');
    expect(effect.changed.notes!.after).toMatchObject({ $truncated: true });
    expect(effect.clientSecret).toBe('[REDACTED]');
    expect(row.durationMs).toBe(7);
    expect(buildManualAuditRow(change({ effect: {} })).effect).toBeNull();
    expect(buildManualAuditRow(change()).effect).toBeNull();
  });
});
