import { randomUUID } from 'node:crypto';

/** Request shapes exactly as Microsoft Entra ID provisioning sends them (shared/reference/entra-client.md). */

export const SCIM_JSON = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ADSCIM_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** `filter=<attribute> eq "<value>"` as Entra encodes it: spaces as `+`, quotes as %22. */
export function eqFilter(attribute: string, value: string): string {
  return `filter=${attribute}+eq+%22${encodeURIComponent(value)}%22`;
}

/** Entra's create body (§3.2) with the SignPath mapping: externalId `<sso>:<objectId>`, userName from displayName. */
export function createUserBody(userName: string, externalId: string): string {
  return JSON.stringify({
    schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName.replace(/\s+/g, '.')}@contoso.example` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });
}

/** Disable (`"False"`, a string, as the default client sends it) or enable (§3.3 P3). */
export function activeBody(active: boolean): string {
  return JSON.stringify({
    schemas: [PATCH_SCHEMA],
    Operations: [{ op: 'Replace', path: 'active', value: active ? 'True' : 'False' }],
  });
}

/** §4 G1: created empty, filled by PATCH. */
export function createGroupBody(displayName: string): string {
  return JSON.stringify({
    schemas: [GROUP_SCHEMA, ADSCIM_GROUP_SCHEMA],
    externalId: randomUUID(),
    displayName,
    meta: { resourceType: 'Group' },
  });
}

/** §4 G5 / G6: `Add` or the default client's `Remove` of `members` with a value array. */
export function membersBody(op: 'Add' | 'Remove', userIds: readonly string[]): string {
  return JSON.stringify({
    schemas: [PATCH_SCHEMA],
    Operations: [{ op, path: 'members', value: userIds.map((value) => ({ value })) }],
  });
}

export function externalIdOf(ssoIdentifier: string): string {
  return `${ssoIdentifier}:${randomUUID()}`;
}
