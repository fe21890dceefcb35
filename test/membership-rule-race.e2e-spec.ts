import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { scimClient } from './support/scim-client.js';

/**
 * The leave-all-groups rule under Entra's parallel PATCHes. Each round builds a fresh user and
 * fresh synchronized groups with SQL (cheap), then sends the racing requests at once. Before the
 * user-row lock, the last-two-groups removal left the user active in most rounds and the move left
 * it inactive in most rounds; ROUNDS is far above what it took to see that.
 */
const ROUNDS = 200;
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('the leave-all-groups rule holds under any interleaving', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A synchronized user in the first `memberOf` of `groups` new synchronized groups. */
  const fixture = async (groups: number, memberOf: number): Promise<{ user: string; groups: string[] }> => {
    seq += 1;
    const [user] = await t.db.query<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, is_directory_synchronized, active)
       VALUES ($1, 'interactive', $2, true, true) RETURNING id`,
      [org.organizationId, `race-${seq}@acme.test`],
    );
    const rows = await t.db.query<{ id: string }>(
      `INSERT INTO groups (organization_id, display_name, is_directory_synchronized)
       SELECT $1, 'Race ' || $2 || '-' || g, true FROM generate_series(1, $3::int) AS g ORDER BY g RETURNING id`,
      [org.organizationId, seq, groups],
    );
    const ids = rows.map((row) => row.id);
    await t.db.query(
      `INSERT INTO group_members (organization_id, group_id, user_id) SELECT $1, g, $2 FROM unnest($3::uuid[]) AS g`,
      [org.organizationId, user!.id, ids.slice(0, memberOf)],
    );
    return { user: user!.id, groups: ids };
  };
  const stateOf = async (user: string) => {
    const [row] = await t.db.query<{ active: boolean; groups: number }>(
      `SELECT u.active, (SELECT count(*)::int FROM group_members gm JOIN groups g ON g.id = gm.group_id
                          WHERE gm.user_id = u.id AND g.is_directory_synchronized) AS groups
         FROM users u WHERE u.id = $1`,
      [user],
    );
    return row!;
  };
  const removeBy = {
    patch: (group: string, user: string) =>
      scim.patchOps(`/Groups/${group}`, [{ op: 'Remove', path: 'members', value: [{ value: user }] }]),
    filter: (group: string, user: string) =>
      scim.patchOps(`/Groups/${group}`, [{ op: 'remove', path: `members[value eq "${user}"]` }]),
    replace: (group: string) =>
      scim.patchOps(`/Groups/${group}`, [{ op: 'replace', path: 'members', value: [] }]),
    put: (group: string) =>
      scim.put(`/Groups/${group}`, { schemas: [GROUP_SCHEMA], displayName: `Put ${group}`, members: [] }),
    delete: (group: string) => scim.delete(`/Groups/${group}`),
  };
  const addBy = {
    patch: (group: string, user: string) =>
      scim.patchOps(`/Groups/${group}`, [{ op: 'Add', path: 'members', value: [{ value: user }] }]),
    put: (group: string, user: string) =>
      scim.put(`/Groups/${group}`, {
        schemas: [GROUP_SCHEMA],
        displayName: `Put ${group}`,
        members: [{ value: user }],
      }),
  };
  type Remover = keyof typeof removeBy;
  const removers = Object.keys(removeBy) as Remover[];

  it(`deactivates a user whose last two groups drop it at once (${ROUNDS} rounds)`, async () => {
    const stayedActive: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const { user, groups } = await fixture(2, 2);
      const responses = await Promise.all(groups.map((group) => removeBy.patch(group, user)));
      expect(responses.map((r) => r.status)).toEqual([204, 204]);
      if ((await stateOf(user)).active) stayedActive.push(round);
    }
    expect(stayedActive).toEqual([]);
  });

  it(`keeps a user active who moves from one group to another at once (${ROUNDS} rounds)`, async () => {
    const endedInactive: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const { user, groups } = await fixture(2, 1);
      const responses = await Promise.all([removeBy.patch(groups[0]!, user), addBy.patch(groups[1]!, user)]);
      expect(responses.map((r) => r.status)).toEqual([204, 204]);
      if (!(await stateOf(user)).active) endedInactive.push(round);
    }
    expect(endedInactive).toEqual([]);
  });

  it(`ends every mix of PATCH, PUT and DELETE with active equal to "in a synchronized group" (${ROUNDS} rounds)`, async () => {
    const wrong: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Two groups leave the user by two (possibly different) means; in odd rounds a third request
      // adds it to a third group (by PATCH or PUT) at the same time.
      const { user, groups } = await fixture(3, 2);
      const first = removers[round % removers.length]!;
      const second = removers[Math.floor(round / removers.length) % removers.length]!;
      const joins = round % 2 === 1;
      const requests = [removeBy[first](groups[0]!, user), removeBy[second](groups[1]!, user)];
      if (joins) requests.push((round % 4 === 1 ? addBy.patch : addBy.put)(groups[2]!, user));
      const responses = await Promise.all(requests);
      for (const response of responses) expect([200, 204]).toContain(response.status);
      const state = await stateOf(user);
      expect(state.groups).toBe(joins ? 1 : 0);
      if (state.active !== state.groups > 0)
        wrong.push(`${round}: ${first}+${second}${joins ? '+join' : ''}`);
    }
    expect(wrong).toEqual([]);
  });

  describe('a user Entra disabled is never reactivated by a join', () => {
    const disable = (user: string) =>
      scim.patchOps(`/Users/${user}`, [{ op: 'Replace', path: 'active', value: 'False' }]);

    it('serially, after the rule had deactivated it', async () => {
      for (let round = 0; round < 10; round += 1) {
        const { user, groups } = await fixture(2, 1);
        expect((await removeBy.patch(groups[0]!, user)).status).toBe(204);
        expect((await stateOf(user)).active).toBe(false);
        expect((await disable(user)).status).toBe(200);
        expect((await addBy.patch(groups[1]!, user)).status).toBe(204);
        expect(await stateOf(user)).toEqual({ active: false, groups: 1 });
      }
    });

    it(`concurrently with the join (${ROUNDS} rounds)`, async () => {
      const reactivated: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const { user, groups } = await fixture(2, 1);
        expect((await removeBy.patch(groups[0]!, user)).status).toBe(204);
        const join = round % 2 === 0 ? addBy.patch : addBy.put;
        const responses = await Promise.all([disable(user), join(groups[1]!, user)]);
        expect(responses.map((r) => r.status)).toEqual([200, join === addBy.patch ? 204 : 200]);
        if ((await stateOf(user)).active) reactivated.push(round);
      }
      expect(reactivated).toEqual([]);
    });

    it('while still active, then joining and leaving groups', async () => {
      const { user, groups } = await fixture(2, 1);
      expect((await disable(user)).status).toBe(200);
      expect((await addBy.patch(groups[1]!, user)).status).toBe(204);
      expect((await removeBy.patch(groups[0]!, user)).status).toBe(204);
      expect((await removeBy.patch(groups[1]!, user)).status).toBe(204);
      expect((await addBy.patch(groups[0]!, user)).status).toBe(204);
      expect(await stateOf(user)).toEqual({ active: false, groups: 1 });
    });
  });

  it('never lets a group take a member that a concurrent SCIM DELETE removed', async () => {
    const stale: number[] = [];
    for (let round = 0; round < 50; round += 1) {
      const { user, groups } = await fixture(2, 1);
      const [deleted, added] = await Promise.all([
        scim.delete(`/Users/${user}`),
        addBy.patch(groups[1]!, user),
      ]);
      expect(deleted.status).toBe(204);
      // Either the join came first (and DELETE then ended it) or the user was already gone (400).
      expect([204, 400]).toContain(added.status);
      const [row] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM group_members WHERE user_id = $1',
        [user],
      );
      if (row!.n !== 0) stale.push(round);
    }
    expect(stale).toEqual([]);
  });
});
