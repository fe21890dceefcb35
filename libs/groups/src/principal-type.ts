/** What a group's member, or a permission's holder, is: a user or a group. */
export const PRINCIPAL_TYPES = ['user', 'group'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];
