import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlExecutor } from '#persistence';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A caller of one organization's management API with one token. */
function managementClient(t: TestApp, organizationId: string, token: string) {
  const base = `/api/v1/organizations/${organizationId}`;
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (path: string) => t.http().get(`${base}${path}`).set(auth),
    post: (path: string, body: object = {}) => t.http().post(`${base}${path}`).set(auth).send(body),
    delete: (path: string) => t.http().delete(`${base}${path}`).set(auth),
  };
}

/** The body (supertest's untyped JSON), once the status is the one expected. */
function ok(response: Response, status = 200): Response['body'] {
  expect(
    response.status,
    `${response.request.method} ${response.request.url}: ${JSON.stringify(response.body)}`,
  ).toBe(status);
  return response.body;
}

interface Grant {
  permissionId: string;
  kind: 'direct' | 'group';
  groups?: { id: string; displayName: string; isDirectorySynchronized: boolean }[];
}

describe('project permissions and their resolution through nested groups', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let admin: ReturnType<typeof managementClient>;
  let scim: ReturnType<typeof scimClient>;
  let seq = 0;

  const scimUser = async () => {
    seq += 1;
    const response = await scim.post(
      '/Users',
      entraUserBody({ externalId: `acme:p-${seq}`, userName: `p-user-${seq}@acme.test` }),
    );
    expect(response.status).toBe(201);
    return String(response.body.id);
  };
  const scimGroup = async (members: string[]) => {
    seq += 1;
    const response = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: `Entra ${seq}`,
      members: members.map((value) => ({ value })),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { id: String(response.body.id), displayName: `Entra ${seq}` };
  };
  const manualGroup = async () => {
    seq += 1;
    const group = ok(await admin.post('/groups', { displayName: `Manual ${seq}` }), 201);
    return { id: String(group.id), displayName: String(group.displayName) };
  };
  const nest = async (parent: string, child: string) =>
    ok(await admin.post(`/groups/${parent}/members`, { type: 'group', id: child }), 201);
  const projectWithPolicy = async () => {
    seq += 1;
    const project = ok(await admin.post('/projects', { name: `Project ${seq}` }), 201);
    const policy = ok(
      await admin.post(`/projects/${String(project.id)}/signing-policies`, { name: 'Release signing' }),
      201,
    );
    return { project: String(project.id), policy: String(policy.id), projectName: String(project.name) };
  };
  const grantOnPolicy = async (
    target: { project: string; policy: string },
    permission: 'Submitter' | 'Approver',
    principal: { type: 'user' | 'group'; id: string },
  ) =>
    ok(
      await admin.post(`/projects/${target.project}/signing-policies/${target.policy}/permissions`, {
        permission,
        principal,
      }),
      201,
    );
  const effective = async (userId: string) => ok(await admin.get(`/users/${userId}/effective-permissions`));

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url, 'GlobalAdministrator');
    admin = managementClient(t, org.organizationId, org.token);
    const synchronizer = (
      await cli(
        t.db.url,
        'tokens',
        'issue',
        '--organization',
        org.organizationId,
        '--role',
        'DirectorySynchronizer',
        '--json',
      )
    ).json();
    scim = scimClient(t, org.organizationId, String(synchronizer.token));
  });
  afterAll(async () => {
    await t.close();
  });

  it('manages projects and signing policies, with unique names', async () => {
    const project = ok(
      await admin.post('/projects', { name: 'Desktop app', description: 'The installer' }),
      201,
    );
    const id = String(project.id);
    expect(project).toMatchObject({ name: 'Desktop app', description: 'The installer' });
    expect((await admin.post('/projects', { name: 'DESKTOP APP' })).body).toMatchObject({
      code: 'PROJECT_NAME_TAKEN',
      field: 'name',
    });
    const policy = ok(await admin.post(`/projects/${id}/signing-policies`, { name: 'Release' }), 201);
    expect(policy).toMatchObject({ projectId: id, name: 'Release' });
    expect((await admin.post(`/projects/${id}/signing-policies`, { name: 'release' })).status).toBe(409);
    const other = ok(await admin.post('/projects', { name: 'Web app' }), 201);
    ok(await admin.post(`/projects/${String(other.id)}/signing-policies`, { name: 'Release' }), 201);
    expect(ok(await admin.get('/projects?name=app')).total).toBe(2);
    expect(ok(await admin.get(`/projects/${id}/signing-policies`)).items).toEqual([policy]);
    ok(await admin.delete(`/projects/${id}`), 204);
    expect((await admin.get(`/projects/${id}/signing-policies/${String(policy.id)}`)).status).toBe(404);
    expect(await t.db.query('SELECT 1 FROM signing_policies WHERE project_id = $1', [id])).toEqual([]);
  });

  it('grants and revokes permissions to users and groups; a grant exists once', async () => {
    const target = await projectWithPolicy();
    const group = await manualGroup();
    const configurator = ok(
      await admin.post(`/projects/${target.project}/permissions`, {
        permission: 'Configurator',
        principal: { type: 'group', id: group.id },
      }),
      201,
    );
    expect(configurator).toMatchObject({
      projectId: target.project,
      signingPolicyId: null,
      permission: 'Configurator',
      principal: { type: 'group', id: group.id, name: group.displayName, isDirectorySynchronized: false },
    });
    const again = await admin.post(`/projects/${target.project}/permissions`, {
      permission: 'Configurator',
      principal: { type: 'group', id: group.id },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PERMISSION_ALREADY_GRANTED');
    const submitter = await grantOnPolicy(target, 'Submitter', { type: 'user', id: org.userId });
    await grantOnPolicy(target, 'Approver', { type: 'user', id: org.userId });
    expect(ok(await admin.get(`/projects/${target.project}/permissions`)).items).toEqual([configurator]);
    const onPolicy = ok(
      await admin.get(`/projects/${target.project}/signing-policies/${target.policy}/permissions`),
    );
    expect(onPolicy.items.map((p: { permission: string }) => p.permission)).toEqual([
      'Submitter',
      'Approver',
    ]);
    ok(
      await admin.delete(
        `/projects/${target.project}/signing-policies/${target.policy}/permissions/${String(submitter.id)}`,
      ),
      204,
    );
    // Revoked on the policy, so not found on the project itself.
    expect(
      (await admin.delete(`/projects/${target.project}/permissions/${String(submitter.id)}`)).status,
    ).toBe(404);
    ok(await admin.delete(`/groups/${group.id}`), 204);
    expect(ok(await admin.get(`/projects/${target.project}/permissions`)).items).toEqual([]);
  });

  it('reaches the users of a synchronized group inside a manual group, and shows the path', async () => {
    const [alice, bob] = [await scimUser(), await scimUser()];
    const entra = await scimGroup([alice, bob]);
    const manual = await manualGroup();
    await nest(manual.id, entra.id);
    const target = await projectWithPolicy();
    const grant = await grantOnPolicy(target, 'Submitter', { type: 'group', id: manual.id });

    const answer = await effective(alice);
    expect(answer).toEqual({
      user: {
        id: alice,
        userName: expect.stringMatching(/^p-user-/),
        displayName: expect.any(String),
        kind: 'interactive',
        active: true,
        isDirectorySynchronized: true,
      },
      projects: [
        {
          id: target.project,
          name: target.projectName,
          permissions: [],
          signingPolicies: [
            {
              id: target.policy,
              name: 'Release signing',
              permissions: [
                {
                  permission: 'Submitter',
                  grants: [
                    {
                      permissionId: grant.id,
                      kind: 'group',
                      groups: [
                        { id: entra.id, displayName: entra.displayName, isDirectorySynchronized: true },
                        { id: manual.id, displayName: manual.displayName, isDirectorySynchronized: false },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });

    const members = ok(await admin.get(`/projects/${target.project}/members`));
    expect(members).toMatchObject({ project: { id: target.project }, total: 2, limit: 100, offset: 0 });
    expect(members.members.map((m: { user: { id: string } }) => m.user.id).sort()).toEqual(
      [alice, bob].sort(),
    );
    expect(members.members[0].permissions).toEqual([
      {
        target: { type: 'signingPolicy', id: target.policy, name: 'Release signing' },
        permission: 'Submitter',
        grants: [
          {
            permissionId: grant.id,
            kind: 'group',
            groups: [expect.objectContaining({ id: entra.id }), expect.objectContaining({ id: manual.id })],
          },
        ],
      },
    ]);
    const secondPage = ok(await admin.get(`/projects/${target.project}/members?limit=1&offset=1`));
    expect(secondPage.total).toBe(2);
    expect(secondPage.members).toHaveLength(1);
    expect(secondPage.members[0].user.id).toBe(members.members[1].user.id);
  });

  it('lists every grant of a permission: direct, and through each group, each by its shortest chain', async () => {
    const user = await scimUser();
    const entra = await scimGroup([user]);
    const [outer, middle] = [await manualGroup(), await manualGroup()];
    await nest(middle.id, entra.id);
    await nest(outer.id, middle.id);
    // A shortcut: outer also contains the Entra group directly.
    await nest(outer.id, entra.id);
    const target = await projectWithPolicy();
    const direct = await grantOnPolicy(target, 'Approver', { type: 'user', id: user });
    const viaOuter = await grantOnPolicy(target, 'Approver', { type: 'group', id: outer.id });
    const viaMiddle = await grantOnPolicy(target, 'Approver', { type: 'group', id: middle.id });
    const configurator = ok(
      await admin.post(`/projects/${target.project}/permissions`, {
        permission: 'Configurator',
        principal: { type: 'group', id: entra.id },
      }),
      201,
    );

    const [project] = (await effective(user)).projects;
    expect(project.permissions).toEqual([
      {
        permission: 'Configurator',
        grants: [
          {
            permissionId: configurator.id,
            kind: 'group',
            groups: [expect.objectContaining({ id: entra.id })],
          },
        ],
      },
    ]);
    const [approver] = project.signingPolicies[0].permissions;
    expect(approver.permission).toBe('Approver');
    const byId = new Map<string, Grant>(approver.grants.map((g: Grant) => [g.permissionId, g]));
    expect(byId.get(String(direct.id))).toEqual({ permissionId: direct.id, kind: 'direct' });
    expect(byId.get(String(viaOuter.id))?.groups?.map((g) => g.id)).toEqual([entra.id, outer.id]);
    expect(byId.get(String(viaMiddle.id))?.groups?.map((g) => g.id)).toEqual([entra.id, middle.id]);
    expect(approver.grants[0].kind).toBe('direct');
  });

  it('drops the permission as soon as Entra removes the user from the synchronized group', async () => {
    const [stays, leaves] = [await scimUser(), await scimUser()];
    const entra = await scimGroup([stays, leaves]);
    // Another synchronized group, without permissions, keeps `leaves` active (leave-all-groups rule).
    await scimGroup([leaves]);
    const manual = await manualGroup();
    await nest(manual.id, entra.id);
    const target = await projectWithPolicy();
    await grantOnPolicy(target, 'Submitter', { type: 'group', id: manual.id });
    expect((await effective(leaves)).projects).toHaveLength(1);

    const removed = await scim.patchOps(`/Groups/${entra.id}`, [
      { op: 'Remove', path: 'members', value: [{ value: leaves }] },
    ]);
    expect(removed.status).toBe(204);
    const after = await effective(leaves);
    expect(after.user.active).toBe(true);
    expect(after.projects).toEqual([]);
    expect((await effective(stays)).projects).toHaveLength(1);
    const members = ok(await admin.get(`/projects/${target.project}/members`));
    expect(members.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([stays]);

    // Added back by Entra: visible in the next answer again.
    await scim.patchOps(`/Groups/${entra.id}`, [{ op: 'Add', path: 'members', value: [{ value: leaves }] }]);
    expect((await effective(leaves)).projects).toHaveLength(1);
  });

  it('gives a deactivated user no permission at all, however granted', async () => {
    const manualUser = String(
      ok(await admin.post('/users', { userName: `leaver-${seq}@acme.test` }), 201).id,
    );
    const synchronized = await scimUser();
    const entra = await scimGroup([synchronized]);
    const manual = await manualGroup();
    ok(await admin.post(`/groups/${manual.id}/members`, { type: 'user', id: manualUser }), 201);
    await nest(manual.id, entra.id);
    const target = await projectWithPolicy();
    await grantOnPolicy(target, 'Submitter', { type: 'group', id: manual.id });
    await grantOnPolicy(target, 'Approver', { type: 'user', id: manualUser });
    await grantOnPolicy(target, 'Approver', { type: 'user', id: synchronized });
    expect((await effective(manualUser)).projects[0].signingPolicies[0].permissions).toHaveLength(2);
    expect(ok(await admin.get(`/projects/${target.project}/members`)).total).toBe(2);

    ok(await admin.post(`/users/${manualUser}/deactivate`));
    expect(await effective(manualUser)).toMatchObject({ user: { active: false }, projects: [] });
    // Entra deactivates the synchronized one (active=false).
    const deactivated = await scim.patchOps(`/Users/${synchronized}`, [
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
    expect(deactivated.status).toBe(200);
    expect(await effective(synchronized)).toMatchObject({ user: { active: false }, projects: [] });
    const members = ok(await admin.get(`/projects/${target.project}/members`));
    expect(members).toMatchObject({ total: 0, members: [] });

    ok(await admin.post(`/users/${manualUser}/reactivate`));
    expect((await effective(manualUser)).projects).toHaveLength(1);
  });

  it('resolves harmlessly even through a cycle written behind the API', async () => {
    const user = await scimUser();
    const entra = await scimGroup([user]);
    const [a, b] = [await manualGroup(), await manualGroup()];
    await nest(a.id, entra.id);
    await nest(b.id, a.id);
    // The API refuses b inside a; the resolution must not depend on that.
    await t.db.query(
      `INSERT INTO group_nested_groups (organization_id, parent_group_id, child_group_id) VALUES ($1, $2, $3)`,
      [org.organizationId, a.id, b.id],
    );
    const target = await projectWithPolicy();
    const grant = await grantOnPolicy(target, 'Submitter', { type: 'group', id: b.id });
    const held = (await effective(user)).projects[0].signingPolicies[0].permissions[0];
    expect(held.grants).toEqual([
      {
        permissionId: grant.id,
        kind: 'group',
        groups: [entra, a, b].map((g) => expect.objectContaining({ id: g.id })),
      },
    ]);
    expect(ok(await admin.get(`/projects/${target.project}/members`)).total).toBe(1);
  });

  it('answers for 10,000 users and groups nested 10 deep in one SQL statement', async () => {
    const organizationId = org.organizationId;
    // 10,000 synchronized users; 1,000 chains of 10 groups (level 1 inside level 2 ... inside level
    // 10); user i in the bottom group of chain i % 1000; the top group of every chain may submit.
    await t.db.query(
      `INSERT INTO users (organization_id, id, kind, user_name, is_directory_synchronized)
       SELECT $1, md5('bulk-user-' || i)::uuid, 'interactive', 'bulk-' || lpad(i::text, 5, '0') || '@acme.test', true
         FROM generate_series(0, 9999) AS i`,
      [organizationId],
    );
    await t.db.query(
      `INSERT INTO groups (organization_id, id, display_name, is_directory_synchronized)
       SELECT $1, md5('bulk-group-' || c || '-' || l)::uuid, 'Chain ' || c || ' level ' || l, l = 1
         FROM generate_series(0, 999) AS c, generate_series(1, 10) AS l`,
      [organizationId],
    );
    await t.db.query(
      `INSERT INTO group_nested_groups (organization_id, parent_group_id, child_group_id)
       SELECT $1, md5('bulk-group-' || c || '-' || (l + 1))::uuid, md5('bulk-group-' || c || '-' || l)::uuid
         FROM generate_series(0, 999) AS c, generate_series(1, 9) AS l`,
      [organizationId],
    );
    await t.db.query(
      `INSERT INTO group_members (organization_id, group_id, user_id)
       SELECT $1, md5('bulk-group-' || (i % 1000) || '-1')::uuid, md5('bulk-user-' || i)::uuid
         FROM generate_series(0, 9999) AS i`,
      [organizationId],
    );
    const target = await projectWithPolicy();
    await t.db.query(
      `INSERT INTO permissions (organization_id, project_id, signing_policy_id, permission, group_id)
       SELECT $1, $2, $3, 'Submitter', md5('bulk-group-' || c || '-10')::uuid FROM generate_series(0, 999) AS c`,
      [organizationId, target.project, target.policy],
    );
    await t.db.query('ANALYZE');

    const sql = t.app.get(SqlExecutor);
    const statements: { text: string; params: readonly unknown[] }[] = [];
    const original = sql.rows.bind(sql);
    sql.rows = async <T>(text: string, params: readonly unknown[] = []) => {
      statements.push({ text, params });
      return original<T>(text, params);
    };
    const user = '' + (await t.db.query<{ id: string }>(`SELECT md5('bulk-user-4242')::uuid AS id`))[0]!.id;
    let answer: Response['body'];
    let membersAnswer: Response['body'];
    let effectiveStatements: typeof statements;
    let membersStatements: typeof statements;
    const started = performance.now();
    let effectiveMs: number;
    let membersMs: number;
    try {
      answer = await effective(user);
      effectiveMs = performance.now() - started;
      // The token lookup (and its once-a-minute last-use write) is authentication, not the answer.
      effectiveStatements = statements.splice(0).filter((s) => !/\bapi_tokens\b/.test(s.text));
      const membersStarted = performance.now();
      membersAnswer = ok(await admin.get(`/projects/${target.project}/members?limit=50`));
      membersMs = performance.now() - membersStarted;
      membersStatements = statements.splice(0).filter((s) => !/\bapi_tokens\b/.test(s.text));
    } finally {
      sql.rows = original;
    }
    console.info(
      `effective-permissions on 10,000 users / 10,000 groups nested 10 deep: ${effectiveStatements.length} SQL statement(s), ${Math.round(effectiveMs)} ms; project members (10,000): ${membersStatements.length} statement(s), ${Math.round(membersMs)} ms`,
    );
    expect(effectiveStatements, 'SQL statements of one effective-permissions request').toHaveLength(1);
    expect(effectiveStatements[0]!.text).toContain('WITH RECURSIVE');
    expect(membersStatements, 'SQL statements of one project-members request').toHaveLength(1);

    const held = answer.projects[0].signingPolicies[0].permissions[0];
    expect(held.permission).toBe('Submitter');
    expect(held.grants).toHaveLength(1);
    expect(held.grants[0].groups.map((g: { displayName: string }) => g.displayName)).toEqual(
      Array.from({ length: 10 }, (_, level) => `Chain 242 level ${level + 1}`),
    );
    expect(membersAnswer.total).toBe(10_000);
    expect(membersAnswer.members).toHaveLength(50);
    expect(membersAnswer.members[0].user.userName).toBe('bulk-00000@acme.test');
    expect(membersAnswer.members[0].permissions[0].grants[0].groups).toHaveLength(10);

    // Indexed all the way through the 10,000-row tables for one user's answer (the 1,000 grants
    // are few enough that the planner may rightly read them whole).
    const plan = (
      await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${effectiveStatements[0]!.text}`, [
        ...effectiveStatements[0]!.params,
      ])
    )
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    expect(plan).not.toMatch(/Seq Scan on (users|groups|group_members|group_nested_groups)\b/);
  });
});
