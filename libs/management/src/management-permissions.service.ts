import { Injectable } from '@nestjs/common';
import {
  EffectivePermissionsRepository,
  PROJECT_PERMISSIONS,
  SIGNING_POLICY_PERMISSIONS,
  type PermissionKind,
  PermissionsRepository,
  type PermissionRow,
  ProjectsRepository,
} from '#projects';
import type { EffectivePermissionsDto, ProjectMembersDto } from './effective-permissions.dto.js';
import { effectivePermissionsView, projectMembersView } from './effective-permissions.view.js';
import type { GrantPermissionDto, PermissionDto } from './management-project.dto.js';
import { isForeignKeyViolation, notFound, rethrowConflict, validationFailed } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';
import { GroupsAdminRepository } from '#groups';
import { UsersAdminRepository } from '#users';
import { ManualChangeRecorder } from './manual-change.recorder.js';

const GRANT_CONFLICT = {
  code: 'PERMISSION_ALREADY_GRANTED' as const,
  field: 'permission',
  message: 'This principal already holds this permission here (granted directly, not through a group).',
};
const GRANT_CONFLICTS = {
  UQ_permissions_user_grant: GRANT_CONFLICT,
  UQ_permissions_group_grant: GRANT_CONFLICT,
};

export function permissionDto(row: PermissionRow): PermissionDto {
  return {
    id: row.id,
    projectId: row.projectId,
    signingPolicyId: row.signingPolicyId,
    permission: row.permission,
    principal: {
      type: row.principalType,
      id: row.principalId,
      name: row.principalName,
      isDirectorySynchronized: row.principalIsDirectorySynchronized,
    },
    createdAt: row.createdAt,
  };
}

/** The target of a grant: a project, or one of its signing policies. */
interface Target {
  projectId: string;
  signingPolicyId: string | null;
  label: string;
}

/**
 * Grants and revokes project and signing-policy permissions, to users and to groups (manual or
 * synchronized: granting to a synchronized group changes nothing in the group itself), and answers
 * who holds what: a user's effective permissions and a project's members, through nested groups.
 */
@Injectable()
export class ManagementPermissionsService {
  constructor(
    private readonly permissions: PermissionsRepository,
    private readonly projects: ProjectsRepository,
    private readonly effective: EffectivePermissionsRepository,
    private readonly users: UsersAdminRepository,
    private readonly groups: GroupsAdminRepository,
    private readonly changes: ManualChangeRecorder,
  ) {}

  async list(
    organizationId: string,
    projectId: string,
    signingPolicyId: string | null,
  ): Promise<PermissionDto[]> {
    const target = await this.target(organizationId, projectId, signingPolicyId);
    const rows = await this.permissions.list(organizationId, target.projectId, target.signingPolicyId);
    return rows.map(permissionDto);
  }

  async grant(
    principal: ManagementPrincipal,
    projectId: string,
    signingPolicyId: string | null,
    body: GrantPermissionDto,
  ): Promise<PermissionDto> {
    const org = principal.organizationId;
    const allowed: readonly PermissionKind[] =
      signingPolicyId === null ? PROJECT_PERMISSIONS : SIGNING_POLICY_PERMISSIONS;
    if (!allowed.includes(body.permission)) {
      throw validationFailed(
        `On a ${signingPolicyId === null ? 'project' : 'signing policy'} the permissions are ${allowed.join(', ')}; ${body.permission} is not one of them.`,
        'permission',
      );
    }
    const target = await this.target(org, projectId, signingPolicyId);
    const { type, id } = body.principal;
    const exists = type === 'user' ? await this.users.find(org, id) : await this.groups.find(org, id);
    if (!exists) throw notFound(type === 'user' ? 'User' : 'Group', id, 'principal.id');
    let row: PermissionRow;
    try {
      row = await this.permissions.grant(org, {
        ...target,
        permission: body.permission,
        principal: body.principal,
      });
    } catch (error) {
      // The principal or the target was deleted since we looked.
      if (isForeignKeyViolation(error))
        throw notFound(type === 'user' ? 'User' : 'Group', id, 'principal.id');
      rethrowConflict(error, GRANT_CONFLICTS);
    }
    this.changes.record({
      operation: 'grant',
      resourceType: 'Permission',
      resourceId: row.id,
      label: `${row.permission} on ${target.label} to ${type} ${row.principalName}`,
      effect: {
        projectId: target.projectId,
        signingPolicyId: target.signingPolicyId,
        permission: row.permission,
        principal: { type, id },
      },
    });
    return permissionDto(row);
  }

  async revoke(
    principal: ManagementPrincipal,
    projectId: string,
    signingPolicyId: string | null,
    permissionId: string,
  ): Promise<void> {
    const target = await this.target(principal.organizationId, projectId, signingPolicyId);
    const row = await this.permissions.revoke(
      principal.organizationId,
      target.projectId,
      target.signingPolicyId,
      permissionId,
    );
    if (!row) throw notFound('Permission', permissionId);
    this.changes.record({
      operation: 'revoke',
      resourceType: 'Permission',
      resourceId: row.id,
      label: `${row.permission} on ${target.label} to ${row.principalType} ${row.principalName}`,
      effect: {
        projectId: target.projectId,
        signingPolicyId: target.signingPolicyId,
        permission: row.permission,
        principal: { type: row.principalType, id: row.principalId },
      },
    });
  }

  async effectiveForUser(organizationId: string, userId: string): Promise<EffectivePermissionsDto> {
    const result = await this.effective.forUser(organizationId, userId);
    if (!result) throw notFound('User', userId);
    return effectivePermissionsView(result);
  }

  async members(
    organizationId: string,
    projectId: string,
    window: { limit: number; offset: number },
  ): Promise<ProjectMembersDto> {
    const result = await this.effective.membersOfProject(organizationId, projectId, window);
    if (!result) throw notFound('Project', projectId);
    return projectMembersView(result, window);
  }

  private async target(
    organizationId: string,
    projectId: string,
    signingPolicyId: string | null,
  ): Promise<Target> {
    const project = await this.projects.findProject(organizationId, projectId);
    if (!project) throw notFound('Project', projectId);
    if (signingPolicyId === null)
      return { projectId: project.id, signingPolicyId: null, label: `project ${project.name}` };
    const policy = await this.projects.findPolicy(organizationId, project.id, signingPolicyId);
    if (!policy) throw notFound('Signing policy', signingPolicyId);
    return {
      projectId: project.id,
      signingPolicyId: policy.id,
      label: `signing policy ${project.name} / ${policy.name}`,
    };
  }
}
