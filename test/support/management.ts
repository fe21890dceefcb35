import type { Response } from 'supertest';
import { expect } from 'vitest';
import { entraUserBody, scimClient } from './scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './test-app.js';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A caller of one organization's management API with one token (or none). */
export function managementClient(t: TestApp, organizationId: string, token?: string) {
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
export type Client = ReturnType<typeof managementClient>;

/** The body (supertest's untyped JSON), once the status is the one expected. */
export function ok(response: Response, status = 200): Response['body'] {
  expect(
    response.status,
    `${response.request.method} ${response.request.url}: ${JSON.stringify(response.body)}`,
  ).toBe(status);
  return response.body;
}

export const ROLES = [
  'GlobalAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
  'CertificateAdministrator',
  'RegularUser',
  'DirectorySynchronizer',
] as const;
export type Role = (typeof ROLES)[number];

export const DIRECTORY_READERS: Role[] = [
  'GlobalAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
];
export const DIRECTORY_WRITERS: Role[] = ['GlobalAdministrator', 'UserAdministrator'];
export const PROJECT_READERS: Role[] = ['GlobalAdministrator', 'ProjectAdministrator', 'GlobalReader'];
export const PROJECT_WRITERS: Role[] = ['GlobalAdministrator', 'ProjectAdministrator'];
export const TOKEN_READERS: Role[] = ['GlobalAdministrator', 'UserAdministrator', 'GlobalReader'];
export const EVERYONE_BUT_SYNCHRONIZER: Role[] = ROLES.filter((role) => role !== 'DirectorySynchronizer');

type Organization = Awaited<ReturnType<typeof seedOrganization>>;
type Body = Response['body'];

/**
 * One app and database for a management test file: an organization with a caller of every global
 * role (the GlobalAdministrator is `admin`), a second organization, Entra's SCIM client, and
 * makers of fresh, uniquely named resources.
 */
export interface ManagementFixture {
  t: TestApp;
  org: Organization;
  other: Organization;
  admin: Client;
  scim: ReturnType<typeof scimClient>;
  callers: Record<Role, { client: Client; userId: string; token: string }>;
  /** A number no earlier call returned, for unique names. */
  next(): number;
  createUser(body?: object): Promise<Body>;
  createGroup(): Promise<Body>;
  createProject(): Promise<Body>;
  createPolicy(projectId: string): Promise<Body>;
  /** A user provisioned by Entra (SCIM), by id. */
  scimUser(): Promise<string>;
  /** A group provisioned by Entra with these members, by id. */
  scimGroup(members: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startManagementFixture(): Promise<ManagementFixture> {
  const t = await startTestApp();
  const org = await seedOrganization(t.db.url, 'GlobalAdministrator');
  const other = await seedOrganization(t.db.url, 'GlobalAdministrator');
  const admin = managementClient(t, org.organizationId, org.token);
  const callers = {} as ManagementFixture['callers'];
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
  const scim = scimClient(t, org.organizationId, callers.DirectorySynchronizer.token);
  let seq = 0;
  const next = () => (seq += 1);
  return {
    t,
    org,
    other,
    admin,
    scim,
    callers,
    next,
    createUser: async (body: object = {}) =>
      ok(await admin.post('/users', { userName: `manual-${next()}@acme.test`, ...body }), 201),
    createGroup: async () => ok(await admin.post('/groups', { displayName: `Manual group ${next()}` }), 201),
    createProject: async () => ok(await admin.post('/projects', { name: `Project ${next()}` }), 201),
    createPolicy: async (projectId: string) =>
      ok(await admin.post(`/projects/${projectId}/signing-policies`, { name: `Policy ${next()}` }), 201),
    scimUser: async () => {
      const n = next();
      const response = await scim.post(
        '/Users',
        entraUserBody({ externalId: `acme:m-${n}`, userName: `sync-${n}@acme.test` }),
      );
      expect(response.status).toBe(201);
      return String(response.body.id);
    },
    scimGroup: async (members: string[]) => {
      const response = await scim.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: `Entra group ${next()}`,
        members: members.map((value) => ({ value })),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return String(response.body.id);
    },
    close: () => t.close(),
  };
}
