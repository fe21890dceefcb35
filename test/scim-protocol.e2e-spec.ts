import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlExecutor } from '#persistence';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import { ERROR_SCHEMA, entraUserBody, scimClient } from './support/scim-client.js';

const FILTER_TOKENS = [
  'userName',
  'externalId',
  'displayName',
  'emails',
  'members',
  'name.givenName',
  'meta.created',
  'active',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
  'pr',
  'and',
  'or',
  'not',
  '(',
  ')',
  '[',
  ']',
  '"x"',
  '"',
  'true',
  'null',
  '42',
  '2011-05-13T04:42:34Z',
  '.',
  ' ',
  '\\',
  '%',
  "'",
];

describe('the SCIM protocol layer over HTTP', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let userId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
    userId = String((await scim.post('/Users', entraUserBody())).body.id);
    groupId = String((await scim.post('/Groups', { displayName: 'Fuzzed' })).body.id);
  });
  afterAll(async () => {
    await t.close();
  });

  const expectScim4xx = (
    response: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
    input: unknown,
  ) => {
    expect(response.status, JSON.stringify(input)).toBeGreaterThanOrEqual(200);
    expect(response.status, JSON.stringify(input)).toBeLessThan(500);
    if (response.status >= 400) {
      expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(response.body, JSON.stringify(input)).toMatchObject({
        schemas: [ERROR_SCHEMA],
        status: String(response.status),
      });
    }
  };

  it('answers a few hundred generated filters with a list or a SCIM 400, never a 5xx', async () => {
    const filters = fc.sample(
      fc.oneof(
        fc
          .array(fc.constantFrom(...FILTER_TOKENS), { minLength: 1, maxLength: 12 })
          .map((parts) => parts.join(' ')),
        fc.string({ maxLength: 60 }),
      ),
      { numRuns: 200, seed: 20261129 },
    );
    for (const filter of filters) {
      for (const resource of ['Users', 'Groups']) {
        const response = await scim.get(`/${resource}?filter=${encodeURIComponent(filter)}`);
        expectScim4xx(response, filter);
        if (response.status === 400) expect(response.body.scimType, filter).toBe('invalidFilter');
      }
    }
  });

  it('answers a few hundred generated PATCH bodies with success or a SCIM 4xx, never a 5xx', async () => {
    const op = fc.record(
      {
        op: fc.constantFrom('Add', 'add', 'Replace', 'remove', 'Remove', 'bogus'),
        path: fc.constantFrom(
          'active',
          'displayName',
          'emails[type eq "work"].value',
          'members',
          'roles',
          'name.givenName',
          'meta.created',
          'id',
          'emails[type',
          'x.y.z',
        ),
        value: fc.oneof(
          fc.constant('False'),
          fc.string({ maxLength: 10 }),
          fc.integer(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.record({ value: fc.string({ maxLength: 8 }) }), { maxLength: 3 }),
        ),
      },
      { requiredKeys: ['op'] },
    );
    const bodies = fc.sample(
      fc.oneof(
        fc.record({
          schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
          Operations: fc.array(op, { maxLength: 3 }),
        }),
        fc.jsonValue({ maxDepth: 3 }),
      ),
      { numRuns: 150, seed: 1129 },
    );
    for (const body of bodies) {
      expectScim4xx(await scim.patch(`/Users/${userId}`, body), body);
      expectScim4xx(await scim.patch(`/Groups/${groupId}`, body), body);
    }
  });

  it('answers malformed JSON with invalidSyntax and unknown query parameters are ignored', async () => {
    const malformed = await t
      .http()
      .post(`${scim.base}/Users`)
      .set('Authorization', `Bearer ${org.token}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"userName": "x",');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
    const withFlag = await scim.get(
      `/Users?aadOptscim062020=true&filter=${encodeURIComponent('userName eq "nobody"')}`,
    );
    expect(withFlag.status).toBe(200);
  });

  describe('discovery', () => {
    it('serves ServiceProviderConfig, ResourceTypes and Schemas from the one schema definition', async () => {
      const config = await scim.get('/ServiceProviderConfig');
      expect(config.body).toMatchObject({
        patch: { supported: true },
        filter: { supported: true, maxResults: 1000 },
        etag: { supported: true },
      });
      const types = await scim.get('/ResourceTypes');
      expect(types.body.Resources.map((r: { endpoint: string }) => r.endpoint)).toEqual([
        '/Users',
        '/Groups',
      ]);
      expect((await scim.get('/ResourceTypes/User')).body.schema).toBe(
        'urn:ietf:params:scim:schemas:core:2.0:User',
      );
      const schemas = await scim.get('/Schemas');
      const ids = schemas.body.Resources.map((s: { id: string }) => s.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          'urn:ietf:params:scim:schemas:core:2.0:User',
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          'urn:ietf:params:scim:schemas:extension:signpath:2.0:User',
          'urn:ietf:params:scim:schemas:extension:signpath:2.0:Group',
        ]),
      );
      const group = await scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group');
      expect(group.body.attributes.map((a: { name: string }) => a.name)).toContain('members');
      expect(group.body.meta.location).toBe(
        `http://scim.test${scim.base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`,
      );
      expect((await scim.get('/Schemas/urn:nope')).status).toBe(404);
      expect(JSON.stringify(schemas.body)).not.toContain('null');
    });

    it('serves the Entra mapping schema publicly, with the SSO identifier filled in when given', async () => {
      const generic = await t.http().get('/entra/mapping-schema.json');
      expect(generic.status).toBe(200);
      expect(JSON.stringify(generic.body)).toContain('Append(\\"<sso-identifier>:\\", [objectId])');
      const filled = await t.http().get('/entra/mapping-schema.json?ssoIdentifier=acme');
      expect(JSON.stringify(filled.body)).toContain('Append(\\"acme:\\", [objectId])');
      expect((await t.http().get('/entra/mapping-schema.json?ssoIdentifier=a%22b')).status).toBe(400);
    });
  });

  it('runs single-user requests as indexed queries on 100,000 users (no sequential scan)', async () => {
    await t.db.query(
      `INSERT INTO users (organization_id, kind, user_name, external_id, is_directory_synchronized)
       SELECT $1, 'interactive', 'load-' || g || '@acme.test', 'acme:load-' || g, true FROM generate_series(1, 100000) AS g`,
      [org.organizationId],
    );
    await t.db.query('ANALYZE users');
    const sql = t.app.get(SqlExecutor);
    const captured: { text: string; params: readonly unknown[] }[] = [];
    const original = sql.rows.bind(sql);
    sql.rows = async <T>(text: string, params: readonly unknown[] = []) => {
      captured.push({ text, params });
      return original<T>(text, params);
    };
    try {
      const id = String(
        (await scim.get(`/Users?filter=${encodeURIComponent('userName eq "load-777@acme.test"')}`)).body
          .Resources[0].id,
      );
      await scim.get(`/Users?filter=${encodeURIComponent('externalId eq "acme:load-4242"')}`);
      await scim.get(`/Users/${id}`);
      await scim.patchOps(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
      await scim.post('/Users', entraUserBody({ externalId: 'acme:new-one', userName: 'new-one@acme.test' }));
      await scim.patchOps(`/Groups/${groupId}`, [{ op: 'Add', path: 'members', value: [{ value: id }] }]);
    } finally {
      sql.rows = original;
    }
    const userStatements = captured.filter((statement) => /\busers\b/.test(statement.text));
    expect(userStatements.length).toBeGreaterThan(5);
    for (const statement of userStatements) {
      const plan = (
        await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, [...statement.params])
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan, `${statement.text}\n${plan}`).not.toMatch(/Seq Scan on users/);
    }
  });
});
