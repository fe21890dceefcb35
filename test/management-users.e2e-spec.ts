import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startManagementFixture, type Client, type ManagementFixture } from './support/management.js';

describe('management API: users', () => {
  let f: ManagementFixture;
  let admin: Client;
  let callers: ManagementFixture['callers'];
  const next = () => f.next();
  const createUser = (body?: object) => f.createUser(body);
  const createGroup = () => f.createGroup();
  const createProject = () => f.createProject();
  const createPolicy = (projectId: string) => f.createPolicy(projectId);

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ admin, callers } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('users', () => {
    it('creates, reads, lists, changes, deactivates and reactivates manual users', async () => {
      const created = await createUser({
        userName: 'Jane.Doe@acme.test',
        displayName: 'Jane Doe',
        email: 'jane@acme.test',
        identity: 'acme:0a21f0f2-0000-4000-8000-000000000001',
        globalRole: 'ProjectAdministrator',
      });
      expect(created).toEqual({
        id: expect.any(String),
        kind: 'interactive',
        userName: 'Jane.Doe@acme.test',
        displayName: 'Jane Doe',
        email: 'jane@acme.test',
        identity: 'acme:0a21f0f2-0000-4000-8000-000000000001',
        globalRole: 'ProjectAdministrator',
        active: true,
        isDirectorySynchronized: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const id = String(created.id);
      expect(ok(await admin.get(`/users/${id}`))).toEqual(created);

      const changed = ok(
        await admin.patch(`/users/${id}`, {
          displayName: 'Jane Q. Doe',
          email: null,
          globalRole: 'UserAdministrator',
        }),
      );
      expect(changed).toMatchObject({
        displayName: 'Jane Q. Doe',
        email: null,
        globalRole: 'UserAdministrator',
      });

      const ci = await createUser({
        kind: 'ci',
        userName: 'build-agent',
        globalRole: 'DirectorySynchronizer',
      });
      expect(ci).toMatchObject({ kind: 'ci', globalRole: 'DirectorySynchronizer', identity: null });

      expect(ok(await admin.post(`/users/${id}/deactivate`))).toMatchObject({ active: false });
      expect(
        ok(await admin.get(`/users?name=jane.doe&active=false`)).items.map((u: { id: string }) => u.id),
      ).toEqual([id]);
      expect(ok(await admin.get(`/users?name=jane.doe&active=true`)).items).toEqual([]);
      expect(ok(await admin.post(`/users/${id}/reactivate`))).toMatchObject({ active: true });

      const ciOnly = ok(await admin.get('/users?kind=ci&name=build-agent'));
      expect(ciOnly).toMatchObject({ total: 1, limit: 100, offset: 0 });
      const paged = ok(await admin.get('/users?limit=2&offset=1'));
      expect(paged.items).toHaveLength(2);
      expect(paged.total).toBeGreaterThan(3);
    });

    it('keeps userName (any case) and identity unique: 409 USER_NAME_TAKEN and IDENTITY_TAKEN', async () => {
      await createUser({ userName: 'unique@acme.test', identity: 'acme:unique-1' });
      const name = await admin.post('/users', { userName: 'UNIQUE@acme.test' });
      expect(name.status).toBe(409);
      expect(name.body).toMatchObject({ status: 409, code: 'USER_NAME_TAKEN', field: 'userName' });
      const identity = await admin.post('/users', { userName: 'other@acme.test', identity: 'acme:unique-1' });
      expect(identity.status).toBe(409);
      expect(identity.body).toMatchObject({ code: 'IDENTITY_TAKEN', field: 'identity' });
      const token = await admin.post('/tokens', { role: 'RegularUser', name: 'unique@acme.test' });
      expect(token.body).toMatchObject({ code: 'USER_NAME_TAKEN', field: 'name' });
    });

    it('validates with a stable code and the field at fault', async () => {
      const expectations: [object, string][] = [
        [{}, 'userName'],
        [{ userName: '  ' }, 'userName'],
        [{ userName: 'a', unknown: 1 }, 'unknown'],
        [{ userName: 'a', globalRole: 'Emperor' }, 'globalRole'],
        // One global role: a second one has nowhere to go.
        [{ userName: 'a', globalRole: ['GlobalReader', 'ProjectAdministrator'] }, 'globalRole'],
        [{ userName: 'a', globalRole: 'DirectorySynchronizer' }, 'globalRole'],
        [{ userName: 'a', email: 'not-an-address' }, 'email'],
        [{ userName: 'a', identity: 'no-colon' }, 'identity'],
        [{ userName: 'a', identity: 'othersso:123' }, 'identity'],
        [{ userName: 'a', kind: 'ci', identity: 'acme:123' }, 'identity'],
        [{ userName: 'a', kind: 'robot' }, 'kind'],
      ];
      for (const [body, field] of expectations) {
        const response = await admin.post('/users', body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body, JSON.stringify(body)).toMatchObject({
          status: 400,
          code: 'VALIDATION_FAILED',
          field,
        });
        expect(response.body.requestId).toEqual(expect.any(String));
      }
      const user = String((await createUser()).id);
      expect((await admin.patch(`/users/${user}`, { userName: null })).body).toMatchObject({
        field: 'userName',
      });
      expect((await admin.get('/users?active=maybe')).body).toMatchObject({ field: 'active' });
      expect((await admin.get('/users?limit=0')).body).toMatchObject({ field: 'limit' });
      const group = String((await createGroup()).id);
      expect((await admin.post(`/groups/${group}/members`, { type: 'role', id: user })).body).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'type',
      });
      const project = String((await createProject()).id);
      const policy = String((await createPolicy(project)).id);
      const grants: [string, object, string][] = [
        [
          `/projects/${project}/permissions`,
          { permission: 'Submitter', principal: { type: 'user', id: user } },
          'permission',
        ],
        [
          `/projects/${project}/signing-policies/${policy}/permissions`,
          { permission: 'Configurator', principal: { type: 'user', id: user } },
          'permission',
        ],
        [`/projects/${project}/permissions`, { permission: 'Configurator' }, 'principal'],
        [
          `/projects/${project}/permissions`,
          { permission: 'Configurator', principal: { type: 'user', id: 'x' } },
          'principal.id',
        ],
      ];
      for (const [path, body, field] of grants) {
        expect((await admin.post(path, body)).body, JSON.stringify(body)).toMatchObject({
          code: 'VALIDATION_FAILED',
          field,
        });
      }
    });

    it('lets only a GlobalAdministrator grant or change the GlobalAdministrator role', async () => {
      const userAdmin = callers.UserAdministrator.client;
      const escalate = await userAdmin.post('/users', {
        userName: `boss-${next()}`,
        globalRole: 'GlobalAdministrator',
      });
      expect(escalate.status).toBe(403);
      expect(escalate.body).toMatchObject({ code: 'GLOBAL_ADMINISTRATOR_REQUIRED', field: 'globalRole' });
      const someone = String((await createUser()).id);
      expect((await userAdmin.patch(`/users/${someone}`, { globalRole: 'GlobalAdministrator' })).status).toBe(
        403,
      );
      expect((await userAdmin.post('/tokens', { role: 'GlobalAdministrator' })).status).toBe(403);
      const boss = String((await createUser({ globalRole: 'GlobalAdministrator' })).id);
      expect((await userAdmin.post(`/users/${boss}/deactivate`)).body.code).toBe(
        'GLOBAL_ADMINISTRATOR_REQUIRED',
      );
      expect(ok(await userAdmin.patch(`/users/${someone}`, { globalRole: 'GlobalReader' })).globalRole).toBe(
        'GlobalReader',
      );
    });
  });
});
