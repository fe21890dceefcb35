import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SqlExecutor, isUuid } from '#persistence';

export interface GroupRow {
  id: string;
  organizationId: string;
  displayName: string;
  externalId: string | null;
  description: string | null;
  isDirectorySynchronized: boolean;
  scimAttributes: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupState {
  displayName: string;
  externalId: string | null;
  description: string | null;
  scimAttributes: Record<string, unknown>;
}

export interface MemberRow {
  groupId: string;
  userId: string;
  display: string;
}

export interface GroupListPage {
  where?: { sql: string; params: unknown[] };
  orderBy: string;
  offset: number;
  limit: number;
}

const COLUMNS = `g.id, g.organization_id AS "organizationId", g.display_name AS "displayName",
  g.external_id AS "externalId", g.description, g.is_directory_synchronized AS "isDirectorySynchronized",
  g.scim_attributes AS "scimAttributes", g.version, g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;

/**
 * Rows of one member batch when a group's members are streamed: about 170 kB of JSON, so a response
 * holds at most about one batch beyond what its socket has not taken yet.
 */
export const MEMBER_BATCH = 1_000;

@Injectable()
export class GroupsRepository {
  constructor(
    private readonly sql: SqlExecutor,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async insert(organizationId: string, state: GroupState): Promise<GroupRow> {
    const row = await this.sql.one<GroupRow>(
      `INSERT INTO groups AS g (organization_id, display_name, external_id, description, scim_attributes, is_directory_synchronized)
       VALUES ($1, $2, $3, $4, $5, true) RETURNING ${COLUMNS}`,
      [organizationId, ...stateParams(state)],
    );
    return row!;
  }

  async findById(organizationId: string, id: string, forUpdate = false): Promise<GroupRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<GroupRow>(
      `SELECT ${COLUMNS} FROM groups g WHERE g.organization_id = $1 AND g.id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
  }

  /** Writes SCIM's state (or only bumps the version, for a membership change) and marks it synchronized. */
  async update(organizationId: string, id: string, state: GroupState): Promise<GroupRow> {
    const row = await this.sql.one<GroupRow>(
      `UPDATE groups AS g SET display_name = $3, external_id = $4, description = $5, scim_attributes = $6,
              is_directory_synchronized = true, version = g.version + 1, updated_at = now()
        WHERE g.organization_id = $1 AND g.id = $2 RETURNING ${COLUMNS}`,
      [organizationId, id, ...stateParams(state)],
    );
    return row!;
  }

  async delete(organizationId: string, id: string): Promise<void> {
    await this.sql.rows(`DELETE FROM groups WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
  }

  async list(organizationId: string, page: GroupListPage): Promise<GroupRow[]> {
    const params = [organizationId, ...(page.where?.params ?? []), page.limit, page.offset];
    return this.sql.rows<GroupRow>(
      `SELECT ${COLUMNS} FROM groups g WHERE g.organization_id = $1${page.where ? ` AND (${page.where.sql})` : ''}
        ORDER BY ${page.orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  async count(organizationId: string, where?: { sql: string; params: unknown[] }): Promise<number> {
    const row = await this.sql.one<{ count: number }>(
      `SELECT count(*)::int AS count FROM groups g WHERE g.organization_id = $1${where ? ` AND (${where.sql})` : ''}`,
      [organizationId, ...(where?.params ?? [])],
    );
    return row?.count ?? 0;
  }

  /**
   * Members of a page of groups, for list responses that ask for members; with `limit`, at most that
   * many rows (a caller that gets `limit` rows back cannot tell whether there were more).
   */
  async membersOf(organizationId: string, groupIds: string[], limit?: number): Promise<MemberRow[]> {
    if (groupIds.length === 0) return [];
    return this.sql.rows<MemberRow>(
      `SELECT gm.group_id AS "groupId", gm.user_id AS "userId", COALESCE(u.display_name, u.user_name) AS display
         FROM group_members gm
         JOIN users u ON u.organization_id = gm.organization_id AND u.id = gm.user_id
        WHERE gm.organization_id = $1 AND gm.group_id = ANY ($2::uuid[])
        ORDER BY gm.group_id, gm.user_id${limit === undefined ? '' : ' LIMIT $3'}`,
      limit === undefined ? [organizationId, groupIds] : [organizationId, groupIds, limit],
    );
  }

  /**
   * One group's members in keyset-paged batches, so a 100,000-member group is never held in memory.
   * Each batch is one statement through the pool (GETs run no transaction): no connection is held
   * between batches, so a slow or vanished client holds none, and the consumer asks for the next
   * batch only when it has written the previous one. The batches are not one snapshot: a member
   * added or removed while the group streams may or may not appear (the ETag is the version read
   * before the first batch).
   */
  async *streamMembers(
    organizationId: string,
    groupId: string,
    batchSize = MEMBER_BATCH,
  ): AsyncGenerator<MemberRow[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows: MemberRow[] = await this.dataSource.query(
        `SELECT gm.group_id AS "groupId", gm.user_id AS "userId", COALESCE(u.display_name, u.user_name) AS display
           FROM group_members gm
           JOIN users u ON u.organization_id = gm.organization_id AND u.id = gm.user_id
          WHERE gm.organization_id = $1 AND gm.group_id = $2 AND gm.user_id > $3
          ORDER BY gm.user_id LIMIT $4`,
        [organizationId, groupId, after, batchSize],
      );
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]!.userId;
    }
  }

  /** Sorts the requested ids into users of this organization SCIM can see, groups, and unknown ids. */
  async classifyMemberIds(
    organizationId: string,
    ids: readonly string[],
  ): Promise<{ unknown: string[]; groups: string[] }> {
    const uuids = ids.filter(isUuid);
    const invalid = ids.filter((id) => !isUuid(id));
    if (uuids.length === 0) return { unknown: invalid, groups: [] };
    const rows = await this.sql.rows<{ id: string; kind: 'user' | 'group' | null }>(
      `SELECT x.id::text AS id,
              CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.organization_id = $1 AND u.id = x.id
                                   AND u.kind = 'interactive' AND u.scim_deleted_at IS NULL) THEN 'user'
                   WHEN EXISTS (SELECT 1 FROM groups g WHERE g.organization_id = $1 AND g.id = x.id) THEN 'group'
              END AS kind
         FROM unnest($2::uuid[]) AS x(id)`,
      [organizationId, uuids],
    );
    return {
      unknown: [...invalid, ...rows.filter((row) => row.kind === null).map((row) => row.id)],
      groups: rows.filter((row) => row.kind === 'group').map((row) => row.id),
    };
  }

  /** The ids of a group's members (for a replace or a removal of every member). */
  async memberIds(organizationId: string, groupId: string): Promise<string[]> {
    const rows = await this.sql.rows<{ userId: string }>(
      `SELECT user_id AS "userId" FROM group_members WHERE organization_id = $1 AND group_id = $2`,
      [organizationId, groupId],
    );
    return rows.map((row) => row.userId);
  }

  /** Set insert: members already present are skipped. Sorted, so parallel requests lock rows in one order. */
  async addMembers(organizationId: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.sql.rows<{ userId: string }>(
      `INSERT INTO group_members (organization_id, group_id, user_id)
       SELECT $1, $2, x FROM unnest($3::uuid[]) AS x ORDER BY x
       ON CONFLICT DO NOTHING RETURNING user_id AS "userId"`,
      [organizationId, groupId, [...userIds].sort()],
    );
    return rows.map((row) => row.userId);
  }

  async removeMembers(
    organizationId: string,
    groupId: string,
    userIds: readonly string[],
  ): Promise<string[]> {
    const uuids = userIds.filter(isUuid);
    if (uuids.length === 0) return [];
    const rows = await this.sql.rows<{ userId: string }>(
      `DELETE FROM group_members WHERE organization_id = $1 AND group_id = $2 AND user_id = ANY ($3::uuid[])
       RETURNING user_id AS "userId"`,
      [organizationId, groupId, uuids],
    );
    return rows.map((row) => row.userId);
  }

  /** Removes every member, or with `keep` every member not in it (replace). */
  async removeAllMembers(
    organizationId: string,
    groupId: string,
    keep: readonly string[] = [],
  ): Promise<string[]> {
    const rows = await this.sql.rows<{ userId: string }>(
      `DELETE FROM group_members WHERE organization_id = $1 AND group_id = $2 AND NOT (user_id = ANY ($3::uuid[]))
       RETURNING user_id AS "userId"`,
      [organizationId, groupId, keep.filter(isUuid)],
    );
    return rows.map((row) => row.userId);
  }
}

function stateParams(state: GroupState): unknown[] {
  return [state.displayName, state.externalId, state.description, JSON.stringify(state.scimAttributes)];
}
