import type { GlobalRole, ProvisionableGlobalRole } from './global-role.js';

/** A role set that would give a user more than one global role besides RegularUser. */
export class GlobalRoleConflictError extends Error {
  constructor(
    readonly userLabel: string,
    readonly privileged: readonly GlobalRole[],
  ) {
    super(
      `user ${userLabel} would hold several global roles (${privileged.join(', ')}); a user may have at most one global role besides RegularUser. Assign the user to groups that grant only one of them.`,
    );
  }
}

/**
 * A user holds at most one global role besides RegularUser (setup guide: "provisioning of that user
 * will fail"). Returns the effective global role of a role set, or throws GlobalRoleConflictError
 * naming the user and the conflicting roles; each channel answers it in its own terms.
 */
export function globalRoleOf(roles: readonly ProvisionableGlobalRole[], userLabel: string): GlobalRole {
  const privileged = [...new Set(roles.filter((role) => role !== 'RegularUser'))];
  if (privileged.length > 1) throw new GlobalRoleConflictError(userLabel, privileged);
  return privileged[0] ?? 'RegularUser';
}
