import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleAudit } from './support/db-snapshot.js';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/**
 * Support is asked "why was bob not provisioned?" with the identifiers Entra shows: a refused
 * create must be found by them, not only by a free-text search.
 */
describe('a refused create is found in the audit by the identifiers it named', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let support: string;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    support = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'jane', '--json')).json().token,
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  const events = async (filter: Readonly<Record<string, string | undefined>>) => {
    const query = new URLSearchParams({ organizationId: org.organizationId });
    for (const [name, value] of Object.entries(filter)) if (value !== undefined) query.set(name, value);
    const response = await t
      .http()
      .get(`/api/v1/audit/events?${query.toString()}`)
      .set('Authorization', `Bearer ${support}`);
    expect(response.status).toBe(200);
    return response.body.events as {
      status: number;
      operation: string;
      userName: string | null;
      externalId: string | null;
    }[];
  };

  it('finds a user refused for two global roles by userName and by externalId', async () => {
    const client = scimClient(t, org.organizationId, org.token);
    const externalId = `acme:${randomUUID()}`;
    const refused = await client.post(
      '/Users',
      entraUserBody({
        userName: 'Bob@Contoso.com',
        externalId,
        roles: [{ value: 'GlobalAdministrator' }, { value: 'GlobalReader' }],
      }),
    );
    expect(refused.status).toBe(400);
    await settleAudit(t);
    for (const filter of [{ userName: 'bob@contoso.com' }, { externalId }]) {
      const found = await events(filter);
      expect(found, JSON.stringify(filter)).toHaveLength(1);
      expect(found[0]).toMatchObject({
        status: 400,
        operation: 'create',
        userName: 'Bob@Contoso.com',
        externalId,
      });
    }
  });

  it('finds a create refused as a conflict, and one refused for a bad value, by what it named', async () => {
    const client = scimClient(t, org.organizationId, org.token);
    const first = await client.post(
      '/Users',
      entraUserBody({ userName: 'carol@contoso.com', externalId: 'acme:carol-1' }),
    );
    expect(first.status).toBe(201);
    const conflict = await client.post(
      '/Users',
      entraUserBody({ userName: 'carol@contoso.com', externalId: 'acme:carol-2' }),
    );
    expect(conflict.status).toBe(409);
    const badValue = await client.post(
      '/Users',
      entraUserBody({ userName: 'dave@contoso.com', externalId: 'acme:dave', active: 'maybe' }),
    );
    expect(badValue.status).toBe(400);
    await settleAudit(t);
    expect((await events({ externalId: 'acme:carol-2' })).map((event) => event.status)).toEqual([409]);
    expect((await events({ userName: 'dave@contoso.com' })).map((event) => event.status)).toEqual([400]);
  });

  it('finds a group refused for an unknown member by displayName and externalId', async () => {
    const client = scimClient(t, org.organizationId, org.token);
    const refused = await client.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Release managers',
      externalId: 'acme:release-managers',
      members: [{ value: randomUUID() }],
    });
    expect(refused.status).toBe(400);
    await settleAudit(t);
    for (const filter of [{ displayName: 'release managers' }, { externalId: 'acme:release-managers' }]) {
      expect(
        (await events(filter)).map((event) => event.status),
        JSON.stringify(filter),
      ).toEqual([400]);
    }
  });
});
