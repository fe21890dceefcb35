import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingCommitted } from './support/db-snapshot.js';
import { requestTagger } from './support/request-ids.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import {
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  SIGNPATH_USER_SCHEMA,
  USER_SCHEMA,
  entraUserBody,
  patchRoleEntry,
  scimClient,
} from './support/scim-client.js';

describe('SCIM /Users as Entra provisions them', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let seq = 0;
  const unique = (overrides: Record<string, unknown> = {}) => {
    seq += 1;
    return entraUserBody({
      externalId: `acme:object-${seq}`,
      userName: `user${seq}@acme.test`,
      ...overrides,
    });
  };
  const create = async (overrides: Record<string, unknown> = {}) => {
    const response = await scim.post('/Users', unique(overrides));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers Test connection (a random GUID userName) with 200 and an empty list', async () => {
    const response = await scim.get('/Users?filter=userName+eq+%22cf4d78e8-3ba3-4e63-a31c-5d3e6b9a1f0e%22');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });

  it("creates a user from Entra's body: 201, Location, ETag, meta, derived displayName, synchronized", async () => {
    const response = await scim.post('/Users', unique());
    expect(response.status).toBe(201);
    const user = response.body;
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.schemas).toEqual([USER_SCHEMA, SIGNPATH_USER_SCHEMA]);
    expect(user).toMatchObject({
      userName: `user${seq}@acme.test`,
      displayName: `user${seq}@acme.test`,
      externalId: `acme:object-${seq}`,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      [SIGNPATH_USER_SCHEMA]: { isDirectorySynchronized: true },
      meta: { resourceType: 'User', version: 'W/"1"' },
    });
    expect(user.meta.location).toMatch(new RegExp(`/scim/${org.organizationId}/Users/${user.id}$`));
    expect(response.headers.location).toBe(user.meta.location);
    expect(response.headers.etag).toBe('W/"1"');
    expect(user.roles).toBeUndefined();
    const [row] = await t.db.query('SELECT global_role, is_directory_synchronized FROM users WHERE id = $1', [
      user.id,
    ]);
    expect(row).toEqual({ global_role: 'RegularUser', is_directory_synchronized: true });
  });

  it('finds users by externalId and by userName (case-insensitively), and by id', async () => {
    const user = await create();
    const byExternalId = await scim.get(
      `/Users?filter=${encodeURIComponent(`externalId eq "${user.externalId}"`)}`,
    );
    expect(byExternalId.body.totalResults).toBe(1);
    expect(byExternalId.body.Resources[0].id).toBe(user.id);
    const byUserName = await scim.get(
      `/Users?filter=${encodeURIComponent(`userName eq "${user.userName.toUpperCase()}"`)}`,
    );
    expect(byUserName.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    const externalIdIsCaseExact = await scim.get(
      `/Users?filter=${encodeURIComponent(`externalId eq "${user.externalId.toUpperCase()}"`)}`,
    );
    expect(externalIdIsCaseExact.body.totalResults).toBe(0);
    const byId = await scim.get(`/Users/${user.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(user);
  });

  it('links an existing SSO user found by externalId instead of duplicating it', async () => {
    const [manual] = await t.db.query<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, external_id, global_role)
       VALUES ($1, 'interactive', 'jane@acme.test', 'acme:jane-object-id', 'GlobalReader') RETURNING id`,
      [org.organizationId],
    );
    const found = await scim.get(
      `/Users?filter=${encodeURIComponent('externalId eq "acme:jane-object-id"')}`,
    );
    expect(found.body.Resources).toEqual([
      expect.objectContaining({
        id: manual!.id,
        userName: 'jane@acme.test',
        roles: [{ value: 'GlobalReader', display: 'SignPath Global Reader', primary: false }],
        [SIGNPATH_USER_SCHEMA]: { isDirectorySynchronized: false },
      }),
    ]);
    const byName = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "JANE@acme.test"')}`);
    expect(byName.body.Resources[0].id).toBe(manual!.id);

    const patched = await scim.patchOps(`/Users/${manual!.id}`, [
      { op: 'Add', path: 'roles', value: [patchRoleEntry('GlobalReader')] },
      { op: 'Replace', path: 'active', value: 'True' },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body[SIGNPATH_USER_SCHEMA]).toEqual({ isDirectorySynchronized: true });
    const count = await t.db.query(
      'SELECT count(*)::int AS n FROM users WHERE organization_id = $1 AND external_id = $2',
      [org.organizationId, 'acme:jane-object-id'],
    );
    expect(count).toEqual([{ n: 1 }]);
  });

  it('answers a POST that collides on userName or externalId with 409 uniqueness naming the attribute', async () => {
    const user = await create();
    const sameName = await scim.post('/Users', unique({ userName: user.userName.toUpperCase() }));
    expect(sameName.status).toBe(409);
    expect(sameName.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    expect(sameName.body.detail).toContain('userName');
    const sameExternalId = await scim.post('/Users', unique({ externalId: user.externalId }));
    expect(sameExternalId.status).toBe(409);
    expect(sameExternalId.body.detail).toContain('externalId');
  });

  it('gives exactly one 201 and one 409 for two simultaneous identical POSTs', async () => {
    const body = unique();
    const responses = await Promise.all([scim.post('/Users', body), scim.post('/Users', body)]);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    const rows = await t.db.query('SELECT id FROM users WHERE external_id = $1', [body.externalId]);
    expect(rows).toHaveLength(1);
  });

  it.each([
    ['PascalCase Replace with a string boolean', { op: 'Replace', path: 'active', value: 'False' }, false],
    ['lowercase replace with a boolean', { op: 'replace', path: 'active', value: false }, false],
  ])('disables with %s and enables again', async (_case, operation, expected) => {
    const user = await create();
    const disabled = await scim.patchOps(`/Users/${user.id}`, [operation]);
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(expected);
    const stillThere = await scim.get(
      `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`,
    );
    expect(stillThere.body.Resources[0].active).toBe(false);
    const enabled = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Replace', path: 'active', value: 'True' },
    ]);
    expect(enabled.body.active).toBe(true);
    const [row] = await t.db.query('SELECT active FROM users WHERE id = $1', [user.id]);
    expect(row).toEqual({ active: true });
  });

  it('applies every PATCH shape of the reference: value paths, name parts, no-path dotted keys, extensions', async () => {
    const user = await create({ emails: undefined });
    const response = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'created@acme.test' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen' },
      { op: 'Add', path: 'nickName', value: 'Babs' },
      { op: 'Add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Signing' },
      {
        op: 'replace',
        value: {
          displayName: 'Barbara Jensen',
          'name.givenName': 'Barbara',
          [`${ENTERPRISE_SCHEMA}:employeeNumber`]: '701984',
        },
      },
    ]);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      displayName: 'Barbara Jensen',
      nickName: 'Babs',
      emails: [{ type: 'work', value: 'created@acme.test' }],
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      [ENTERPRISE_SCHEMA]: { department: 'Signing', employeeNumber: '701984' },
      meta: { version: 'W/"2"' },
    });
    expect(response.body.schemas).toContain(ENTERPRISE_SCHEMA);
    const replaced = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@acme.test' },
    ]);
    expect(replaced.body.emails).toEqual([{ type: 'work', value: 'updated@acme.test' }]);
    expect((await scim.get(`/Users/${user.id}`)).body).toEqual(replaced.body);
  });

  it('sets, changes and removes the manager reference', async () => {
    const manager = await create();
    const user = await create();
    const set = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Add', path: 'manager', value: [{ $ref: `http://x/Users/${manager.id}`, value: manager.id }] },
    ]);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body[ENTERPRISE_SCHEMA].manager).toMatchObject({ value: manager.id });
    const probe = await scim.get(
      `/Users?filter=${encodeURIComponent(`id eq "${user.id}" and manager eq "${manager.id}"`)}&attributes=id`,
    );
    expect(probe.body.Resources).toEqual([
      { schemas: expect.any(Array), id: user.id, meta: expect.objectContaining({ resourceType: 'User' }) },
    ]);
    const removed = await scim.patchOps(`/Users/${user.id}`, [{ op: 'Replace', path: 'manager', value: [] }]);
    expect(removed.body[ENTERPRISE_SCHEMA]?.manager).toBeUndefined();
  });

  it('stores and returns unknown attributes and extension objects unchanged', async () => {
    const extension = 'urn:contoso:scim:schemas:extension:custom:1.0:User';
    const user = await create({
      [extension]: { costCenter: 'CC-7', badges: [1, 2] },
      preferredLanguage: 'de-AT',
    });
    expect(user[extension]).toEqual({ costCenter: 'CC-7', badges: [1, 2] });
    expect(user.preferredLanguage).toBe('de-AT');
    expect((await scim.get(`/Users/${user.id}`)).body[extension]).toEqual({
      costCenter: 'CC-7',
      badges: [1, 2],
    });
  });

  describe('roles', () => {
    it("accepts Entra's POST shapes: value and displayName or display, primary as string", async () => {
      const user = await create({
        roles: [
          {
            primary: 'False',
            type: 'WindowsAzureActiveDirectoryRole',
            displayName: 'SignPath Regular User',
            value: 'RegularUser',
          },
          {
            primary: false,
            type: 'WindowsAzureActiveDirectoryRole',
            display: 'SignPath Certificate Administrator',
            value: 'CertificateAdministrator',
          },
        ],
      });
      expect(user.roles.map((r: { value: string }) => r.value)).toEqual([
        'RegularUser',
        'CertificateAdministrator',
      ]);
      const [row] = await t.db.query('SELECT global_role FROM users WHERE id = $1', [user.id]);
      expect(row).toEqual({ global_role: 'CertificateAdministrator' });
    });

    it('sets the role set from an Add of JSON-string entries, so a change A to B needs no removal', async () => {
      const user = await create({ roles: [{ value: 'GlobalReader', displayName: 'GlobalReader' }] });
      const changed = await scim.patchOps(`/Users/${user.id}`, [
        {
          op: 'Add',
          path: 'roles',
          value: [patchRoleEntry('ProjectAdministrator'), patchRoleEntry('RegularUser')],
        },
      ]);
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body.roles.map((r: { value: string }) => r.value)).toEqual([
        'ProjectAdministrator',
        'RegularUser',
      ]);
      const [row] = await t.db.query('SELECT global_role FROM users WHERE id = $1', [user.id]);
      expect(row).toEqual({ global_role: 'ProjectAdministrator' });
      const removed = await scim.patchOps(`/Users/${user.id}`, [
        { op: 'Remove', path: 'roles[value eq "ProjectAdministrator"]' },
      ]);
      expect(removed.body.roles.map((r: { value: string }) => r.value)).toEqual(['RegularUser']);
      const replaced = await scim.patchOps(`/Users/${user.id}`, [
        {
          op: 'replace',
          path: 'roles',
          value: [{ value: 'UserAdministrator', display: 'SignPath User Administrator' }],
        },
      ]);
      expect(replaced.body.roles.map((r: { value: string }) => r.value)).toEqual(['UserAdministrator']);
    });

    it('accepts display names in place of values and rejects unknown roles listing the accepted ones', async () => {
      const user = await create({ roles: [{ value: 'SignPath Global Administrator' }] });
      expect(user.roles).toEqual([
        { value: 'GlobalAdministrator', display: 'SignPath Global Administrator', primary: false },
      ]);
      const bad = await scim.post('/Users', unique({ roles: [{ value: 'Admin', displayName: 'Admin' }] }));
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ scimType: 'invalidValue' });
      expect(bad.body.detail).toContain('GlobalAdministrator, CertificateAdministrator, UserAdministrator');
      const synchronizer = await scim.post('/Users', unique({ roles: [{ value: 'DirectorySynchronizer' }] }));
      expect(synchronizer.status).toBe(400);
      expect(synchronizer.body.detail).toMatch(/never be granted through SCIM/);
    });

    it('rejects a POST with two global roles, naming the user and the roles, and creates nothing', async () => {
      const body = unique({ roles: [{ value: 'GlobalAdministrator' }, { value: 'GlobalReader' }] });
      const response = await scim.post('/Users', body);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(response.body.detail).toContain(String(body.userName));
      expect(response.body.detail).toContain('GlobalAdministrator, GlobalReader');
      expect(await t.db.query('SELECT id FROM users WHERE external_id = $1', [body.externalId])).toEqual([]);
    });

    it('rejects a PATCH that would leave two global roles and changes nothing, other operations included', async () => {
      const user = await create({ roles: [{ value: 'GlobalReader' }] });
      const response = await scim.patchOps(`/Users/${user.id}`, [
        { op: 'Replace', path: 'displayName', value: 'Should not stick' },
        {
          op: 'Add',
          path: 'roles',
          value: [patchRoleEntry('GlobalReader'), patchRoleEntry('CertificateAdministrator')],
        },
      ]);
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain('GlobalReader, CertificateAdministrator');
      const after = await scim.get(`/Users/${user.id}`);
      expect(after.body).toEqual(user);
    });

    it('holds the one-global-role rule when two requests race', async () => {
      const user = await create();
      const responses = await Promise.all([
        scim.patchOps(`/Users/${user.id}`, [
          { op: 'Add', path: 'roles', value: [patchRoleEntry('GlobalAdministrator')] },
        ]),
        scim.patchOps(`/Users/${user.id}`, [
          { op: 'Add', path: 'roles', value: [patchRoleEntry('GlobalReader')] },
        ]),
      ]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      const [row] = await t.db.query<{ roles: string[]; global_role: string }>(
        'SELECT roles, global_role FROM users WHERE id = $1',
        [user.id],
      );
      expect(row!.roles).toHaveLength(1);
      expect(row!.global_role).toBe(row!.roles[0]);
    });
  });

  it('removes a user from SCIM on DELETE, keeps the record deactivated, and revives it on a later POST', async () => {
    const body = unique();
    const user = (await scim.post('/Users', body)).body;
    const deleted = await scim.delete(`/Users/${user.id}`);
    expect(deleted.status).toBe(204);
    expect((await scim.get(`/Users/${user.id}`)).status).toBe(404);
    const filtered = await scim.get(
      `/Users?filter=${encodeURIComponent(`externalId eq "${String(body.externalId)}"`)}`,
    );
    expect(filtered.body.totalResults).toBe(0);
    const [kept] = await t.db.query(
      'SELECT active, scim_deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1',
      [user.id],
    );
    expect(kept).toEqual({ active: false, deleted: true });

    const revived = await scim.post('/Users', body);
    expect(revived.status).toBe(201);
    expect(revived.body.id).toBe(user.id);
    expect(revived.body.active).toBe(true);
    expect(await t.db.query('SELECT id FROM users WHERE external_id = $1', [body.externalId])).toHaveLength(
      1,
    );
  });

  it.each(['not-a-uuid', '00000000-0000-4000-8000-000000000000', '48af03ac28ad4fb88478'])(
    'answers an unknown id %s with 404 in the SCIM envelope',
    async (id) => {
      for (const response of [
        await scim.get(`/Users/${id}`),
        await scim.patchOps(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: false }]),
        await scim.delete(`/Users/${id}`),
      ]) {
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
      }
    },
  );

  it('answers bad input with SCIM 400s', async () => {
    expect((await scim.get('/Users?filter=userName+eq')).body).toMatchObject({
      status: '400',
      scimType: 'invalidFilter',
    });
    expect((await scim.get('/Users?filter=password+eq+%22x%22')).body.scimType).toBe('invalidFilter');
    expect((await scim.post('/Users', { schemas: [USER_SCHEMA] })).status).toBe(400);
    const user = await create();
    const badPath = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Replace', path: 'emails[type eq', value: 'x' },
    ]);
    expect(badPath.body.scimType).toBe('invalidPath');
    const badValue = await scim.patchOps(`/Users/${user.id}`, [
      { op: 'Replace', path: 'active', value: 'maybe' },
    ]);
    expect(badValue.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(badValue.body.detail).toContain('active');
    const readOnly = await scim.patchOps(`/Users/${user.id}`, [{ op: 'Replace', path: 'id', value: 'x' }]);
    expect(readOnly.body.scimType).toBe('mutability');
  });

  it('pages with startIndex and count and projects attributes', async () => {
    for (let i = 0; i < 6; i += 1) await create({ displayName: `Pager ${i}` });
    const filter = encodeURIComponent('displayName sw "Pager "');
    const first = await scim.get(`/Users?filter=${filter}&startIndex=1&count=5&sortBy=displayName`);
    const second = await scim.get(`/Users?filter=${filter}&startIndex=6&count=5&sortBy=displayName`);
    expect(first.body).toMatchObject({ totalResults: 6, itemsPerPage: 5, startIndex: 1 });
    expect(second.body).toMatchObject({ totalResults: 6, itemsPerPage: 1, startIndex: 6 });
    expect(
      [...first.body.Resources, ...second.body.Resources].map((u: { displayName: string }) => u.displayName),
    ).toEqual(['Pager 0', 'Pager 1', 'Pager 2', 'Pager 3', 'Pager 4', 'Pager 5']);
    const projected = await scim.get(`/Users?filter=${filter}&count=1&attributes=userName`);
    expect(Object.keys(projected.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
    const counted = await scim.get(`/Users?filter=${filter}&count=0`);
    expect(counted.body).toMatchObject({ totalResults: 6, itemsPerPage: 0, Resources: [] });
    const searched = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'displayName sw "Pager "',
      count: 2,
    });
    expect(searched.status).toBe(200);
    expect(searched.body).toMatchObject({ totalResults: 6, itemsPerPage: 2 });
  });

  it('honours If-None-Match (304) and If-Match (412)', async () => {
    const user = await create();
    const notModified = await scim.get(`/Users/${user.id}`).set('If-None-Match', 'W/"1"');
    expect(notModified.status).toBe(304);
    const stale = await scim
      .patchOps(`/Users/${user.id}`, [{ op: 'Replace', path: 'displayName', value: 'x' }])
      .set('If-Match', 'W/"7"');
    expect(stale.status).toBe(412);
    const fresh = await scim
      .patchOps(`/Users/${user.id}`, [{ op: 'Replace', path: 'displayName', value: 'x' }])
      .set('If-Match', 'W/"1"');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe('W/"2"');
  });

  it('never shows CI users (the synchronizer itself) to SCIM', async () => {
    const all = await scim.get('/Users?count=1000');
    expect(all.body.Resources.map((u: { id: string }) => u.id)).not.toContain(org.userId);
    expect((await scim.get(`/Users/${org.userId}`)).status).toBe(404);
  });

  it('replays a user through link, rename, role change A to B, disable, enable, delete and revival', async () => {
    const [sso] = await t.db.query<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, external_id, global_role)
       VALUES ($1, 'interactive', 'Replay Person', 'acme:replay-object', 'RegularUser') RETURNING id`,
      [org.organizationId],
    );
    const id = sso!.id;
    const q = (filter: string) => scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
    // Entra: Test connection, then matching by externalId finds the SSO user: link, no POST.
    expect((await q('userName eq "1b0c1f7e-3a52-4c1d-9a7e-5f3c2d1e0b9a"')).body.totalResults).toBe(0);
    expect((await q('externalId eq "acme:replay-object"')).body.Resources[0].id).toBe(id);
    const linked = await scim.patchOps(`/Users/${id}`, [
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'replay@acme.test' },
      { op: 'Add', path: 'roles', value: [patchRoleEntry('GlobalReader')] },
    ]);
    expect(linked.body[SIGNPATH_USER_SCHEMA]).toEqual({ isDirectorySynchronized: true });
    const renamed = await scim.patchOps(`/Users/${id}`, [
      { op: 'Replace', path: 'userName', value: 'Replay Renamed' },
    ]);
    expect(renamed.body.userName).toBe('Replay Renamed');
    const switched = await scim.patchOps(`/Users/${id}`, [
      { op: 'Add', path: 'roles', value: [patchRoleEntry('CertificateAdministrator')] },
    ]);
    expect(switched.body.roles.map((r: { value: string }) => r.value)).toEqual(['CertificateAdministrator']);
    expect(
      (await scim.patchOps(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }])).body.active,
    ).toBe(false);
    expect(
      (await scim.patchOps(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }])).body.active,
    ).toBe(true);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await q('externalId eq "acme:replay-object"')).body.totalResults).toBe(0);
    const revived = await scim.post(
      '/Users',
      entraUserBody({
        externalId: 'acme:replay-object',
        userName: 'Replay Renamed',
        roles: [
          { primary: false, displayName: 'CertificateAdministrator', value: 'CertificateAdministrator' },
        ],
      }),
    );
    expect(revived.status).toBe(201);
    expect(revived.body.id).toBe(id);
    const rows = await t.db.query(
      `SELECT user_name, global_role, active, is_directory_synchronized, scim_deleted_at
         FROM users WHERE organization_id = $1 AND external_id = 'acme:replay-object'`,
      [org.organizationId],
    );
    expect(rows).toEqual([
      {
        user_name: 'Replay Renamed',
        global_role: 'CertificateAdministrator',
        active: true,
        is_directory_synchronized: true,
        scim_deleted_at: null,
      },
    ]);
  });

  describe('dry-run', () => {
    it('answers every write exactly as the real call would, and commits nothing', async () => {
      const dry = scimClient(t, org.organizationId, org.token, true);
      const existing = await create();
      const body = unique();
      // Every table but the audit byte-identical, and exactly one audit row per dry-run request.
      await expectNothingCommitted(t, async () => {
        const tag = requestTagger();
        const created = await tag(dry.post('/Users', body));
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ userName: body.userName, meta: { version: 'W/"1"' } });
        expect(created.body.meta.location).toContain(`/scim/${org.organizationId}/dry-run/Users/`);
        const patched = await tag(
          dry.patchOps(`/Users/${existing.id}`, [{ op: 'Replace', path: 'active', value: 'False' }]),
        );
        expect(patched.status).toBe(200);
        expect(patched.body.active).toBe(false);
        const replaced = await tag(dry.put(`/Users/${existing.id}`, unique({ userName: 'put@acme.test' })));
        expect(replaced.status).toBe(200);
        const conflict = await tag(dry.post('/Users', unique({ userName: existing.userName })));
        expect(conflict.status).toBe(409);
        const twoRoles = await tag(
          dry.patchOps(`/Users/${existing.id}`, [
            {
              op: 'Add',
              path: 'roles',
              value: [patchRoleEntry('GlobalReader'), patchRoleEntry('GlobalAdministrator')],
            },
          ]),
        );
        expect(twoRoles.status).toBe(400);
        expect((await tag(dry.delete(`/Users/${existing.id}`))).status).toBe(204);
        expect((await tag(dry.get(`/Users/${existing.id}`))).body.active).toBe(true);
        return tag.ids;
      });
    });
  });
});
