import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startManagementFixture, type Client, type ManagementFixture } from './support/management.js';
import type { TestApp } from './support/test-app.js';

describe('management API: error format and OpenAPI description', () => {
  let f: ManagementFixture;
  let t: TestApp;
  let org: ManagementFixture['org'];
  let admin: Client;
  let scim: ManagementFixture['scim'];

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ t, org, admin, scim } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('errors are RFC 9457 problem details; SCIM keeps its envelope', () => {
    const PROBLEM = 'application/problem+json; charset=utf-8';

    it('answers a validation error with every member, field included', async () => {
      const response = await admin.post('/users', { userName: 'a', kind: 'robot' });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body).toEqual({
        type: 'https://scim-connector.dev/problems/validation-failed',
        title: 'Validation failed',
        status: 400,
        detail: expect.stringContaining('kind'),
        code: 'VALIDATION_FAILED',
        field: 'kind',
        requestId: response.headers['x-request-id'],
      });
    });

    it('answers an unknown id with 404 and every member', async () => {
      const id = randomUUID();
      const response = await admin.get(`/users/${id}`);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body).toEqual({
        type: 'https://scim-connector.dev/problems/user-not-found',
        title: 'User not found',
        status: 404,
        detail: `User ${id} does not exist in this organization.`,
        code: 'USER_NOT_FOUND',
        requestId: response.headers['x-request-id'],
      });
    });

    it('answers an unknown /api route and bodies Fastify refuses in the same shape', async () => {
      const unknown = await t.http().get('/api/v1/nothing-here').set('Authorization', `Bearer ${org.token}`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toBe(PROBLEM);
      expect(unknown.body).toEqual({
        type: 'https://scim-connector.dev/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: expect.stringContaining('/api/v1/nothing-here'),
        code: 'NOT_FOUND',
        requestId: unknown.headers['x-request-id'],
      });
      const notJson = await admin.post('/users').set('Content-Type', 'application/json').send('{"userName":');
      expect(notJson.status).toBe(400);
      expect(notJson.headers['content-type']).toBe(PROBLEM);
      expect(notJson.body).toEqual({
        type: 'https://scim-connector.dev/problems/bad-request',
        title: 'Bad request',
        status: 400,
        detail: expect.stringMatching(/^The request body is not valid JSON/),
        code: 'BAD_REQUEST',
        requestId: notJson.headers['x-request-id'],
      });
      const xml = await admin.post('/users').set('Content-Type', 'application/xml').send('<userName/>');
      expect(xml.status).toBe(415);
      expect(xml.headers['content-type']).toBe(PROBLEM);
      expect(xml.body).toMatchObject({
        type: 'https://scim-connector.dev/problems/unsupported-media-type',
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    });

    it('leaves SCIM errors as they were: application/scim+json and the RFC 7644 envelope', async () => {
      const missing = await scim.get(`/Users/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(missing.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '404',
        detail: expect.any(String),
      });
      const filter = await scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`);
      expect(filter.status).toBe(400);
      expect(filter.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(filter.text).toMatch(
        /^\{"schemas":\["urn:ietf:params:scim:api:messages:2\.0:Error"\],"status":"400","scimType":"invalidFilter","detail":"[^"]+"\}$/,
      );
    });

    it('documents every error response of the JSON APIs with the one ProblemDetails schema', async () => {
      const document = ok(await t.http().get('/api/docs-json'));
      expect(document.components.schemas.ProblemDetails).toMatchObject({
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string', format: 'uri' },
          status: { type: 'integer' },
          field: { type: 'string' },
          requestId: { type: 'string' },
        },
      });
      const errors: string[] = [];
      for (const [path, item] of Object.entries(document.paths as Record<string, object>)) {
        for (const [method, operation] of Object.entries(item as Record<string, { responses?: object }>)) {
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            if (Number(status) < 400) continue;
            errors.push(`${method} ${path} ${status}`);
            expect((response as { content?: unknown }).content, `${method} ${path} ${status}`).toEqual({
              'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
            });
          }
        }
      }
      expect(errors).toEqual(
        expect.arrayContaining([
          'get /api/v1/organizations/{organizationId}/users/{id} 404',
          'post /api/v1/organizations/{organizationId}/users 400',
          'get /api/v1/organizations/{organizationId}/users 401',
          'get /api/v1/audit/events/{id} 404',
          'get /api/v1/audit/events 400',
          'get /api/v1/audit/events 403',
        ]),
      );
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
    expect(document.components.schemas.ProblemDetails.properties.code.enum).toContain(
      'MANAGED_BY_DIRECTORY_SYNC',
    );
    expect(document.paths['/api/v1/organizations/{organizationId}/users'].post.requestBody).toBeDefined();
    expect((await t.http().get('/api/docs')).status).toBe(200);
  });
});
