import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleAudit } from './support/db-snapshot.js';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

interface AuditEvent {
  id: string;
  method: string;
  path: string;
  dryRun: boolean;
  operation: string | null;
  resourceType: string | null;
  resourceId: string | null;
  externalId: string | null;
  userName: string | null;
  displayName: string | null;
  status: number;
  outcome: string;
  scimType: string | null;
  detail: string | null;
  effect: Record<string, unknown> | null;
}

/**
 * A full Entra cycle replayed against the real routes (Test connection, users, a group, its
 * memberships, a deprovisioning and a failure), then read back through the audit API as support
 * would: it must tell the whole story, in order, and the summary must say how the sync is doing.
 */
describe('sync audit: an Entra provisioning cycle reads back as a complete story', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let support: string;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    support = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'support', '--json')).json().token,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('records every step with its target, effect and outcome', async () => {
    const dry = scimClient(t, org.organizationId, org.token, true);
    const live = scimClient(t, org.organizationId, org.token);
    const filter = (expression: string) => `filter=${encodeURIComponent(expression)}`;

    // Test connection, on the dry-run Tenant URL first, then the live one.
    expect((await dry.get(`/Users?${filter(`userName eq "${randomUUID()}"`)}`)).status).toBe(200);
    expect((await live.get(`/Users?${filter(`userName eq "${randomUUID()}"`)}`)).status).toBe(200);
    expect((await live.get('/ServiceProviderConfig')).status).toBe(200);

    // Two users: looked up by externalId, not found, created.
    const ids: Record<string, string> = {};
    for (const name of ['alice', 'bob']) {
      const externalId = `acme:${name}-object-id`;
      expect((await live.get(`/Users?${filter(`externalId eq "${externalId}"`)}`)).body.totalResults).toBe(0);
      const created = await live.post(
        '/Users',
        entraUserBody({ externalId, userName: `${name}@contoso.com`, displayName: name }),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids[name] = String(created.body.id);
    }

    // A group: looked up by displayName, created without members, then members added.
    expect(
      (await live.get(`/Groups?excludedAttributes=members&${filter('displayName eq "Signers"')}`)).body
        .totalResults,
    ).toBe(0);
    const group = await live.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Signers',
      externalId: 'grp-signers',
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const groupId = String(group.body.id);
    const added = await live.patchOps(`/Groups/${groupId}`, [
      { op: 'Add', path: 'members', value: [{ value: ids.alice }, { value: ids.bob }] },
    ]);
    expect([200, 204]).toContain(added.status);

    // A failure: a second user with alice's userName.
    const duplicate = await live.post(
      '/Users',
      entraUserBody({ externalId: 'acme:mallory-object-id', userName: 'alice@contoso.com' }),
    );
    expect(duplicate.status).toBe(409);

    // Bob leaves the group (the leave-all-groups rule deactivates him), then is disabled in Entra.
    const removed = await live.patchOps(`/Groups/${groupId}`, [
      { op: 'Remove', path: 'members', value: [{ value: ids.bob }] },
    ]);
    expect([200, 204]).toContain(removed.status);
    const disabled = await live.patchOps(`/Users/${ids.bob}`, [
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
    expect(disabled.status).toBe(200);

    // Reads' rows are written after their response: every one of them is in once a later
    // marker request's row is (and no further row of these requests can come).
    await settleAudit(t);

    // Read back as support would: everything of this organization, oldest first.
    const response = await t
      .http()
      .get(`/api/v1/audit/events?organizationId=${org.organizationId}&limit=500`)
      .set('Authorization', `Bearer ${support}`);
    expect(response.status).toBe(200);
    const story = (response.body.events as AuditEvent[]).reverse();
    expect(story.map((e) => [e.method, e.operation, e.resourceType, e.status, e.dryRun])).toEqual([
      ['GET', 'test-connection', 'User', 200, true],
      ['GET', 'test-connection', 'User', 200, false],
      ['GET', 'discovery', 'ServiceProviderConfig', 200, false],
      ['GET', 'query', 'User', 200, false],
      ['POST', 'create', 'User', 201, false],
      ['GET', 'query', 'User', 200, false],
      ['POST', 'create', 'User', 201, false],
      ['GET', 'query', 'Group', 200, false],
      ['POST', 'create', 'Group', 201, false],
      ['PATCH', 'update', 'Group', added.status, false],
      ['POST', 'create', 'User', 409, false],
      ['PATCH', 'update', 'Group', removed.status, false],
      ['PATCH', 'update', 'User', 200, false],
    ]);
    const [, , , , createAlice, , , , createGroup, addMembers, failure, removeBob, disableBob] = story;
    expect(createAlice).toMatchObject({
      resourceId: ids.alice,
      userName: 'alice@contoso.com',
      externalId: 'acme:alice-object-id',
      outcome: 'success',
    });
    expect(createAlice!.effect).toBeTruthy();
    expect(createGroup).toMatchObject({
      resourceId: groupId,
      displayName: 'Signers',
      externalId: 'grp-signers',
    });
    expect(addMembers).toMatchObject({ resourceId: groupId, outcome: 'success' });
    const membersAdded = addMembers!.effect!.membersAdded as { count: number; ids: string[] };
    expect(membersAdded.count).toBe(2);
    expect([...membersAdded.ids].sort()).toEqual([ids.alice!, ids.bob!].sort());
    expect(failure).toMatchObject({
      outcome: 'failure',
      scimType: 'uniqueness',
      userName: 'alice@contoso.com',
      effect: null,
      detail: expect.any(String),
    });
    // The leave-all-groups rule's consequence is part of the story.
    expect(removeBob!.effect).toMatchObject({
      membersRemoved: { count: 1, ids: [ids.bob] },
      consequences: [{ kind: 'user-deactivated', userIds: { count: 1, ids: [ids.bob] } }],
    });
    expect(disableBob).toMatchObject({ resourceId: ids.bob, outcome: 'success' });

    const summary = await t
      .http()
      .get(`/api/v1/audit/organizations/${org.organizationId}/summary`)
      .set('Authorization', `Bearer ${support}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      status: 'healthy',
      lastTestConnection: { status: 200, outcome: 'success', dryRun: false },
      last24Hours: {
        requests: 13,
        byOutcome: { success: 12, failure: 1 },
        dryRun: { requests: 1, failures: 0 },
        live: { requests: 12, failures: 1 },
      },
      frequentErrors: [{ status: 409, scimType: 'uniqueness', count: 1 }],
    });
    // For the record (the issue asks to paste it): what support sees for this organization.
    process.stdout.write(`\nAudit summary after an Entra cycle:\n${JSON.stringify(summary.body, null, 2)}\n`);
  });
});
