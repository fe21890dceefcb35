import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  SIGNPATH_USER_SCHEMA,
  entraUserBody,
  scimClient,
} from './support/scim-client.js';
import { settleAudit } from './support/db-snapshot.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/** RFC 7643/7644 details that conformance checkers and Microsoft's Postman collection exercise. */
describe('SCIM conformance details', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
  });
  afterAll(async () => {
    await t.close();
  });

  it('treats percent-encoded letters in a path as the letters: audited, limited and logged as the route they reach', async () => {
    const requestId = `encoded-${Date.now()}`;
    const encoded = await t
      .http()
      .post(`/%73cim/${org.organizationId}/%55sers`)
      .set('Authorization', `Bearer ${org.token}`)
      .set('Content-Type', 'application/scim+json')
      .set('X-Request-Id', requestId)
      .send(JSON.stringify(entraUserBody({ userName: 'encoded@acme.test', externalId: 'acme:encoded' })));
    expect(encoded.status).toBe(201);
    expect(encoded.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    await settleAudit(t);
    const rows = await t.db.query<{ path: string; operation: string; status: number }>(
      'SELECT path, operation, status FROM sync_audit_events WHERE request_id = $1',
      [requestId],
    );
    expect(rows).toEqual([{ path: `/scim/${org.organizationId}/Users`, operation: 'create', status: 201 }]);
  });

  it('treats a trailing slash as no slash (Microsoft sends GET /Users/?filter=)', async () => {
    const created = await scim.post(
      '/Users',
      entraUserBody({ externalId: 'acme:slash', userName: 'slash@acme.test' }),
    );
    expect(created.status).toBe(201);
    const filtered = await scim.get(`/Users/?filter=${encodeURIComponent('userName eq "slash@acme.test"')}`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.Resources.map((user: { id: string }) => user.id)).toEqual([created.body.id]);
    for (const path of ['/Users/', '/Groups/', '/ServiceProviderConfig/', `/Users/${created.body.id}/`]) {
      expect((await scim.get(path)).status, path).toBe(200);
    }
  });

  it('publishes isDirectorySynchronized as readOnly and the role values as canonicalValues, and still takes Entra writing the constant', async () => {
    const schemas = await scim.get('/Schemas');
    expect(schemas.status).toBe(200);
    type Attribute = {
      name: string;
      mutability: string;
      canonicalValues?: string[];
      subAttributes?: Attribute[];
    };
    const schema = (id: string) =>
      (schemas.body.Resources as { id: string; attributes: Attribute[] }[]).find((item) => item.id === id)!;
    const synchronized = schema(SIGNPATH_USER_SCHEMA).attributes.find(
      (a) => a.name === 'isDirectorySynchronized',
    )!;
    expect(synchronized.mutability).toBe('readOnly');
    const roles = schema('urn:ietf:params:scim:schemas:core:2.0:User').attributes.find(
      (a) => a.name === 'roles',
    )!;
    expect(roles.subAttributes!.find((a) => a.name === 'value')!.canonicalValues).toEqual([
      'GlobalAdministrator',
      'CertificateAdministrator',
      'UserAdministrator',
      'ProjectAdministrator',
      'GlobalReader',
      'RegularUser',
    ]);
    // The SignPath mapping sends the constant "true" on create and update: accepted, and ignored.
    const user = await scim.post(
      '/Users',
      entraUserBody({
        externalId: 'acme:constant',
        userName: 'constant@acme.test',
        [SIGNPATH_USER_SCHEMA]: { isDirectorySynchronized: 'false' },
      }),
    );
    expect(user.status).toBe(201);
    expect(user.body[SIGNPATH_USER_SCHEMA]).toEqual({ isDirectorySynchronized: true });
    const patched = await scim.patchOps(`/Users/${user.body.id}`, [
      { op: 'Replace', path: `${SIGNPATH_USER_SCHEMA}:isDirectorySynchronized`, value: 'False' },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body[SIGNPATH_USER_SCHEMA]).toEqual({ isDirectorySynchronized: true });
  });

  it('removes a whole extension when its URN is the path of a remove', async () => {
    const user = await scim.post(
      '/Users',
      entraUserBody({
        externalId: 'acme:enterprise',
        userName: 'enterprise@acme.test',
        [ENTERPRISE_SCHEMA]: { department: 'R&D', employeeNumber: '42' },
      }),
    );
    expect(user.status).toBe(201);
    expect(user.body.schemas).toContain(ENTERPRISE_SCHEMA);
    const removed = await scim.patchOps(`/Users/${user.body.id}`, [
      { op: 'remove', path: ENTERPRISE_SCHEMA },
    ]);
    expect(removed.status).toBe(200);
    expect(removed.body[ENTERPRISE_SCHEMA]).toBeUndefined();
    expect(removed.body.schemas).not.toContain(ENTERPRISE_SCHEMA);
    const read = await scim.get(`/Users/${user.body.id}`);
    expect(read.body[ENTERPRISE_SCHEMA]).toBeUndefined();
  });

  it('answers a search at the service root with 501 in the SCIM envelope', async () => {
    const search = await scim.post('/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "a"',
    });
    expect(search.status).toBe(501);
    expect(search.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(search.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '501' });
    expect(search.body.detail).toMatch(/POST \/Users\/\.search/);
  });

  it('answers a URL beyond the header limit with 431 in the SCIM envelope under /scim, as problem details elsewhere', async () => {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = (path: string) =>
      new Promise<{ status: number; type: string; body: Record<string, unknown> }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () =>
            resolve({
              status: response.statusCode!,
              type: String(response.headers['content-type']),
              body: JSON.parse(text) as Record<string, unknown>,
            }),
          );
        });
        request.on('error', reject);
        request.end();
      });
    const long = 'x'.repeat(20_000);
    const scimAnswer = await send(`/scim/${org.organizationId}/Users?filter=${long}`);
    expect(scimAnswer.status).toBe(431);
    expect(scimAnswer.type).toBe('application/scim+json; charset=utf-8');
    expect(scimAnswer.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '431' });
    const other = await send(`/api/v1/organizations?name=${long}`);
    expect(other.status).toBe(431);
    expect(other.type).toBe('application/problem+json; charset=utf-8');
    expect(other.body).toMatchObject({ status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
