import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  managementClient,
  ok,
  ROLES,
  DIRECTORY_READERS,
  DIRECTORY_WRITERS,
  PROJECT_READERS,
  PROJECT_WRITERS,
  TOKEN_READERS,
  EVERYONE_BUT_SYNCHRONIZER,
  startManagementFixture,
  type Client,
  type ManagementFixture,
  type Role,
} from './support/management.js';
import { withinTokenEviction } from './support/eventually.js';
import type { TestApp } from './support/test-app.js';

describe('management API: who may call what, authentication and organization scope', () => {
  let f: ManagementFixture;
  let t: TestApp;
  let org: ManagementFixture['org'];
  let other: ManagementFixture['other'];
  let admin: Client;
  let callers: ManagementFixture['callers'];
  const next = () => f.next();
  const createUser = (body?: object) => f.createUser(body);
  const createGroup = () => f.createGroup();
  const createProject = () => f.createProject();
  const createPolicy = (projectId: string) => f.createPolicy(projectId);

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ t, org, other, admin, callers } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('who may call what', () => {
    interface Case {
      name: string;
      allowed: readonly Role[];
      /** Runs the call as `caller` (`me` is the caller's own user id); targets are made fresh each time. */
      call: (caller: Client, me: string) => Promise<Response>;
    }
    const cases: Case[] = [
      { name: 'GET users', allowed: DIRECTORY_READERS, call: (c) => c.get('/users') },
      {
        name: 'POST users',
        allowed: DIRECTORY_WRITERS,
        call: (c) => c.post('/users', { userName: `r-${next()}` }),
      },
      {
        name: 'GET users/{other}',
        allowed: DIRECTORY_READERS,
        call: async (c) => c.get(`/users/${String((await createUser()).id)}`),
      },
      {
        name: 'GET users/{self}',
        allowed: EVERYONE_BUT_SYNCHRONIZER,
        call: (c, me) => c.get(`/users/${me}`),
      },
      {
        name: 'PATCH users/{id}',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => c.patch(`/users/${String((await createUser()).id)}`, { displayName: 'Renamed' }),
      },
      {
        name: 'POST users/{id}/deactivate',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => c.post(`/users/${String((await createUser()).id)}/deactivate`),
      },
      {
        name: 'POST users/{id}/reactivate',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => c.post(`/users/${String((await createUser()).id)}/reactivate`),
      },
      {
        name: 'GET users/{other}/effective-permissions',
        allowed: ['GlobalAdministrator', 'UserAdministrator', 'ProjectAdministrator', 'GlobalReader'],
        call: (c) => c.get(`/users/${org.userId}/effective-permissions`),
      },
      {
        name: 'GET users/{self}/effective-permissions',
        allowed: EVERYONE_BUT_SYNCHRONIZER,
        call: (c, me) => c.get(`/users/${me}/effective-permissions`),
      },
      { name: 'GET groups', allowed: DIRECTORY_READERS, call: (c) => c.get('/groups') },
      {
        name: 'POST groups',
        allowed: DIRECTORY_WRITERS,
        call: (c) => c.post('/groups', { displayName: `Role group ${next()}` }),
      },
      {
        name: 'GET groups/{id}',
        allowed: DIRECTORY_READERS,
        call: async (c) => c.get(`/groups/${String((await createGroup()).id)}`),
      },
      {
        name: 'GET groups/{id}/members',
        allowed: DIRECTORY_READERS,
        call: async (c) => c.get(`/groups/${String((await createGroup()).id)}/members`),
      },
      {
        name: 'PATCH groups/{id}',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => c.patch(`/groups/${String((await createGroup()).id)}`, { description: 'x' }),
      },
      {
        name: 'DELETE groups/{id}',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => c.delete(`/groups/${String((await createGroup()).id)}`),
      },
      {
        name: 'POST groups/{id}/members',
        allowed: DIRECTORY_WRITERS,
        call: async (c) =>
          c.post(`/groups/${String((await createGroup()).id)}/members`, { type: 'user', id: org.userId }),
      },
      {
        name: 'DELETE groups/{id}/members/{member}',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => {
          const group = String((await createGroup()).id);
          ok(await admin.post(`/groups/${group}/members`, { type: 'user', id: org.userId }), 201);
          return c.delete(`/groups/${group}/members/${org.userId}`);
        },
      },
      { name: 'GET projects', allowed: PROJECT_READERS, call: (c) => c.get('/projects') },
      {
        name: 'POST projects',
        allowed: PROJECT_WRITERS,
        call: (c) => c.post('/projects', { name: `P ${next()}` }),
      },
      {
        name: 'GET projects/{id}',
        allowed: PROJECT_READERS,
        call: async (c) => c.get(`/projects/${String((await createProject()).id)}`),
      },
      {
        name: 'PATCH projects/{id}',
        allowed: PROJECT_WRITERS,
        call: async (c) => c.patch(`/projects/${String((await createProject()).id)}`, { description: 'd' }),
      },
      {
        name: 'DELETE projects/{id}',
        allowed: PROJECT_WRITERS,
        call: async (c) => c.delete(`/projects/${String((await createProject()).id)}`),
      },
      {
        name: 'GET projects/{id}/members',
        allowed: PROJECT_READERS,
        call: async (c) => c.get(`/projects/${String((await createProject()).id)}/members`),
      },
      {
        name: 'GET projects/{id}/permissions',
        allowed: PROJECT_READERS,
        call: async (c) => c.get(`/projects/${String((await createProject()).id)}/permissions`),
      },
      {
        name: 'POST projects/{id}/permissions',
        allowed: PROJECT_WRITERS,
        call: async (c) =>
          c.post(`/projects/${String((await createProject()).id)}/permissions`, {
            permission: 'Configurator',
            principal: { type: 'user', id: org.userId },
          }),
      },
      {
        name: 'DELETE projects/{id}/permissions/{permission}',
        allowed: PROJECT_WRITERS,
        call: async (c) => {
          const project = String((await createProject()).id);
          const grant = ok(
            await admin.post(`/projects/${project}/permissions`, {
              permission: 'Configurator',
              principal: { type: 'user', id: org.userId },
            }),
            201,
          );
          return c.delete(`/projects/${project}/permissions/${String(grant.id)}`);
        },
      },
      {
        name: 'GET projects/{id}/signing-policies',
        allowed: PROJECT_READERS,
        call: async (c) => c.get(`/projects/${String((await createProject()).id)}/signing-policies`),
      },
      {
        name: 'POST projects/{id}/signing-policies',
        allowed: PROJECT_WRITERS,
        call: async (c) =>
          c.post(`/projects/${String((await createProject()).id)}/signing-policies`, { name: 'Release' }),
      },
      {
        name: 'PATCH, GET signing-policies/{id}',
        allowed: PROJECT_WRITERS,
        call: async (c) => {
          const project = String((await createProject()).id);
          const policy = String((await createPolicy(project)).id);
          return c.patch(`/projects/${project}/signing-policies/${policy}`, { name: 'Renamed' });
        },
      },
      {
        name: 'DELETE signing-policies/{id}',
        allowed: PROJECT_WRITERS,
        call: async (c) => {
          const project = String((await createProject()).id);
          return c.delete(
            `/projects/${project}/signing-policies/${String((await createPolicy(project)).id)}`,
          );
        },
      },
      {
        name: 'POST signing-policies/{id}/permissions',
        allowed: PROJECT_WRITERS,
        call: async (c) => {
          const project = String((await createProject()).id);
          const policy = String((await createPolicy(project)).id);
          return c.post(`/projects/${project}/signing-policies/${policy}/permissions`, {
            permission: 'Approver',
            principal: { type: 'user', id: org.userId },
          });
        },
      },
      {
        name: 'GET signing-policies/{id}/permissions',
        allowed: PROJECT_READERS,
        call: async (c) => {
          const project = String((await createProject()).id);
          return c.get(
            `/projects/${project}/signing-policies/${String((await createPolicy(project)).id)}/permissions`,
          );
        },
      },
      { name: 'GET tokens', allowed: TOKEN_READERS, call: (c) => c.get('/tokens') },
      {
        name: 'POST tokens',
        allowed: DIRECTORY_WRITERS,
        call: (c) => c.post('/tokens', { role: 'RegularUser' }),
      },
      {
        name: 'POST tokens/{id}/revoke',
        allowed: DIRECTORY_WRITERS,
        call: async (c) => {
          const issued = ok(await admin.post('/tokens', { role: 'RegularUser' }), 201);
          return c.post(`/tokens/${String(issued.tokenId)}/revoke`);
        },
      },
    ];

    it.each(cases)('$name', async ({ allowed, call }) => {
      for (const role of ROLES) {
        const response = await call(callers[role].client, callers[role].userId);
        const label = `${role}: ${response.request.method} ${response.request.url} -> ${response.status} ${JSON.stringify(response.body)}`;
        if (allowed.includes(role)) {
          expect(response.status, label).toBeGreaterThanOrEqual(200);
          expect(response.status, label).toBeLessThan(300);
        } else {
          expect(response.status, label).toBe(403);
          expect(response.body, label).toMatchObject({ status: 403, code: 'ROLE_NOT_ALLOWED' });
        }
      }
    });
  });

  describe('authentication and organization scope', () => {
    it('answers 401 without a token, with an unknown or revoked one, and for a deactivated user', async () => {
      const none = await managementClient(t, org.organizationId).get('/users');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        type: 'https://scim-connector.dev/problems/unauthenticated',
        title: 'Authentication required',
        status: 401,
        code: 'UNAUTHENTICATED',
        detail: expect.stringContaining('bearer token'),
        requestId: expect.any(String),
      });
      expect(none.headers['x-request-id']).toBe(none.body.requestId);
      const garbage = await managementClient(t, org.organizationId, 'sct_000000000000_nope').get('/users');
      expect(garbage.status).toBe(401);

      const issued = ok(
        await admin.post('/tokens', { role: 'UserAdministrator', name: 'soon-revoked' }),
        201,
      );
      const revocable = managementClient(t, org.organizationId, String(issued.token));
      ok(await revocable.get('/users'));
      ok(await admin.post(`/tokens/${String(issued.tokenId)}/revoke`));
      const afterRevoke = await withinTokenEviction(
        'the revoked token refused',
        () => revocable.get('/users'),
        (answer) => answer.status === 401,
      );
      expect(afterRevoke.status).toBe(401);

      const deactivatable = ok(
        await admin.post('/tokens', { role: 'UserAdministrator', name: 'soon-inactive' }),
        201,
      );
      const itsClient = managementClient(t, org.organizationId, String(deactivatable.token));
      ok(await itsClient.get('/users'));
      ok(await admin.post(`/users/${String(deactivatable.userId)}/deactivate`));
      const refused = await withinTokenEviction(
        "the deactivated user's token refused",
        () => itsClient.get('/users'),
        (answer) => answer.status === 401,
      );
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
      ok(await admin.post(`/users/${String(deactivatable.userId)}/reactivate`));
      ok(await itsClient.get('/users'));
    });

    it('answers 403 to a token of another organization, whatever its role', async () => {
      const stranger = managementClient(t, org.organizationId, other.token);
      for (const call of [
        stranger.get('/users'),
        stranger.post('/projects', { name: 'x' }),
        stranger.get('/tokens'),
      ]) {
        const response = await call;
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ code: 'WRONG_ORGANIZATION' });
      }
      expect((await managementClient(t, 'not-a-uuid', org.token).get('/users')).status).toBe(403);
    });

    it('answers 404 for ids of another organization, exactly as for unknown ones', async () => {
      const theirs = managementClient(t, other.organizationId, other.token);
      const user = String(ok(await theirs.post('/users', { userName: 'theirs@other.test' }), 201).id);
      const group = String(ok(await theirs.post('/groups', { displayName: 'Theirs' }), 201).id);
      const project = String(ok(await theirs.post('/projects', { name: 'Theirs' }), 201).id);
      const policy = String(
        ok(await theirs.post(`/projects/${project}/signing-policies`, { name: 'Theirs' }), 201).id,
      );
      const grant = String(
        ok(
          await theirs.post(`/projects/${project}/permissions`, {
            permission: 'Configurator',
            principal: { type: 'user', id: user },
          }),
          201,
        ).id,
      );
      const token = String(ok(await theirs.post('/tokens', { role: 'RegularUser' }), 201).tokenId);
      const mine = String((await createProject()).id);
      const myPolicy = String((await createPolicy(mine)).id);
      const myGroup = String((await createGroup()).id);

      const expectations: [Promise<Response>, string][] = [
        [admin.get(`/users/${user}`), 'USER_NOT_FOUND'],
        [admin.patch(`/users/${user}`, { displayName: 'x' }), 'USER_NOT_FOUND'],
        [admin.post(`/users/${user}/deactivate`), 'USER_NOT_FOUND'],
        [admin.get(`/users/${user}/effective-permissions`), 'USER_NOT_FOUND'],
        [admin.get(`/groups/${group}`), 'GROUP_NOT_FOUND'],
        [admin.get(`/groups/${group}/members`), 'GROUP_NOT_FOUND'],
        [admin.delete(`/groups/${group}`), 'GROUP_NOT_FOUND'],
        [admin.post(`/groups/${myGroup}/members`, { type: 'group', id: group }), 'GROUP_NOT_FOUND'],
        [admin.post(`/groups/${myGroup}/members`, { type: 'user', id: user }), 'USER_NOT_FOUND'],
        [admin.get(`/projects/${project}`), 'PROJECT_NOT_FOUND'],
        [admin.get(`/projects/${project}/members`), 'PROJECT_NOT_FOUND'],
        [admin.delete(`/projects/${project}`), 'PROJECT_NOT_FOUND'],
        [admin.get(`/projects/${project}/signing-policies/${policy}`), 'PROJECT_NOT_FOUND'],
        [admin.get(`/projects/${mine}/signing-policies/${policy}`), 'SIGNING_POLICY_NOT_FOUND'],
        [admin.delete(`/projects/${mine}/permissions/${grant}`), 'PERMISSION_NOT_FOUND'],
        [
          admin.post(`/projects/${mine}/permissions`, {
            permission: 'Configurator',
            principal: { type: 'user', id: user },
          }),
          'USER_NOT_FOUND',
        ],
        [
          admin.post(`/projects/${mine}/signing-policies/${myPolicy}/permissions`, {
            permission: 'Submitter',
            principal: { type: 'group', id: group },
          }),
          'GROUP_NOT_FOUND',
        ],
        [admin.post(`/tokens/${token}/revoke`), 'TOKEN_NOT_FOUND'],
        [admin.get('/users/not-a-uuid'), 'USER_NOT_FOUND'],
      ];
      for (const [call, code] of expectations) {
        const response = await call;
        expect(response.status, `${response.request.url}: ${JSON.stringify(response.body)}`).toBe(404);
        expect(response.body.code).toBe(code);
      }
      // Nothing of theirs changed.
      const [theirProject] = await t.db.query('SELECT name FROM projects WHERE id = $1', [project]);
      expect(theirProject).toEqual({ name: 'Theirs' });
      const lists = ok(await admin.get('/users?name=theirs'));
      expect(lists.items).toEqual([]);
    });
  });
});
