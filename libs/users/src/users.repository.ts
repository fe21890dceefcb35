import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid } from '#persistence';
import type { GlobalRole } from '#roles';
import type { UserKind } from './user.entity.js';

export interface NewUser {
  organizationId: string;
  kind: UserKind;
  userName: string;
  displayName: string | null;
  externalId: string | null;
  globalRole: GlobalRole;
}

export interface UserRow {
  id: string;
  organizationId: string;
  kind: UserKind;
  userName: string;
  displayName: string | null;
  externalId: string | null;
  globalRole: GlobalRole;
  roles: string[];
  active: boolean;
  /** Deactivated by the leave-all-groups rule (a join reactivates), not by Entra or an admin. */
  deactivatedByMembership: boolean;
  isDirectorySynchronized: boolean;
  scimAttributes: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What SCIM writes of a user; everything else is kept. */
export interface ScimUserState {
  userName: string;
  displayName: string;
  externalId: string | null;
  active: boolean;
  roles: string[];
  globalRole: GlobalRole;
  scimAttributes: Record<string, unknown>;
}

export interface UserListPage {
  /** Boolean SQL over alias `u`, with its parameters numbered from $2 ($1 is the organization). */
  where?: { sql: string; params: unknown[] };
  orderBy: string;
  offset: number;
  limit: number;
}

const COLUMNS = `u.id, u.organization_id AS "organizationId", u.kind, u.user_name AS "userName",
  u.display_name AS "displayName", u.external_id AS "externalId", u.global_role AS "globalRole", u.roles,
  u.active, u.deactivated_by_membership AS "deactivatedByMembership",
  u.is_directory_synchronized AS "isDirectorySynchronized", u.scim_attributes AS "scimAttributes",
  u.version, u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/** SCIM sees the organization's people: not CI users, not users SCIM deleted. */
const SCIM_VISIBLE = `u.organization_id = $1 AND u.kind = 'interactive' AND u.scim_deleted_at IS NULL`;

@Injectable()
export class UsersRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(user: NewUser): Promise<{ id: string }> {
    const row = await this.sql.one<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, display_name, external_id, global_role)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [user.organizationId, user.kind, user.userName, user.displayName, user.externalId, user.globalRole],
    );
    return row!;
  }

  async insertScimUser(organizationId: string, state: ScimUserState): Promise<UserRow> {
    const row = await this.sql.one<UserRow>(
      `INSERT INTO users AS u (organization_id, kind, user_name, display_name, external_id, global_role, roles, active,
                               is_directory_synchronized, scim_attributes)
       VALUES ($1, 'interactive', $2, $3, $4, $5, $6, $7, true, $8)
       RETURNING ${COLUMNS}`,
      [organizationId, ...stateParams(state)],
    );
    return row!;
  }

  /** A user SCIM deleted earlier, locked, so that a POST can bring it back instead of duplicating it. */
  async findDeletedForRevival(
    organizationId: string,
    externalId: string | null,
    userName: string,
  ): Promise<UserRow | undefined> {
    return this.sql.one<UserRow>(
      `SELECT ${COLUMNS} FROM users u
        WHERE u.organization_id = $1 AND u.kind = 'interactive' AND u.scim_deleted_at IS NOT NULL
          AND (CASE WHEN $2::text IS NULL THEN lower(u.user_name) = lower($3)
                    -- By externalId, then by userName among records that had no identity: a record
                    -- of another identity is never handed to this one (its signing history is theirs).
                    ELSE u.external_id = $2 OR (u.external_id IS NULL AND lower(u.user_name) = lower($3)) END)
        ORDER BY u.external_id IS NOT DISTINCT FROM $2 DESC
        LIMIT 1
        FOR UPDATE`,
      [organizationId, externalId, userName],
    );
  }

  async findVisible(organizationId: string, id: string, forUpdate = false): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<UserRow>(
      `SELECT ${COLUMNS} FROM users u WHERE ${SCIM_VISIBLE} AND u.id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
  }

  /**
   * Writes SCIM's view of a user, marks it synchronized, revives it if SCIM had deleted it.
   * `activeSetByRequest`: the request itself named `active` (PUT, POST, or a PATCH of `active`), so
   * its value is Entra's decision and no longer the leave-all-groups rule's: a join must not undo an
   * Entra `active: false`, even when the rule had already deactivated the user.
   */
  async updateScimUser(
    organizationId: string,
    id: string,
    state: ScimUserState,
    activeSetByRequest: boolean,
  ): Promise<UserRow> {
    const row = await this.sql.one<UserRow>(
      `UPDATE users AS u SET user_name = $3, display_name = $4, external_id = $5, global_role = $6, roles = $7,
              active = $8, scim_attributes = $9, is_directory_synchronized = true, scim_deleted_at = NULL,
              -- Entra naming active settles it; otherwise a deactivation by the membership rule stays marked.
              deactivated_by_membership = CASE WHEN $8 OR $10 THEN false ELSE u.deactivated_by_membership END,
              version = u.version + 1, updated_at = now()
        WHERE u.organization_id = $1 AND u.id = $2
        RETURNING ${COLUMNS}`,
      [organizationId, id, ...stateParams(state), activeSetByRequest],
    );
    return row!;
  }

  /**
   * SCIM DELETE: out of SCIM's view, deactivated, and out of every group; the row stays for signing
   * history and audit. Returns how many group memberships ended.
   */
  async markScimDeleted(organizationId: string, id: string): Promise<number> {
    const row = await this.sql.one<{ memberships: number }>(
      `WITH ended AS (DELETE FROM group_members WHERE organization_id = $1 AND user_id = $2 RETURNING 1)
       UPDATE users SET scim_deleted_at = now(), active = false, deactivated_by_membership = false,
              version = version + 1, updated_at = now()
        WHERE organization_id = $1 AND id = $2
        RETURNING (SELECT count(*)::int FROM ended) AS memberships`,
      [organizationId, id],
    );
    return row?.memberships ?? 0;
  }

  async listVisible(organizationId: string, page: UserListPage): Promise<UserRow[]> {
    const params = [organizationId, ...(page.where?.params ?? [])];
    const where = page.where ? ` AND (${page.where.sql})` : '';
    params.push(page.limit, page.offset);
    return this.sql.rows<UserRow>(
      `SELECT ${COLUMNS} FROM users u WHERE ${SCIM_VISIBLE}${where}
        ORDER BY ${page.orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  async countVisible(organizationId: string, where?: { sql: string; params: unknown[] }): Promise<number> {
    const row = await this.sql.one<{ count: number }>(
      `SELECT count(*)::int AS count FROM users u WHERE ${SCIM_VISIBLE}${where ? ` AND (${where.sql})` : ''}`,
      [organizationId, ...(where?.params ?? [])],
    );
    return row?.count ?? 0;
  }

  /**
   * Locks the users whose memberships a request is about to change, in id order (so parallel
   * requests cannot deadlock on them), for the rest of the transaction. The leave-all-groups rule
   * reads a user's other memberships to decide; without this lock two requests removing the user's
   * last two groups each still see the other's membership (write skew under READ COMMITTED), and a
   * move (remove from one, add to another) can deactivate a user who is a member. Every statement
   * after this one sees what the previous holder of the lock committed.
   *
   * FOR NO KEY UPDATE, not FOR UPDATE: inserting a membership takes FOR KEY SHARE on the user (the
   * foreign key), and FOR UPDATE would conflict with another request's foreign-key check and
   * deadlock two requests adding the same users to different groups.
   */
  async lockForMembershipChange(organizationId: string, userIds: readonly string[]): Promise<void> {
    const uuids = [...new Set(userIds.filter(isUuid))].sort();
    if (uuids.length === 0) return;
    await this.sql.rows(
      `SELECT 1 FROM users WHERE organization_id = $1 AND id = ANY ($2::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [organizationId, uuids],
    );
  }

  /**
   * The setup guide's rule: a synchronized user removed from all synchronized groups is deactivated
   * (not deleted). Only users this request removed are considered; returns those deactivated.
   * Correct under concurrency only once the users are locked (lockForMembershipChange).
   */
  async deactivateUsersWithoutSynchronizedGroup(
    organizationId: string,
    userIds: readonly string[],
  ): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows<{ id: string }>(
      `UPDATE users u SET active = false, deactivated_by_membership = true, version = u.version + 1, updated_at = now()
        WHERE u.organization_id = $1 AND u.id = ANY ($2::uuid[])
          AND u.is_directory_synchronized AND u.active AND u.scim_deleted_at IS NULL
          AND NOT EXISTS (
                SELECT 1 FROM group_members gm
                  JOIN groups g ON g.organization_id = gm.organization_id AND g.id = gm.group_id
                 WHERE gm.organization_id = $1 AND gm.user_id = u.id AND g.is_directory_synchronized)
        RETURNING u.id`,
      [organizationId, userIds],
    );
    return rows.map((row) => row.id);
  }

  /** Users that rule deactivated come back when they join a synchronized group again. */
  async reactivateUsersDeactivatedByMembership(
    organizationId: string,
    userIds: readonly string[],
  ): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows<{ id: string }>(
      `UPDATE users u SET active = true, deactivated_by_membership = false, version = u.version + 1, updated_at = now()
        WHERE u.organization_id = $1 AND u.id = ANY ($2::uuid[]) AND u.deactivated_by_membership AND NOT u.active
        RETURNING u.id`,
      [organizationId, userIds],
    );
    return rows.map((row) => row.id);
  }
}

function stateParams(state: ScimUserState): unknown[] {
  return [
    state.userName,
    state.displayName,
    state.externalId,
    state.globalRole,
    state.roles,
    state.active,
    JSON.stringify(state.scimAttributes),
  ];
}
