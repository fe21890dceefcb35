import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid, likePattern, type Page } from '#persistence';
import type { PrincipalType } from './principal-type.js';

export interface ManagedGroupRow {
  id: string;
  displayName: string;
  description: string | null;
  externalId: string | null;
  isDirectorySynchronized: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupMemberRow {
  type: PrincipalType;
  id: string;
  userName: string | null;
  displayName: string | null;
  isDirectorySynchronized: boolean;
  active: boolean | null;
}

const COLUMNS = `g.id, g.display_name AS "displayName", g.description, g.external_id AS "externalId",
  g.is_directory_synchronized AS "isDirectorySynchronized", g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;

/**
 * Key space of the transaction-level advisory lock that serializes nested-group inserts of one
 * organization (the second key is a hash of the organization id; a collision only serializes more).
 */
const NESTING_LOCK_SPACE = 736_144;

/**
 * Groups as the management API sees them. Writes only ever touch manual groups; the caller locks
 * the group's row first (find with forUpdate), which is also the lock SCIM takes before changing
 * a group, so a manual change and Entra taking the group over never interleave.
 */
@Injectable()
export class GroupsAdminRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async list(
    organizationId: string,
    filter: { name?: string; synchronized?: boolean; limit: number; offset: number },
  ): Promise<Page<ManagedGroupRow>> {
    const from = `FROM groups g WHERE g.organization_id = $1 AND ($2::text IS NULL OR g.display_name ILIKE $2)
       AND ($3::boolean IS NULL OR g.is_directory_synchronized = $3)`;
    const params = [
      organizationId,
      filter.name ? likePattern(filter.name) : null,
      filter.synchronized ?? null,
    ];
    const items = await this.sql.rows<ManagedGroupRow>(
      `SELECT ${COLUMNS} ${from} ORDER BY lower(g.display_name), g.id LIMIT $4 OFFSET $5`,
      [...params, filter.limit, filter.offset],
    );
    if (filter.offset === 0 && items.length < filter.limit) return { items, total: items.length };
    const count = await this.sql.one<{ total: number }>(`SELECT count(*)::int AS total ${from}`, params);
    return { items, total: count?.total ?? 0 };
  }

  async find(organizationId: string, id: string, forUpdate = false): Promise<ManagedGroupRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<ManagedGroupRow>(
      `SELECT ${COLUMNS} FROM groups g WHERE g.organization_id = $1 AND g.id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
  }

  async insertManual(
    organizationId: string,
    state: { displayName: string; description: string | null },
  ): Promise<ManagedGroupRow> {
    const row = await this.sql.one<ManagedGroupRow>(
      `INSERT INTO groups AS g (organization_id, display_name, description, is_directory_synchronized)
       VALUES ($1, $2, $3, false) RETURNING ${COLUMNS}`,
      [organizationId, state.displayName, state.description],
    );
    return row!;
  }

  async updateManual(
    organizationId: string,
    id: string,
    state: { displayName: string; description: string | null },
  ): Promise<ManagedGroupRow> {
    const row = await this.sql.one<ManagedGroupRow>(
      `UPDATE groups AS g SET display_name = $3, description = $4, version = g.version + 1, updated_at = now()
        WHERE g.organization_id = $1 AND g.id = $2 AND NOT g.is_directory_synchronized RETURNING ${COLUMNS}`,
      [organizationId, id, state.displayName, state.description],
    );
    return row!;
  }

  /** Memberships (of users, of groups, in groups) and permissions granted to it cascade away. */
  async deleteManual(organizationId: string, id: string): Promise<void> {
    await this.sql.rows(
      `DELETE FROM groups WHERE organization_id = $1 AND id = $2 AND NOT is_directory_synchronized`,
      [organizationId, id],
    );
  }

  /** Direct members: nested groups first (by name), then users (by id, the order of the key). */
  async members(
    organizationId: string,
    groupId: string,
    window: { limit: number; offset: number },
  ): Promise<Page<GroupMemberRow>> {
    const params = [organizationId, groupId];
    const items = await this.sql.rows<GroupMemberRow>(
      `SELECT m.type, m.id, m."userName", m."displayName", m."isDirectorySynchronized", m.active
         FROM (SELECT 'group' AS type, 0 AS rank, lower(g.display_name) AS sort, g.id, NULL::text AS "userName",
                      g.display_name AS "displayName", g.is_directory_synchronized AS "isDirectorySynchronized",
                      NULL::boolean AS active
                 FROM group_nested_groups n
                 JOIN groups g ON g.organization_id = n.organization_id AND g.id = n.child_group_id
                WHERE n.organization_id = $1 AND n.parent_group_id = $2
               UNION ALL
               SELECT 'user', 1, NULL, u.id, u.user_name, u.display_name, u.is_directory_synchronized, u.active
                 FROM group_members gm
                 JOIN users u ON u.organization_id = gm.organization_id AND u.id = gm.user_id
                WHERE gm.organization_id = $1 AND gm.group_id = $2) m
        ORDER BY m.rank, m.sort, m.id
        LIMIT $3 OFFSET $4`,
      [...params, window.limit, window.offset],
    );
    if (window.offset === 0 && items.length < window.limit) return { items, total: items.length };
    const count = await this.sql.one<{ total: number }>(
      `SELECT (SELECT count(*) FROM group_nested_groups WHERE organization_id = $1 AND parent_group_id = $2)::int
            + (SELECT count(*) FROM group_members WHERE organization_id = $1 AND group_id = $2)::int AS total`,
      params,
    );
    return { items, total: count?.total ?? 0 };
  }

  /** Set insert: true when the user was not a member yet. */
  async addUser(organizationId: string, groupId: string, userId: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `INSERT INTO group_members (organization_id, group_id, user_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [organizationId, groupId, userId],
    );
    return rows.length > 0;
  }

  /**
   * Serializes every nested-group insert of the organization until this transaction ends. Why not
   * just lock the two groups' rows: A in B and C in D can be checked concurrently (no common row)
   * while B in C and D in A are waiting, and together the four close the cycle A-B-C-D-A that no
   * single check saw. Under this lock each check runs after the previous insert committed (READ
   * COMMITTED takes a new snapshot per statement), so it sees every edge there is. Nesting changes
   * are rare manual actions; nothing else (SCIM included) takes this lock.
   */
  async lockNesting(organizationId: string): Promise<void> {
    await this.sql.rows(`SELECT pg_advisory_xact_lock($1, hashtext($2::text))`, [
      NESTING_LOCK_SPACE,
      organizationId,
    ]);
  }

  /**
   * Would putting `childId` into `parentId` close a cycle, i.e. is `childId` already `parentId` or one
   * of the groups containing it (directly or not)? UNION (not UNION ALL) keeps each group once, so
   * the walk ends whatever the graph holds.
   */
  async wouldCycle(organizationId: string, parentId: string, childId: string): Promise<boolean> {
    const row = await this.sql.one<{ cycle: boolean }>(
      `WITH RECURSIVE up (id) AS (
         SELECT $2::uuid
         UNION
         SELECT n.parent_group_id FROM up
           JOIN group_nested_groups n ON n.organization_id = $1 AND n.child_group_id = up.id)
       SELECT EXISTS (SELECT 1 FROM up WHERE id = $3::uuid) AS cycle`,
      [organizationId, parentId, childId],
    );
    return row?.cycle ?? false;
  }

  /** Set insert: true when the group was not a member yet. */
  async addGroup(organizationId: string, parentId: string, childId: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `INSERT INTO group_nested_groups (organization_id, parent_group_id, child_group_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING child_group_id`,
      [organizationId, parentId, childId],
    );
    return rows.length > 0;
  }

  /** Removes the member, user or group, with that id; returns which kind it was, if any. */
  async removeMember(
    organizationId: string,
    groupId: string,
    memberId: string,
  ): Promise<PrincipalType | undefined> {
    if (!isUuid(memberId)) return undefined;
    const row = await this.sql.one<{ type: PrincipalType | null }>(
      `WITH users_removed AS (
         DELETE FROM group_members WHERE organization_id = $1 AND group_id = $2 AND user_id = $3 RETURNING 1),
       groups_removed AS (
         DELETE FROM group_nested_groups WHERE organization_id = $1 AND parent_group_id = $2 AND child_group_id = $3
         RETURNING 1)
       SELECT CASE WHEN EXISTS (SELECT 1 FROM users_removed) THEN 'user'
                   WHEN EXISTS (SELECT 1 FROM groups_removed) THEN 'group' END AS type`,
      [organizationId, groupId, memberId],
    );
    return row?.type ?? undefined;
  }
}
