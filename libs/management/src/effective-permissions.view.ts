import type { ReachingGrant, UserPermissions, ProjectMembers } from '#projects';
import type {
  EffectivePermissionsDto,
  EffectiveProjectDto,
  GrantDto,
  HeldPermissionDto,
  MemberPermissionDto,
  ProjectMembersDto,
} from './effective-permissions.dto.js';

function grantOf(row: ReachingGrant): GrantDto {
  return row.via === null
    ? { permissionId: row.permissionId, kind: 'direct' }
    : { permissionId: row.permissionId, kind: 'group', groups: row.via };
}

/** Appends the grant to the permission's entry, creating it; rows arrive sorted by permission. */
function addGrant(permissions: HeldPermissionDto[], row: ReachingGrant): void {
  const last = permissions[permissions.length - 1];
  if (last?.permission === row.permission) last.grants.push(grantOf(row));
  else permissions.push({ permission: row.permission, grants: [grantOf(row)] });
}

/**
 * Nests the grants (sorted by project, then signing policy, then permission) as projects holding
 * their own permissions and their signing policies'.
 */
export function effectivePermissionsView(result: UserPermissions): EffectivePermissionsDto {
  const projects: EffectiveProjectDto[] = [];
  for (const row of result.grants) {
    let project = projects[projects.length - 1];
    if (project?.id !== row.projectId) {
      project = { id: row.projectId, name: row.projectName, permissions: [], signingPolicies: [] };
      projects.push(project);
    }
    if (row.signingPolicyId === null) {
      addGrant(project.permissions, row);
      continue;
    }
    let policy = project.signingPolicies[project.signingPolicies.length - 1];
    if (policy?.id !== row.signingPolicyId) {
      policy = { id: row.signingPolicyId, name: row.signingPolicyName ?? '', permissions: [] };
      project.signingPolicies.push(policy);
    }
    addGrant(policy.permissions, row);
  }
  return { user: result.user, projects };
}

export function projectMembersView(
  result: ProjectMembers,
  window: { limit: number; offset: number },
): ProjectMembersDto {
  return {
    project: result.project,
    total: result.total,
    ...window,
    members: result.members.map((member) => {
      const permissions: MemberPermissionDto[] = [];
      for (const row of member.grants) {
        const target =
          row.signingPolicyId === null
            ? { type: 'project' as const, id: row.projectId, name: row.projectName }
            : { type: 'signingPolicy' as const, id: row.signingPolicyId, name: row.signingPolicyName ?? '' };
        const last = permissions[permissions.length - 1];
        if (last?.target.id === target.id && last.permission === row.permission)
          last.grants.push(grantOf(row));
        else permissions.push({ target, permission: row.permission, grants: [grantOf(row)] });
      }
      return { user: member.user, permissions };
    }),
  };
}
