import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MANUAL_CHANGE_SINK, type ManualChange, type ManualChangeSink } from '#management';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A caller of one organization's management API with one token (or none). */
function managementClient(t: TestApp, organizationId: string, token?: string) {
  const base = `/api/v1/organizations/${organizationId}`;
  const auth = <R extends { set(name: string, value: string): R }>(request: R): R =>
    token === undefined ? request : request.set('Authorization', `Bearer ${token}`);
  return {
    get: (path: string) => auth(t.http().get(`${base}${path}`)),
    post: (path: string, body: object = {}) => auth(t.http().post(`${base}${path}`)).send(body),
    patch: (path: string, body: object) => auth(t.http().patch(`${base}${path}`)).send(body),
    delete: (path: string) => auth(t.http().delete(`${base}${path}`)),
  };
}
type Client = ReturnType<typeof managementClient>;

/** The body (supertest's untyped JSON), once the status is the one expected. */
function ok(response: Response, status = 200): Response['body'] {
  expect(
    response.status,
    `${response.request.method} ${response.request.url}: ${JSON.stringify(response.body)}`,
  ).toBe(status);
  return response.body;
}

const ROLES = [
  'GlobalAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
  'CertificateAdministrator',
  'RegularUser',
  'DirectorySynchronizer',
] as const;
type Role = (typeof ROLES)[number];

const DIRECTORY_READERS: Role[] = [
  'GlobalAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
];
const DIRECTORY_WRITERS: Role[] = ['GlobalAdministrator', 'UserAdministrator'];
const PROJECT_READERS: Role[] = ['GlobalAdministrator', 'ProjectAdministrator', 'GlobalReader'];
const PROJECT_WRITERS: Role[] = ['GlobalAdministrator', 'ProjectAdministrator'];
const TOKEN_READERS: Role[] = ['GlobalAdministrator', 'UserAdministrator', 'GlobalReader'];
const EVERYONE_BUT_SYNCHRONIZER: Role[] = ROLES.filter((role) => role !== 'DirectorySynchronizer');

describe('management API: authentication, roles, hybrid users and groups', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let other: Awaited<ReturnType<typeof seedOrganization>>;
  let admin: Client;
  let scim: ReturnType<typeof scimClient>;
  const callers = {} as Record<Role, { client: Client; userId: string; token: string }>;
  let seq = 0;
  const next = () => (seq += 1);

  const createUser = async (body: object = {}) =>
    ok(await admin.post('/users', { userName: `manual-${next()}@acme.test`, ...body }), 201);
  const createGroup = async () =>
    ok(await admin.post('/groups', { displayName: `Manual group ${next()}` }), 201);
  const createProject = async () => ok(await admin.post('/projects', { name: `Project ${next()}` }), 201);
  const createPolicy = async (projectId: string) =>
    ok(await admin.post(`/projects/${projectId}/signing-policies`, { name: `Policy ${next()}` }), 201);
  const scimUser = async () => {
    const n = next();
    const response = await scim.post(
      '/Users',
      entraUserBody({ externalId: `acme:m-${n}`, userName: `sync-${n}@acme.test` }),
    );
    expect(response.status).toBe(201);
    return String(response.body.id);
  };
  const scimGroup = async (members: string[]) => {
    const response = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: `Entra group ${next()}`,
      members: members.map((value) => ({ value })),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return String(response.body.id);
  };

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url, 'GlobalAdministrator');
    other = await seedOrganization(t.db.url, 'GlobalAdministrator');
    admin = managementClient(t, org.organizationId, org.token);
    callers.GlobalAdministrator = { client: admin, userId: org.userId, token: org.token };
    for (const role of ROLES) {
      if (role === 'GlobalAdministrator') continue;
      const issued =
        role === 'DirectorySynchronizer'
          ? (
              await cli(
                t.db.url,
                'tokens',
                'issue',
                '--organization',
                org.organizationId,
                '--role',
                role,
                '--json',
              )
            ).json()
          : ok(await admin.post('/tokens', { role, name: `ci-${role}` }), 201);
      const token = String(issued.token);
      callers[role] = {
        client: managementClient(t, org.organizationId, token),
        userId: String(issued.userId),
        token,
      };
    }
    scim = scimClient(t, org.organizationId, callers.DirectorySynchronizer.token);
  });
  afterAll(async () => {
    await t.close();
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
          expect(response.body, label).toMatchObject({ statusCode: 403, code: 'ROLE_NOT_ALLOWED' });
        }
      }
    });
  });

  describe('authentication and organization scope', () => {
    it('answers 401 without a token, with an unknown or revoked one, and for a deactivated user', async () => {
      const none = await managementClient(t, org.organizationId).get('/users');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        message: expect.stringContaining('bearer token'),
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
      expect((await revocable.get('/users')).status).toBe(401);

      const deactivatable = ok(
        await admin.post('/tokens', { role: 'UserAdministrator', name: 'soon-inactive' }),
        201,
      );
      const itsClient = managementClient(t, org.organizationId, String(deactivatable.token));
      ok(await itsClient.get('/users'));
      ok(await admin.post(`/users/${String(deactivatable.userId)}/deactivate`));
      const refused = await itsClient.get('/users');
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
      expect(name.body).toMatchObject({ statusCode: 409, code: 'USER_NAME_TAKEN', field: 'userName' });
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
          statusCode: 400,
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
          statusCode: 409,
          code: 'MANAGED_BY_DIRECTORY_SYNC',
          message: expect.stringContaining('managed by directory synchronization'),
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

  describe('tokens', () => {
    it('issues a token shown once, lists tokens without secrets, and revokes', async () => {
      const issued = ok(
        await admin.post('/tokens', { role: 'ProjectAdministrator', name: 'release-bot' }),
        201,
      );
      expect(issued).toEqual({
        token: expect.stringMatching(/^sct_/),
        tokenId: expect.any(String),
        userId: expect.any(String),
      });
      const list = ok(await admin.get('/tokens'));
      const listed = list.items.find((token: { id: string }) => token.id === issued.tokenId);
      expect(listed).toMatchObject({
        userName: 'release-bot',
        globalRole: 'ProjectAdministrator',
        revokedAt: null,
      });
      expect(JSON.stringify(list)).not.toContain(String(issued.token));
      const bot = managementClient(t, org.organizationId, String(issued.token));
      ok(await bot.post('/projects', { name: `Bot project ${next()}` }), 201);
      expect(ok(await admin.post(`/tokens/${String(issued.tokenId)}/revoke`)).revokedAt).toEqual(
        expect.any(String),
      );
      expect((await bot.get('/projects')).status).toBe(401);
      expect(ok(await admin.get(`/users/${String(issued.userId)}`))).toMatchObject({
        kind: 'ci',
        userName: 'release-bot',
      });
    });
  });

  describe('audit of manual changes', () => {
    it('records each committed write once, with the acting user, and nothing for reads or failures', async () => {
      const sink = t.app.get<ManualChangeSink>(MANUAL_CHANGE_SINK);
      const written: ManualChange[] = [];
      const spy = vi.spyOn(sink, 'write').mockImplementation(async (changes) => {
        written.push(...changes);
      });
      try {
        const userAdmin = callers.UserAdministrator;
        const created = ok(await userAdmin.client.post('/users', { userName: `audited-${next()}` }), 201);
        await userAdmin.client.get(`/users/${String(created.id)}`);
        await userAdmin.client.post('/users', { userName: String(created.userName) }); // 409
        await userAdmin.client.post(`/users/${String(created.id)}/deactivate`);
        expect(written).toEqual([
          expect.objectContaining({
            source: 'manual',
            organizationId: org.organizationId,
            actorUserId: userAdmin.userId,
            actorGlobalRole: 'UserAdministrator',
            operation: 'create',
            resourceType: 'User',
            resourceId: created.id,
            label: created.userName,
            method: 'POST',
            path: `/api/v1/organizations/${org.organizationId}/users`,
            effect: expect.objectContaining({
              changed: expect.objectContaining({ userName: { before: null, after: created.userName } }),
            }),
          }),
          expect.objectContaining({
            operation: 'deactivate',
            resourceId: created.id,
            effect: { changed: { active: { before: true, after: false } } },
          }),
        ]);
      } finally {
        spy.mockRestore();
      }
    });

    it('rolls the change back and answers 503 when its record cannot be written', async () => {
      const sink = t.app.get<ManualChangeSink>(MANUAL_CHANGE_SINK);
      const spy = vi.spyOn(sink, 'write').mockRejectedValue(new Error('audit store away'));
      const name = `never-${next()}`;
      try {
        const response = await admin.post('/projects', { name });
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', requestId: expect.any(String) });
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
      expect(await t.db.query('SELECT 1 FROM projects WHERE name = $1', [name])).toEqual([]);
      expect(
        await t.db.query(`SELECT 1 FROM sync_audit_events WHERE source = 'manual' AND display_name = $1`, [
          name,
        ]),
      ).toEqual([]);
    });

    it('writes through the audit table sink by default: the committed change has its manual row', async () => {
      const name = `recorded-${next()}`;
      const project = ok(await admin.post('/projects', { name }), 201);
      expect(
        await t.db.query(
          `SELECT source, operation, resource_id, user_id FROM sync_audit_events WHERE display_name = $1`,
          [name],
        ),
      ).toEqual([{ source: 'manual', operation: 'create', resource_id: project.id, user_id: org.userId }]);
    });
  });

  it('describes the management API in the OpenAPI document at /api/docs', async () => {
    const document = ok(await t.http().get('/api/docs-json'));
    const paths = Object.keys(document.paths as object);
    for (const path of [
      '/api/v1/organizations/{organizationId}/users',
      '/api/v1/organizations/{organizationId}/users/{id}',
      '/api/v1/organizations/{organizationId}/users/{id}/effective-permissions',
      '/api/v1/organizations/{organizationId}/groups/{id}/members',
      '/api/v1/organizations/{organizationId}/groups/{id}/members/{memberId}',
      '/api/v1/organizations/{organizationId}/projects/{id}/members',
      '/api/v1/organizations/{organizationId}/projects/{projectId}/signing-policies/{id}/permissions',
      '/api/v1/organizations/{organizationId}/tokens/{tokenId}/revoke',
    ]) {
      expect(paths).toContain(path);
    }
    expect(document.components.securitySchemes['management-bearer']).toMatchObject({ scheme: 'bearer' });
    expect(document.components.schemas.ManagementErrorDto.properties.code.enum).toContain(
      'MANAGED_BY_DIRECTORY_SYNC',
    );
    expect(document.paths['/api/v1/organizations/{organizationId}/users'].post.requestBody).toBeDefined();
    expect((await t.http().get('/api/docs')).status).toBe(200);
  });
});
