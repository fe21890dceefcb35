import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingCommitted } from './support/db-snapshot.js';
import { requestTagger } from './support/request-ids.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { ERROR_SCHEMA, entraUserBody, scimClient } from './support/scim-client.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SIGNPATH_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:extension:signpath:2.0:Group';

describe('SCIM /Groups and memberships as Entra sends them', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let seq = 0;

  const createUser = async (): Promise<string> => {
    seq += 1;
    const response = await scim.post(
      '/Users',
      entraUserBody({ externalId: `acme:g-user-${seq}`, userName: `g-user-${seq}@acme.test` }),
    );
    expect(response.status).toBe(201);
    return String(response.body.id);
  };
  const createGroup = async (members: string[] = []): Promise<string> => {
    seq += 1;
    const response = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: `8aa1a0c0-${seq}`,
      displayName: `Group ${seq}`,
      meta: { resourceType: 'Group' },
      ...(members.length ? { members: members.map((value) => ({ value })) } : {}),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return String(response.body.id);
  };
  const memberIds = async (groupId: string): Promise<string[]> =>
    (
      await t.db.query<{ user_id: string }>(
        'SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id',
        [groupId],
      )
    ).map((row) => row.user_id);
  const isActive = async (userId: string): Promise<boolean> =>
    (await t.db.query<{ active: boolean }>('SELECT active FROM users WHERE id = $1', [userId]))[0]!.active;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
  });
  afterAll(async () => {
    await t.close();
  });

  it("creates a group from Entra's body (no members) and finds it by displayName without members", async () => {
    const id = await createGroup();
    const got = await scim.get(`/Groups/${id}?excludedAttributes=members`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      schemas: [GROUP_SCHEMA, SIGNPATH_GROUP_SCHEMA],
      id,
      displayName: `Group ${seq}`,
      externalId: `8aa1a0c0-${seq}`,
      [SIGNPATH_GROUP_SCHEMA]: { isDirectorySynchronized: true },
      meta: { resourceType: 'Group', version: expect.stringMatching(/^W\/"\d+"$/) },
    });
    expect(got.body.members).toBeUndefined();
    const query = await scim.get(
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "group ${seq}"`)}`,
    );
    expect(query.body.totalResults).toBe(1);
    expect(query.body.Resources[0].id).toBe(id);
    expect(query.body.Resources[0].members).toBeUndefined();
    const byExternalId = await scim.get(
      `/Groups?filter=${encodeURIComponent(`externalId eq "8aa1a0c0-${seq}"`)}`,
    );
    expect(byExternalId.body.Resources[0].id).toBe(id);
  });

  it('answers a duplicate displayName (any case) with 409 uniqueness', async () => {
    await createGroup();
    const duplicate = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `GROUP ${seq}` });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
  });

  it('adds members with one or many values (re-adding is a no-op) and answers 204', async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    const group = await createGroup();
    const first = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Add', path: 'members', value: [{ $ref: null, value: a }] },
    ]);
    expect(first.status).toBe(204);
    const second = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { value: b }, { value: c }] },
    ]);
    expect(second.status).toBe(204);
    expect(await memberIds(group)).toEqual([a, b, c].sort());
    const withMembers = await scim.get(`/Groups/${group}`);
    expect(withMembers.status).toBe(200);
    expect(withMembers.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(withMembers.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b, c].sort());
    expect(withMembers.body.members[0]).toEqual({
      value: expect.any(String),
      display: expect.stringMatching(/^g-user-/),
      $ref: expect.stringMatching(/\/Users\//),
      type: 'User',
    });
  });

  it('answers the membership probe in each of its shapes', async () => {
    const [member, outsider] = [await createUser(), await createUser()];
    const group = await createGroup([member]);
    for (const clause of [
      `members[value eq "${member}"]`,
      `members eq "${member}"`,
      `members.value eq "${member}"`,
    ]) {
      const hit = await scim.get(
        `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`id eq "${group}" and ${clause}`)}&attributes=id`,
      );
      expect(hit.status, clause).toBe(200);
      expect(hit.body.Resources.map((g: { id: string }) => g.id)).toEqual([group]);
      const miss = await scim.get(
        `/Groups?filter=${encodeURIComponent(`id eq "${group}" and ${clause.replace(member, outsider)}`)}&attributes=id`,
      );
      expect(miss.body.totalResults, clause).toBe(0);
    }
  });

  it("removes only the listed members with Entra's legacy Remove, and one member with a value filter", async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    const group = await createGroup([a, b, c]);
    const legacy = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] },
    ]);
    expect(legacy.status).toBe(204);
    expect(await memberIds(group)).toEqual([b, c].sort());
    const filtered = await scim.patchOps(`/Groups/${group}`, [
      { op: 'remove', path: `members[value eq "${b}"]` },
    ]);
    expect(filtered.status).toBe(204);
    expect(await memberIds(group)).toEqual([c]);
  });

  it('removes all members without a value and replaces the member set', async () => {
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    const group = await createGroup([a, b]);
    await scim.patchOps(`/Groups/${group}`, [
      { op: 'replace', path: 'members', value: [{ value: b }, { value: c }] },
    ]);
    expect(await memberIds(group)).toEqual([b, c].sort());
    await scim.patchOps(`/Groups/${group}`, [{ op: 'remove', path: 'members' }]);
    expect(await memberIds(group)).toEqual([]);
  });

  it('replaces displayName, externalId and description, and answers 200 with the group when asked for attributes', async () => {
    const group = await createGroup();
    const renamed = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Replace', path: 'displayName', value: `Renamed ${group}` },
      { op: 'Replace', path: 'externalId', value: 'new-external' },
      { op: 'Replace', path: 'description', value: 'Signers' },
    ]);
    expect(renamed.status).toBe(204);
    const asked = await t
      .http()
      .patch(`${scim.base}/Groups/${group}?attributes=displayName,description`)
      .set('Authorization', `Bearer ${org.token}`)
      .send({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'description', value: 'Approvers' }],
      });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({
      id: group,
      displayName: `Renamed ${group}`,
      description: 'Approvers',
    });
    expect(asked.body.externalId).toBeUndefined();
  });

  it('rejects an unknown member id naming it, and a group as member, changing nothing', async () => {
    const [a] = [await createUser()];
    const nested = await createGroup();
    const group = await createGroup([a]);
    const before = await scim.get(`/Groups/${group}`);
    const unknown = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Replace', path: 'displayName', value: 'Should not stick' },
      { op: 'Add', path: 'members', value: [{ value: '00000000-0000-4000-8000-00000000abcd' }] },
    ]);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ scimType: 'invalidValue' });
    expect(unknown.body.detail).toContain('00000000-0000-4000-8000-00000000abcd');
    const group2 = await scim.patchOps(`/Groups/${group}`, [
      { op: 'Add', path: 'members', value: [{ value: nested }] },
    ]);
    expect(group2.status).toBe(400);
    expect(group2.body.detail).toMatch(/nested groups are not supported for provisioning/);
    expect((await scim.get(`/Groups/${group}`)).body).toEqual(before.body);
  });

  describe('the leave-all-groups rule', () => {
    it('keeps a user in one synchronized group active and deactivates one who leaves the last (PATCH)', async () => {
      const user = await createUser();
      const [g1, g2] = [await createGroup([user]), await createGroup([user])];
      await scim.patchOps(`/Groups/${g1}`, [{ op: 'Remove', path: 'members', value: [{ value: user }] }]);
      expect(await isActive(user)).toBe(true);
      await scim.patchOps(`/Groups/${g2}`, [{ op: 'remove', path: `members[value eq "${user}"]` }]);
      expect(await isActive(user)).toBe(false);
      expect((await scim.get(`/Users/${user}`)).body.active).toBe(false);
      // Joining a synchronized group again undoes that deactivation.
      await scim.patchOps(`/Groups/${g1}`, [{ op: 'Add', path: 'members', value: [{ value: user }] }]);
      expect(await isActive(user)).toBe(true);
    });

    it('deactivates the members of a deleted group who are in no other synchronized group', async () => {
      const [stays, leaves] = [await createUser(), await createUser()];
      const other = await createGroup([stays]);
      const doomed = await createGroup([stays, leaves]);
      const deleted = await scim.delete(`/Groups/${doomed}`);
      expect(deleted.status).toBe(204);
      expect((await scim.get(`/Groups/${doomed}`)).status).toBe(404);
      expect(await isActive(stays)).toBe(true);
      expect(await isActive(leaves)).toBe(false);
      expect(await memberIds(other)).toEqual([stays]);
    });

    it('does not reactivate a user Entra disabled when it joins a group', async () => {
      const user = await createUser();
      await scim.patchOps(`/Users/${user}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
      await createGroup([user]);
      expect(await isActive(user)).toBe(false);
    });
  });

  describe('PUT /Groups/{id}', () => {
    const put = (group: string, members: string[], displayName = `Put ${group}`) =>
      scim.put(`/Groups/${group}`, {
        schemas: [GROUP_SCHEMA],
        displayName,
        members: members.map((value) => ({ value })),
      });

    it('replaces the display name and the member set, answering 200 with the group', async () => {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const group = await createGroup([a, b]);
      const response = await put(group, [b, c], 'Replaced by PUT');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: group, displayName: 'Replaced by PUT' });
      expect(response.body.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
      expect(await memberIds(group)).toEqual([b, c].sort());
    });

    it('deactivates a user it removes from its last synchronized group, and reactivates it on return', async () => {
      const [stays, leaves] = [await createUser(), await createUser()];
      const group = await createGroup([stays, leaves]);
      expect((await put(group, [stays])).status).toBe(200);
      expect(await isActive(leaves)).toBe(false);
      expect(await isActive(stays)).toBe(true);
      expect((await put(group, [stays, leaves])).status).toBe(200);
      expect(await isActive(leaves)).toBe(true);
    });

    it('refuses a group or an unknown id as member, changing nothing', async () => {
      const a = await createUser();
      const nested = await createGroup();
      const group = await createGroup([a]);
      const before = await scim.get(`/Groups/${group}`);
      const withGroup = await put(group, [nested], 'Should not stick');
      expect(withGroup.status).toBe(400);
      expect(withGroup.body).toMatchObject({ scimType: 'invalidValue' });
      expect(withGroup.body.detail).toMatch(/nested groups are not supported for provisioning/);
      const unknown = await put(group, ['00000000-0000-4000-8000-00000000abcd'], 'Should not stick');
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toContain('00000000-0000-4000-8000-00000000abcd');
      expect((await scim.get(`/Groups/${group}`)).body).toEqual(before.body);
      expect(await isActive(a)).toBe(true);
    });

    it('answers 404 for an unknown group and 412 for a stale If-Match', async () => {
      expect((await put('00000000-0000-4000-8000-000000000000', [])).status).toBe(404);
      const group = await createGroup();
      const stale = await t
        .http()
        .put(`${scim.base}/Groups/${group}`)
        .set('Authorization', `Bearer ${org.token}`)
        .set('If-Match', 'W/"999"')
        .send({ schemas: [GROUP_SCHEMA], displayName: 'Stale' });
      expect(stale.status).toBe(412);
    });
  });

  describe('concurrency', () => {
    it('loses nothing when 20 PATCHes each add 50 distinct members in parallel', async () => {
      const group = await createGroup();
      const users = (
        await t.db.query<{ id: string }>(
          `INSERT INTO users (organization_id, kind, user_name, is_directory_synchronized)
           SELECT $1, 'interactive', 'bulk-' || g || '-' || $2, true FROM generate_series(1, 1000) AS g RETURNING id`,
          [org.organizationId, group],
        )
      ).map((row) => row.id);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          scim.patchOps(`/Groups/${group}`, [
            {
              op: 'Add',
              path: 'members',
              value: users.slice(i * 50, (i + 1) * 50).map((value) => ({ value })),
            },
          ]),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(204));
      expect(await memberIds(group)).toEqual([...users].sort());
    });

    it('ends 40 parallel adds and removes exactly as their acknowledged order implies', async () => {
      const group = await createGroup();
      const users = await Promise.all(Array.from({ length: 5 }, () => createUser()));
      const requests = Array.from({ length: 40 }, (_, i) => ({
        op: (i * 7) % 3 === 0 ? 'Remove' : 'Add',
        user: users[(i * 3) % 5]!,
      }));
      const responses = await Promise.all(
        requests.map(({ op, user }) =>
          scim.patchOps(`/Groups/${group}`, [{ op, path: 'members', value: [{ value: user }] }]),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(204));
      // The group row lock runs them one at a time, and each bumps the group's version: the ETag of
      // each answer gives the order they committed in. Replaying that order serially must give the
      // final membership and, through the leave-all-groups rule, each user's `active`.
      const version = (etag: string | undefined) => Number(/^W\/"(\d+)"$/.exec(etag ?? '')?.[1]);
      const versions = responses.map((r) => version(r.headers.etag));
      expect(new Set(versions).size).toBe(40);
      const member = new Map(users.map((user) => [user, false]));
      const active = new Map(users.map((user) => [user, true]));
      for (const index of versions.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])) {
        const { op, user } = requests[index[1]]!;
        if (op === 'Add' && !member.get(user)) {
          member.set(user, true);
          active.set(user, true);
        } else if (op === 'Remove' && member.get(user)) {
          member.set(user, false);
          active.set(user, false);
        }
      }
      expect(await memberIds(group)).toEqual(users.filter((user) => member.get(user)).sort());
      for (const user of users) expect(await isActive(user), user).toBe(active.get(user));
    });
  });

  it('streams the members of a large group', async () => {
    const group = await createGroup();
    await t.db.query(
      `WITH u AS (INSERT INTO users (organization_id, kind, user_name) SELECT $1, 'interactive', 'big-' || g
                    FROM generate_series(1, 12000) AS g RETURNING id)
       INSERT INTO group_members (organization_id, group_id, user_id) SELECT $1, $2, id FROM u`,
      [org.organizationId, group],
    );
    const response = await scim.get(`/Groups/${group}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.body.members).toHaveLength(12000);
    expect(new Set(response.body.members.map((m: { value: string }) => m.value)).size).toBe(12000);
    expect(response.body.id).toBe(group);
    // A projection of the members is built in memory, so it is bounded (12,000 > SCIM_LIST_MAX_MEMBERS).
    const projected = await scim.get(`/Groups/${group}?attributes=members.value`);
    expect(projected.status).toBe(400);
    expect(projected.body).toMatchObject({ scimType: 'tooMany' });
  });

  it('answers unknown group ids with 404', async () => {
    for (const id of ['nope', '00000000-0000-4000-8000-000000000000']) {
      expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
      expect((await scim.patchOps(`/Groups/${id}`, [{ op: 'Add', path: 'members', value: [] }])).status).toBe(
        404,
      );
      expect((await scim.delete(`/Groups/${id}`)).status).toBe(404);
    }
  });

  it('commits nothing in dry-run, answering as the real call would', async () => {
    const dry = scimClient(t, org.organizationId, org.token, true);
    const [user, other] = [await createUser(), await createUser()];
    const group = await createGroup([user]);
    // Every table but the audit byte-identical, and exactly one audit row per dry-run request.
    await expectNothingCommitted(t, async () => {
      const tag = requestTagger();
      expect(
        (await tag(dry.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Dry group' }))).status,
      ).toBe(201);
      expect(
        (
          await tag(
            dry.patchOps(`/Groups/${group}`, [{ op: 'Remove', path: 'members', value: [{ value: user }] }]),
          )
        ).status,
      ).toBe(204);
      expect(
        (
          await tag(
            dry.put(`/Groups/${group}`, {
              schemas: [GROUP_SCHEMA],
              displayName: 'Dry',
              members: [{ value: other }],
            }),
          )
        ).status,
      ).toBe(200);
      expect((await tag(dry.delete(`/Groups/${group}`))).status).toBe(204);
      expect(
        (
          await tag(
            dry.patchOps(`/Groups/${group}`, [{ op: 'Add', path: 'members', value: [{ value: 'zzz' }] }]),
          )
        ).status,
      ).toBe(400);
      return tag.ids;
    });
  });
});
