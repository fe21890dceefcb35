import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid } from '#persistence';
import type { PrincipalType } from '#groups';
import type { PermissionKind } from './permission-kind.js';

export interface PrincipalRef {
  type: PrincipalType;
  id: string;
}

export interface NewGrant {
  projectId: string;
  /** Null for a project permission (Configurator). */
  signingPolicyId: string | null;
  permission: PermissionKind;
  principal: PrincipalRef;
}

export interface PermissionRow {
  id: string;
  projectId: string;
  signingPolicyId: string | null;
  permission: PermissionKind;
  principalType: PrincipalType;
  principalId: string;
  /** userName of a user, displayName of a group. */
  principalName: string;
  principalIsDirectorySynchronized: boolean;
  createdAt: Date;
}

const COLUMNS = `p.id, p.project_id AS "projectId", p.signing_policy_id AS "signingPolicyId", p.permission,
  CASE WHEN p.user_id IS NOT NULL THEN 'user' ELSE 'group' END AS "principalType",
  COALESCE(p.user_id, p.group_id) AS "principalId",
  COALESCE(u.user_name, g.display_name) AS "principalName",
  COALESCE(u.is_directory_synchronized, g.is_directory_synchronized) AS "principalIsDirectorySynchronized",
  p.created_at AS "createdAt"`;

const PRINCIPALS = `LEFT JOIN users u ON u.organization_id = p.organization_id AND u.id = p.user_id
  LEFT JOIN groups g ON g.organization_id = p.organization_id AND g.id = p.group_id`;

/** Grants of project and signing-policy permissions to users and groups. */
@Injectable()
export class PermissionsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /**
   * Inserts the grant; a grant that exists already violates UQ_permissions_user_grant or
   * UQ_permissions_group_grant (the caller turns that into 409).
   */
  async grant(organizationId: string, grant: NewGrant): Promise<PermissionRow> {
    const row = await this.sql.one<PermissionRow>(
      `WITH p AS (
         INSERT INTO permissions (organization_id, project_id, signing_policy_id, permission, user_id, group_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING *)
       SELECT ${COLUMNS} FROM p ${PRINCIPALS}`,
      [
        organizationId,
        grant.projectId,
        grant.signingPolicyId,
        grant.permission,
        grant.principal.type === 'user' ? grant.principal.id : null,
        grant.principal.type === 'group' ? grant.principal.id : null,
      ],
    );
    return row!;
  }

  /** The grants on a project (signingPolicyId null) or on one of its signing policies. */
  async list(
    organizationId: string,
    projectId: string,
    signingPolicyId: string | null,
  ): Promise<PermissionRow[]> {
    return this.sql.rows<PermissionRow>(
      `SELECT ${COLUMNS} FROM permissions p ${PRINCIPALS}
        WHERE p.organization_id = $1 AND p.project_id = $2 AND p.signing_policy_id IS NOT DISTINCT FROM $3
        ORDER BY p.permission, lower(COALESCE(u.user_name, g.display_name)), p.id`,
      [organizationId, projectId, signingPolicyId],
    );
  }

  /** Revokes one grant of that very target; undefined when there is none with that id. */
  async revoke(
    organizationId: string,
    projectId: string,
    signingPolicyId: string | null,
    id: string,
  ): Promise<PermissionRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<PermissionRow>(
      `WITH p AS (
         DELETE FROM permissions
          WHERE organization_id = $1 AND project_id = $2 AND signing_policy_id IS NOT DISTINCT FROM $3 AND id = $4
         RETURNING *)
       SELECT ${COLUMNS} FROM p ${PRINCIPALS}`,
      [organizationId, projectId, signingPolicyId, id],
    );
  }
}
