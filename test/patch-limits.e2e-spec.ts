import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MULTI_VALUED_ENTRIES, MAX_PATCH_OPERATIONS } from '#scim-protocol';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { ERROR_SCHEMA, entraUserBody, scimClient } from './support/scim-client.js';

/**
 * The issue: one PATCH of 10,000 `add` operations on `emails[type eq "tN"].value` (721 kB) took 35 s
 * of CPU, holding the event loop. It is now refused by the operations cap before anything is applied;
 * requests under the caps are applied in time linear in their operations.
 */
describe('PATCH limits on /Users', () => {
  let t: TestApp;
  let scim: ReturnType<typeof scimClient>;
  let seq = 0;

  const filteredEmailAdds = (count: number, types = count) =>
    Array.from({ length: count }, (_, index) => ({
      op: 'add',
      path: `emails[type eq "t${index % types}"].value`,
      value: `user+${index}@example.com`,
    }));

  const createUser = async (): Promise<string> => {
    seq += 1;
    const response = await scim.post(
      '/Users',
      entraUserBody({ externalId: `acme:limits-${seq}`, userName: `limits${seq}@acme.test` }),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return String(response.body.id);
  };

  const userRow = async (id: string): Promise<string> => {
    const rows = await t.db.query<{ row: string }>(
      'SELECT to_jsonb(u)::text AS row FROM users u WHERE id = $1',
      [id],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!.row;
  };

  beforeAll(async () => {
    t = await startTestApp();
    const org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses the issue's 10,000-operation PATCH with 400 invalidValue naming the cap, writing nothing", async () => {
    const id = await createUser();
    const before = await userRow(id);
    const operations = filteredEmailAdds(10_000);
    expect(JSON.stringify(operations).length).toBeGreaterThan(700_000);

    const response = await scim.patchOps(`/Users/${id}`, operations);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
    expect(response.body.detail).toBe(
      `PATCH request has 10000 operations; at most ${MAX_PATCH_OPERATIONS} are accepted per request ` +
        '(MAX_PATCH_OPERATIONS, counted after expanding operations without a path)',
    );
    expect(await userRow(id)).toBe(before);
    const current = await scim.get(`/Users/${id}`);
    expect(current.body.emails).toEqual([
      { primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' },
    ]);
  });

  it('applies a 999-operation PATCH of filtered e-mail adds under the caps', async () => {
    const id = await createUser();
    const types = 50;

    const response = await scim.patchOps(`/Users/${id}`, filteredEmailAdds(999, types));

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const expected = [
      { primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' },
      // The last of the operations on each type wins: t0 gets 950, t48 gets 998, t49 gets 949.
      ...Array.from({ length: types }, (_, type) => ({
        type: `t${type}`,
        value: `user+${type + 50 * Math.floor((998 - type) / 50)}@example.com`,
      })),
    ];
    expect(response.body.emails).toEqual(expected);
    expect((await scim.get(`/Users/${id}`)).body.emails).toEqual(expected);
  });

  it('refuses a PATCH that would grow a multi-valued attribute beyond its cap, writing nothing', async () => {
    const id = await createUser();
    const before = await userRow(id);

    // The stored work e-mail plus 100 new ones would make 101.
    const response = await scim.patchOps(`/Users/${id}`, filteredEmailAdds(MAX_MULTI_VALUED_ENTRIES));

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
    expect(response.body.detail).toBe(
      `attribute 'emails' would hold 101 entries; a multi-valued attribute holds at most ` +
        `${MAX_MULTI_VALUED_ENTRIES} (MAX_MULTI_VALUED_ENTRIES)`,
    );
    expect(await userRow(id)).toBe(before);
  });

  it('refuses POST and PUT bodies whose multi-valued attributes exceed the cap', async () => {
    const emails = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ type: `t${index}`, value: `e${index}@example.com` }));
    seq += 1;
    const created = await scim.post(
      '/Users',
      entraUserBody({
        externalId: `acme:limits-${seq}`,
        userName: `limits${seq}@acme.test`,
        emails: emails(101),
      }),
    );
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ scimType: 'invalidValue' });
    expect(created.body.detail).toMatch(/'emails' would hold 101 entries/);
    const missing = await scim.get(`/Users?filter=userName+eq+%22limits${seq}%40acme.test%22`);
    expect(missing.body.totalResults).toBe(0);

    const id = await createUser();
    const before = await userRow(id);
    const replaced = await scim.put(
      `/Users/${id}`,
      entraUserBody({
        externalId: `acme:limits-${seq}`,
        userName: `limits${seq}@acme.test`,
        emails: emails(101),
      }),
    );
    expect(replaced.status).toBe(400);
    expect(replaced.body.detail).toMatch(/'emails' would hold 101 entries/);
    expect(await userRow(id)).toBe(before);

    const accepted = await scim.put(
      `/Users/${id}`,
      entraUserBody({
        externalId: `acme:limits-${seq}`,
        userName: `limits${seq}@acme.test`,
        emails: emails(100),
      }),
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.emails).toHaveLength(100);
  });
});
