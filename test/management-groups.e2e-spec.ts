import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startManagementFixture, type Client, type ManagementFixture } from './support/management.js';
import type { TestApp } from './support/test-app.js';

describe('management API: hybrid groups', () => {
  let f: ManagementFixture;
  let t: TestApp;
  let admin: Client;
  let scim: ManagementFixture['scim'];
  const createUser = (body?: object) => f.createUser(body);
  const createGroup = () => f.createGroup();
  const scimUser = () => f.scimUser();
  const scimGroup = (members: string[]) => f.scimGroup(members);

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ t, admin, scim } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('synchronized users and groups are read-only here', () => {
    it('answers 409 MANAGED_BY_DIRECTORY_SYNC to every write to a synchronized user or group', async () => {
      const user = await scimUser();
      const group = await scimGroup([user]);
      const manualUser = String((await createUser()).id);
      const writes: Promise<Response>[] = [
        admin.patch(`/users/${user}`, { displayName: 'Edited by hand' }),
        admin.patch(`/users/${user}`, { globalRole: 'GlobalReader' }),
        admin.post(`/users/${user}/deactivate`),
        admin.post(`/users/${user}/reactivate`),
        admin.patch(`/groups/${group}`, { displayName: 'Edited by hand' }),
        admin.delete(`/groups/${group}`),
        admin.post(`/groups/${group}/members`, { type: 'user', id: manualUser }),
        admin.post(`/groups/${group}/members`, { type: 'group', id: String((await createGroup()).id) }),
        admin.delete(`/groups/${group}/members/${user}`),
      ];
      for (const write of writes) {
        const response = await write;
        expect(response.status, `${response.request.url}: ${JSON.stringify(response.body)}`).toBe(409);
        expect(response.body).toMatchObject({
          status: 409,
          code: 'MANAGED_BY_DIRECTORY_SYNC',
          detail: expect.stringContaining('managed by directory synchronization'),
        });
      }
      const [row] = await t.db.query<{ display_name: string | null; active: boolean; global_role: string }>(
        'SELECT display_name, active, global_role FROM users WHERE id = $1',
        [user],
      );
      expect(row).toEqual({
        display_name: expect.not.stringContaining('by hand'),
        active: true,
        global_role: 'RegularUser',
      });
      expect(
        (await t.db.query('SELECT user_id FROM group_members WHERE group_id = $1', [group])).length,
      ).toBe(1);
      // Reading them is fine.
      expect(ok(await admin.get(`/users/${user}`))).toMatchObject({ isDirectorySynchronized: true });
      expect(ok(await admin.get(`/groups/${group}/members`)).items).toEqual([
        expect.objectContaining({ type: 'user', id: user, isDirectorySynchronized: true, active: true }),
      ]);
    });

    it('puts synchronized users and groups into manual groups, which SCIM never shows as nested', async () => {
      const user = await scimUser();
      const synchronized = await scimGroup([user]);
      const manual = String((await createGroup()).id);
      const added = ok(
        await admin.post(`/groups/${manual}/members`, { type: 'group', id: synchronized }),
        201,
      );
      expect(added).toMatchObject({ type: 'group', id: synchronized, isDirectorySynchronized: true });
      ok(await admin.post(`/groups/${manual}/members`, { type: 'group', id: synchronized }), 200);
      ok(await admin.post(`/groups/${manual}/members`, { type: 'user', id: user }), 201);
      const members = ok(await admin.get(`/groups/${manual}/members`));
      expect(members).toMatchObject({ total: 2 });
      expect(members.items.map((m: { type: string }) => m.type)).toEqual(['group', 'user']);

      // SCIM's view of the manual group: users only, as before.
      const seen = await scim.get(`/Groups/${manual}`);
      expect(seen.status).toBe(200);
      expect(seen.body.members.map((m: { value: string }) => m.value)).toEqual([user]);
      expect(JSON.stringify(seen.body)).not.toContain(synchronized);

      ok(await admin.delete(`/groups/${manual}/members/${synchronized}`), 204);
      expect((await admin.delete(`/groups/${manual}/members/${synchronized}`)).body.code).toBe(
        'MEMBER_NOT_FOUND',
      );
      ok(await admin.delete(`/groups/${manual}`), 204);
      expect((await admin.get(`/groups/${manual}`)).status).toBe(404);
      // The synchronized group and its user are untouched by the manual group's deletion.
      expect(ok(await admin.get(`/groups/${synchronized}/members`)).total).toBe(1);
    });
  });

  describe('groups', () => {
    it('creates, renames and lists manual groups; names are unique across manual and synchronized', async () => {
      const group = await createGroup();
      expect(group).toMatchObject({ isDirectorySynchronized: false, externalId: null, description: null });
      const renamed = ok(
        await admin.patch(`/groups/${String(group.id)}`, { displayName: 'Release managers' }),
      );
      expect(renamed.displayName).toBe('Release managers');
      expect((await admin.post('/groups', { displayName: 'release MANAGERS' })).body).toMatchObject({
        code: 'GROUP_NAME_TAKEN',
        field: 'displayName',
      });
      const entra = await scimGroup([]);
      const entraName = String(ok(await admin.get(`/groups/${entra}`)).displayName);
      expect((await admin.post('/groups', { displayName: entraName })).status).toBe(409);
      const onlyManual = ok(await admin.get('/groups?synchronized=false&name=release'));
      expect(onlyManual.items.map((g: { id: string }) => g.id)).toEqual([group.id]);
      const onlySynchronized = ok(await admin.get('/groups?synchronized=true&limit=1000'));
      expect(
        onlySynchronized.items.every((g: { isDirectorySynchronized: boolean }) => g.isDirectorySynchronized),
      ).toBe(true);
    });

    it('rejects a member that would close a cycle with 400 GROUP_CYCLE', async () => {
      const [a, b, c] = [await createGroup(), await createGroup(), await createGroup()].map((g) =>
        String(g.id),
      );
      ok(await admin.post(`/groups/${a}/members`, { type: 'group', id: b }), 201);
      ok(await admin.post(`/groups/${b}/members`, { type: 'group', id: c }), 201);
      for (const [parent, child] of [
        [c, a],
        [b, a],
        [c, b],
        [a, a],
      ]) {
        const response = await admin.post(`/groups/${parent}/members`, { type: 'group', id: child });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ code: 'GROUP_CYCLE', field: 'id' });
      }
      // A DAG is fine: a inside c's sibling, c directly inside a too.
      ok(await admin.post(`/groups/${a}/members`, { type: 'group', id: c }), 201);
      const edges = await t.db.query(
        'SELECT 1 FROM group_nested_groups WHERE parent_group_id = ANY ($1::uuid[])',
        [[a, b, c]],
      );
      expect(edges).toHaveLength(3);
    });

    it('never lets concurrent additions close a cycle together', async () => {
      for (let round = 0; round < 5; round += 1) {
        const [a, b, c, d] = [
          await createGroup(),
          await createGroup(),
          await createGroup(),
          await createGroup(),
        ].map((g) => String(g.id));
        // Four edges that make the cycle a > b > c > d > a only together; each request alone is fine.
        const responses = await Promise.all([
          admin.post(`/groups/${a}/members`, { type: 'group', id: b }),
          admin.post(`/groups/${b}/members`, { type: 'group', id: c }),
          admin.post(`/groups/${c}/members`, { type: 'group', id: d }),
          admin.post(`/groups/${d}/members`, { type: 'group', id: a }),
        ]);
        expect(responses.map((r) => r.status).sort()).toEqual([201, 201, 201, 400]);
        const cycle = await t.db.query(
          `WITH RECURSIVE down (id, path) AS (
             SELECT $1::uuid, ARRAY[$1::uuid]
             UNION ALL
             SELECT n.child_group_id, path || n.child_group_id FROM down
               JOIN group_nested_groups n ON n.parent_group_id = down.id WHERE n.child_group_id <> ALL (path))
           SELECT 1 FROM down JOIN group_nested_groups n ON n.parent_group_id = down.id AND n.child_group_id = $1`,
          [a],
        );
        expect(cycle).toEqual([]);
      }
    });
  });
});
