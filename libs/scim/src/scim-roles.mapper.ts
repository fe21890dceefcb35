import { ScimError } from '#scim-protocol';
import {
  GlobalRoleConflictError,
  globalRoleOf,
  PROVISIONABLE_GLOBAL_ROLES,
  type GlobalRole,
  type ProvisionableGlobalRole,
} from '#roles';

/** The Entra app-role display names of the setup guide (step 2), accepted in place of values. */
export const ROLE_DISPLAY_NAMES: Readonly<Record<ProvisionableGlobalRole, string>> = {
  GlobalAdministrator: 'SignPath Global Administrator',
  CertificateAdministrator: 'SignPath Certificate Administrator',
  UserAdministrator: 'SignPath User Administrator',
  ProjectAdministrator: 'SignPath Project Administrator',
  GlobalReader: 'SignPath Global Reader',
  RegularUser: 'SignPath Regular User',
};

const BY_NAME = new Map<string, ProvisionableGlobalRole>();
for (const role of PROVISIONABLE_GLOBAL_ROLES) {
  BY_NAME.set(role.toLowerCase(), role);
  BY_NAME.set(ROLE_DISPLAY_NAMES[role].toLowerCase(), role);
}

function accepted(): string {
  return PROVISIONABLE_GLOBAL_ROLES.join(', ');
}

/**
 * The global role a SCIM `roles` entry names, by its value or, failing that, its display name
 * (case-insensitive). Entra's shapes are normalised before this (JSON-string values unwrapped,
 * `displayName` read as `display`).
 */
export function roleOfEntry(entry: unknown): ProvisionableGlobalRole {
  const candidates: unknown[] =
    entry !== null && typeof entry === 'object'
      ? [(entry as Record<string, unknown>).value, (entry as Record<string, unknown>).display]
      : [entry];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const role = BY_NAME.get(candidate.trim().toLowerCase());
    if (role) return role;
  }
  const shown = candidates.find((c) => typeof c === 'string') ?? JSON.stringify(entry);
  if (typeof shown === 'string' && shown.trim().toLowerCase() === 'directorysynchronizer') {
    throw ScimError.invalidValue(
      "attribute 'roles': DirectorySynchronizer is the role of the connector's own CI user and can never be granted through SCIM",
    );
  }
  throw ScimError.invalidValue(
    `attribute 'roles': ${JSON.stringify(shown)} is not a global role; accepted values are ${accepted()} (or their display names, e.g. "SignPath Global Administrator")`,
  );
}

/** Distinct roles in first-seen order. */
export function rolesOfEntries(entries: readonly unknown[]): ProvisionableGlobalRole[] {
  return [...new Set(entries.map(roleOfEntry))];
}

/** The one-global-role rule (libs/roles), answered as SCIM's 400 invalidValue naming the user. */
export function effectiveGlobalRole(
  roles: readonly ProvisionableGlobalRole[],
  userLabel: string,
): GlobalRole {
  try {
    return globalRoleOf(roles, userLabel);
  } catch (error) {
    if (error instanceof GlobalRoleConflictError) throw ScimError.invalidValue(error.message);
    throw error;
  }
}

/** The SCIM representation of a role set. */
export function scimRoles(roles: readonly string[]): { value: string; display: string; primary: boolean }[] {
  return roles.map((role) => ({
    value: role,
    display: ROLE_DISPLAY_NAMES[role as ProvisionableGlobalRole] ?? role,
    primary: false,
  }));
}
