import type { TestApp } from './test-app.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SIGNPATH_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A SCIM caller bound to one organization's Tenant URL (or its dry-run twin), as Entra calls it. */
export function scimClient(t: TestApp, organizationId: string, token: string, dryRun = false) {
  const base = `/scim/${organizationId}${dryRun ? '/dry-run' : ''}`;
  const auth = { Authorization: `Bearer ${token}` };
  const json = (request: ReturnType<ReturnType<TestApp['http']>['post']>, body: unknown) =>
    request.set(auth).set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
  return {
    base,
    get: (path: string) => t.http().get(`${base}${path}`).set(auth),
    post: (path: string, body: unknown) => json(t.http().post(`${base}${path}`), body),
    put: (path: string, body: unknown) => json(t.http().put(`${base}${path}`), body),
    patch: (path: string, body: unknown) => json(t.http().patch(`${base}${path}`), body),
    patchOps: (path: string, operations: unknown[]) =>
      json(t.http().patch(`${base}${path}`), { schemas: [PATCH_SCHEMA], Operations: operations }),
    delete: (path: string) => t.http().delete(`${base}${path}`).set(auth),
  };
}

/** Entra's create body (reference §3.2), with the SignPath mapping's externalId and roles. */
export function entraUserBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    externalId: 'acme:0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    ...overrides,
  };
}

/** The role entry Entra's AppRoleAssignmentsComplex puts in a PATCH: a JSON string in `value`. */
export function patchRoleEntry(value: string): { value: string } {
  return { value: JSON.stringify({ id: '06b07648-ecfe-589f-9d2f-6f8f0b1a2c3d', value, displayName: value }) };
}
