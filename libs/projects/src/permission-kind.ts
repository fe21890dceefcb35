/**
 * Project-specific permissions of the code-signing service: a project has Configurators, a
 * signing policy has Submitters (who may submit signing requests) and Approvers.
 */
export const PROJECT_PERMISSIONS = ['Configurator'] as const;
export const SIGNING_POLICY_PERMISSIONS = ['Submitter', 'Approver'] as const;
export const PERMISSION_KINDS = [...PROJECT_PERMISSIONS, ...SIGNING_POLICY_PERMISSIONS] as const;

export type ProjectPermission = (typeof PROJECT_PERMISSIONS)[number];
export type SigningPolicyPermission = (typeof SIGNING_POLICY_PERMISSIONS)[number];
export type PermissionKind = (typeof PERMISSION_KINDS)[number];
