import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid } from '#persistence';
import type { PermissionKind } from './permission-kind.js';

/** A group on the way from a user to a granted permission. */
export interface PathGroup {
  id: string;
  displayName: string;
  isDirectorySynchronized: boolean;
}

/** One grant reaching a user: which permission on which target, and through which groups. */
export interface ReachingGrant {
  permissionId: string;
  permission: PermissionKind;
  projectId: string;
  projectName: string;
  signingPolicyId: string | null;
  signingPolicyName: string | null;
  /**
   * Null when granted to the user directly; otherwise the chain of groups, starting with the group
   * the user is a member of and ending with the group the permission was granted to.
   */
  via: PathGroup[] | null;
}

export interface SubjectUser {
  id: string;
  userName: string;
  displayName: string | null;
  kind: 'interactive' | 'ci';
  active: boolean;
  isDirectorySynchronized: boolean;
}

export interface UserPermissions {
  user: SubjectUser;
  grants: ReachingGrant[];
}

export interface ProjectMembers {
  project: { id: string; name: string };
  /** Users holding at least one permission on the project or one of its signing policies. */
  total: number;
  members: { user: SubjectUser; grants: ReachingGrant[] }[];
}

/**
 * The chain of groups of a path (uuid[]), as JSON, in path order or reversed. A correlated
 * subquery over the path's own elements: a handful of primary-key lookups per grant.
 */
function pathJson(path: string, order: 'ASC' | 'DESC'): string {
  return `(SELECT json_agg(json_build_object('id', gr.id, 'displayName', gr.display_name,
                                             'isDirectorySynchronized', gr.is_directory_synchronized)
                           ORDER BY x.ord ${order})
             FROM unnest(${path}) WITH ORDINALITY AS x(group_id, ord)
             JOIN groups gr ON gr.organization_id = $1 AND gr.id = x.group_id)`;
}

/**
 * Everything one user is granted, directly or through groups (group_members: memberships written
 * by SCIM and by hand) and groups nested in groups (group_nested_groups), in ONE statement.
 *
 * `reach` climbs from the user's groups to the groups containing them. Each row carries its path;
 * a step never revisits a group already on its path, so even a cycle (which inserts refuse) would
 * end. Per step, only one path per group goes on (row_number() = 1), so the work stays bounded by
 * groups x nesting depth instead of growing with the number of distinct paths through a DAG of
 * diamonds; each grant then keeps its shortest path. A deactivated user has no permission at all.
 * Live tables only: what SCIM changed a moment ago shows in the next answer.
 */
export const USER_PERMISSIONS_SQL = `
WITH RECURSIVE
subject AS (
  SELECT u.id, u.user_name, u.display_name, u.kind, u.active, u.is_directory_synchronized
    FROM users u
   WHERE u.organization_id = $1 AND u.id = $2
),
reach (group_id, path, depth) AS (
  SELECT gm.group_id, ARRAY[gm.group_id], 1
    FROM subject s
    JOIN group_members gm ON gm.organization_id = $1 AND gm.user_id = s.id
   WHERE s.active
  UNION ALL
  SELECT step.group_id, step.path, step.depth
    FROM (SELECT n.parent_group_id AS group_id, r.path || n.parent_group_id AS path, r.depth + 1 AS depth,
                 row_number() OVER (PARTITION BY n.parent_group_id ORDER BY r.path) AS nth
            FROM reach r
            JOIN group_nested_groups n ON n.organization_id = $1 AND n.child_group_id = r.group_id
           WHERE n.parent_group_id <> ALL (r.path)) step
   WHERE step.nth = 1
),
grants AS (
  (SELECT DISTINCT ON (p.id) p.id, p.project_id, p.signing_policy_id, p.permission, r.path
     FROM reach r
     JOIN permissions p ON p.organization_id = $1 AND p.group_id = r.group_id
    ORDER BY p.id, r.depth, r.path)
  UNION ALL
  SELECT p.id, p.project_id, p.signing_policy_id, p.permission, NULL::uuid[]
    FROM subject s
    JOIN permissions p ON p.organization_id = $1 AND p.user_id = s.id
   WHERE s.active
)
SELECT s.id AS "userId", s.user_name AS "userName", s.display_name AS "displayName", s.kind, s.active,
       s.is_directory_synchronized AS "isDirectorySynchronized",
       g.id AS "permissionId", g.permission, pr.id AS "projectId", pr.name AS "projectName",
       sp.id AS "signingPolicyId", sp.name AS "signingPolicyName", ${pathJson('g.path', 'ASC')} AS via
  FROM subject s
  LEFT JOIN grants g ON true
  LEFT JOIN projects pr ON pr.organization_id = $1 AND pr.id = g.project_id
  LEFT JOIN signing_policies sp ON sp.organization_id = $1 AND sp.id = g.signing_policy_id
 ORDER BY lower(pr.name), pr.id, sp.id IS NOT NULL, lower(sp.name), sp.id, g.permission,
          cardinality(g.path) NULLS FIRST, g.id`;

/**
 * The reverse, for one project: who holds which permission on it and on its signing policies, and
 * through which groups, in ONE statement. `descent` walks down from each granting group into the
 * groups nested in it (same bounds as above, per grant); the users in those groups, plus the users
 * granted directly, are the members. Active users only; paged by user ($3 offset, $4 limit).
 */
export const PROJECT_MEMBERS_SQL = `
WITH RECURSIVE
project AS (
  SELECT pr.id, pr.name FROM projects pr WHERE pr.organization_id = $1 AND pr.id = $2
),
granted AS (
  SELECT p.id, p.signing_policy_id, p.permission, p.user_id, p.group_id
    FROM project pj
    JOIN permissions p ON p.organization_id = $1 AND p.project_id = pj.id
),
descent (permission_id, group_id, path, depth) AS (
  SELECT g.id, g.group_id, ARRAY[g.group_id], 1 FROM granted g WHERE g.group_id IS NOT NULL
  UNION ALL
  SELECT step.permission_id, step.group_id, step.path, step.depth
    FROM (SELECT d.permission_id, n.child_group_id AS group_id, d.path || n.child_group_id AS path,
                 d.depth + 1 AS depth,
                 row_number() OVER (PARTITION BY d.permission_id, n.child_group_id ORDER BY d.path) AS nth
            FROM descent d
            JOIN group_nested_groups n ON n.organization_id = $1 AND n.parent_group_id = d.group_id
           WHERE n.child_group_id <> ALL (d.path)) step
   WHERE step.nth = 1
),
member_grants AS (
  (SELECT DISTINCT ON (d.permission_id, gm.user_id) d.permission_id, gm.user_id, d.path
     FROM descent d
     JOIN group_members gm ON gm.organization_id = $1 AND gm.group_id = d.group_id
    ORDER BY d.permission_id, gm.user_id, d.depth, d.path)
  UNION ALL
  SELECT g.id, g.user_id, NULL::uuid[] FROM granted g WHERE g.user_id IS NOT NULL
),
ranked AS (
  SELECT mg.permission_id, mg.path, u.id AS user_id, u.user_name, u.display_name, u.kind,
         u.is_directory_synchronized, dense_rank() OVER (ORDER BY lower(u.user_name), u.id) AS user_rank
    FROM member_grants mg
    JOIN users u ON u.organization_id = $1 AND u.id = mg.user_id AND u.active
)
SELECT pj.id AS "projectId", pj.name AS "projectName",
       (SELECT COALESCE(max(user_rank), 0)::int FROM ranked) AS total,
       r.user_id AS "userId", r.user_name AS "userName", r.display_name AS "displayName", r.kind,
       r.is_directory_synchronized AS "isDirectorySynchronized",
       g.id AS "permissionId", g.permission, sp.id AS "signingPolicyId", sp.name AS "signingPolicyName",
       ${pathJson('r.path', 'DESC')} AS via
  FROM project pj
  LEFT JOIN ranked r ON r.user_rank > $3 AND r.user_rank <= $3 + $4
  LEFT JOIN granted g ON g.id = r.permission_id
  LEFT JOIN signing_policies sp ON sp.organization_id = $1 AND sp.id = g.signing_policy_id
 ORDER BY r.user_rank, sp.id IS NOT NULL, lower(sp.name), sp.id, g.permission,
          cardinality(r.path) NULLS FIRST, g.id`;

interface UserPermissionsRow {
  userId: string;
  userName: string;
  displayName: string | null;
  kind: 'interactive' | 'ci';
  active: boolean;
  isDirectorySynchronized: boolean;
  permissionId: string | null;
  permission: PermissionKind | null;
  projectId: string | null;
  projectName: string | null;
  signingPolicyId: string | null;
  signingPolicyName: string | null;
  via: PathGroup[] | null;
}

interface ProjectMembersRow extends Omit<
  UserPermissionsRow,
  'projectId' | 'projectName' | 'active' | 'userId'
> {
  projectId: string;
  projectName: string;
  total: number;
  userId: string | null;
}

@Injectable()
export class EffectivePermissionsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** Undefined when the user does not exist in this organization. */
  async forUser(organizationId: string, userId: string): Promise<UserPermissions | undefined> {
    if (!isUuid(userId)) return undefined;
    const rows = await this.sql.rows<UserPermissionsRow>(USER_PERMISSIONS_SQL, [organizationId, userId]);
    const first = rows[0];
    if (!first) return undefined;
    const user: SubjectUser = {
      id: first.userId,
      userName: first.userName,
      displayName: first.displayName,
      kind: first.kind,
      active: first.active,
      isDirectorySynchronized: first.isDirectorySynchronized,
    };
    const grants: ReachingGrant[] = [];
    for (const row of rows) {
      if (row.permissionId === null || row.permission === null || row.projectId === null) continue;
      grants.push({
        permissionId: row.permissionId,
        permission: row.permission,
        projectId: row.projectId,
        projectName: row.projectName ?? '',
        signingPolicyId: row.signingPolicyId,
        signingPolicyName: row.signingPolicyName,
        via: row.via,
      });
    }
    return { user, grants };
  }

  /** Undefined when the project does not exist in this organization. */
  async membersOfProject(
    organizationId: string,
    projectId: string,
    window: { offset: number; limit: number },
  ): Promise<ProjectMembers | undefined> {
    if (!isUuid(projectId)) return undefined;
    const rows = await this.sql.rows<ProjectMembersRow>(PROJECT_MEMBERS_SQL, [
      organizationId,
      projectId,
      window.offset,
      window.limit,
    ]);
    const first = rows[0];
    if (!first) return undefined;
    const members: ProjectMembers['members'] = [];
    for (const row of rows) {
      if (row.userId === null || row.permissionId === null || row.permission === null) continue;
      let member = members[members.length - 1];
      if (member?.user.id !== row.userId) {
        member = {
          user: {
            id: row.userId,
            userName: row.userName,
            displayName: row.displayName,
            kind: row.kind,
            active: true,
            isDirectorySynchronized: row.isDirectorySynchronized,
          },
          grants: [],
        };
        members.push(member);
      }
      member.grants.push({
        permissionId: row.permissionId,
        permission: row.permission,
        projectId: row.projectId,
        projectName: row.projectName,
        signingPolicyId: row.signingPolicyId,
        signingPolicyName: row.signingPolicyName,
        via: row.via,
      });
    }
    return { project: { id: first.projectId, name: first.projectName }, total: first.total, members };
  }
}
