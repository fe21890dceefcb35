/**
 * Global roles of the code-signing service. The first six are the Entra app role values customers
 * define (setup guide, step 2); DirectorySynchronizer is the role of the CI user whose token Entra
 * uses and can never be provisioned through SCIM.
 */
export const PROVISIONABLE_GLOBAL_ROLES = [
  'GlobalAdministrator',
  'CertificateAdministrator',
  'UserAdministrator',
  'ProjectAdministrator',
  'GlobalReader',
  'RegularUser',
] as const;

export const GLOBAL_ROLES = [...PROVISIONABLE_GLOBAL_ROLES, 'DirectorySynchronizer'] as const;

export type ProvisionableGlobalRole = (typeof PROVISIONABLE_GLOBAL_ROLES)[number];
export type GlobalRole = (typeof GLOBAL_ROLES)[number];

export const DEFAULT_GLOBAL_ROLE: GlobalRole = 'RegularUser';

export function isGlobalRole(value: string): value is GlobalRole {
  return (GLOBAL_ROLES as readonly string[]).includes(value);
}
