import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid, likePattern, type Page } from '#persistence';
import type { GlobalRole } from '#roles';
import type { UserKind } from './user.entity.js';

export interface ManagedUserRow {
  id: string;
  kind: UserKind;
  userName: string;
  displayName: string | null;
  email: string | null;
  identity: string | null;
  globalRole: GlobalRole;
  active: boolean;
  isDirectorySynchronized: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What this API writes of a manual user. */
export interface ManualUserState {
  userName: string;
  displayName: string | null;
  email: string | null;
  identity: string | null;
  globalRole: GlobalRole;
}

export interface UserFilter {
  name?: string;
  synchronized?: boolean;
  active?: boolean;
  kind?: UserKind;
  limit: number;
  offset: number;
}

/**
 * The e-mail lives where SCIM keeps it, in scim_attributes.emails (primary first), so a manual
 * user that Entra later links shows the same address on both sides.
 */
const EMAIL = `(SELECT e ->> 'value'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(u.scim_attributes -> 'emails') = 'array'
                                   THEN u.scim_attributes -> 'emails' ELSE '[]'::jsonb END)
         WITH ORDINALITY AS x(e, n)
   ORDER BY (lower(e ->> 'primary') = 'true') IS TRUE DESC, n
   LIMIT 1)`;

const COLUMNS = `u.id, u.kind, u.user_name AS "userName", u.display_name AS "displayName", ${EMAIL} AS email,
  u.external_id AS identity, u.global_role AS "globalRole", u.active,
  u.is_directory_synchronized AS "isDirectorySynchronized", u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/** `emails` as SCIM shows it, or no attribute at all. */
const EMAILS_JSON = `CASE WHEN $EMAIL::text IS NULL THEN NULL
  ELSE jsonb_build_array(jsonb_build_object('value', $EMAIL::text, 'type', 'work', 'primary', true)) END`;

function emailsJson(param: number): string {
  return EMAILS_JSON.replaceAll('$EMAIL', `$${param}`);
}

/**
 * Users as the management API sees them: every user of the organization, people and CI users,
 * synchronized or not (those SCIM deleted stay, deactivated). Writes only ever touch manual users.
 */
@Injectable()
export class UsersAdminRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async list(organizationId: string, filter: UserFilter): Promise<Page<ManagedUserRow>> {
    const from = `FROM users u
      WHERE u.organization_id = $1
        AND ($2::text IS NULL OR u.user_name ILIKE $2 OR u.display_name ILIKE $2)
        AND ($3::boolean IS NULL OR u.is_directory_synchronized = $3)
        AND ($4::boolean IS NULL OR u.active = $4)
        AND ($5::user_kind IS NULL OR u.kind = $5)`;
    const params = [
      organizationId,
      filter.name ? likePattern(filter.name) : null,
      filter.synchronized ?? null,
      filter.active ?? null,
      filter.kind ?? null,
    ];
    const items = await this.sql.rows<ManagedUserRow>(
      `SELECT ${COLUMNS} ${from} ORDER BY lower(u.user_name), u.id LIMIT $6 OFFSET $7`,
      [...params, filter.limit, filter.offset],
    );
    if (filter.offset === 0 && items.length < filter.limit) return { items, total: items.length };
    const count = await this.sql.one<{ total: number }>(`SELECT count(*)::int AS total ${from}`, params);
    return { items, total: count?.total ?? 0 };
  }

  /** With `forUpdate`, the row stays locked until commit: SCIM cannot link it meanwhile. */
  async find(organizationId: string, id: string, forUpdate = false): Promise<ManagedUserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.sql.one<ManagedUserRow>(
      `SELECT ${COLUMNS} FROM users u WHERE u.organization_id = $1 AND u.id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [organizationId, id],
    );
  }

  async insertManual(
    organizationId: string,
    kind: UserKind,
    state: ManualUserState,
  ): Promise<ManagedUserRow> {
    const row = await this.sql.one<ManagedUserRow>(
      `INSERT INTO users AS u (organization_id, kind, user_name, display_name, external_id, global_role,
                               is_directory_synchronized, scim_attributes)
       VALUES ($1, $2, $3, $4, $5, $6, false,
               CASE WHEN $7::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('emails', ${emailsJson(7)}) END)
       RETURNING ${COLUMNS}`,
      [
        organizationId,
        kind,
        state.userName,
        state.displayName,
        state.identity,
        state.globalRole,
        state.email,
      ],
    );
    return row!;
  }

  /** Only a manual user (the caller holds its row lock and checked that already). */
  async updateManual(organizationId: string, id: string, state: ManualUserState): Promise<ManagedUserRow> {
    const row = await this.sql.one<ManagedUserRow>(
      `UPDATE users AS u SET user_name = $3, display_name = $4, external_id = $5, global_role = $6,
              scim_attributes = CASE WHEN $7::text IS NULL THEN u.scim_attributes - 'emails'
                                     ELSE jsonb_set(u.scim_attributes, '{emails}', ${emailsJson(7)}) END,
              version = u.version + 1, updated_at = now()
        WHERE u.organization_id = $1 AND u.id = $2 AND NOT u.is_directory_synchronized
        RETURNING ${COLUMNS}`,
      [organizationId, id, state.userName, state.displayName, state.identity, state.globalRole, state.email],
    );
    return row!;
  }

  async setActive(organizationId: string, id: string, active: boolean): Promise<ManagedUserRow> {
    const row = await this.sql.one<ManagedUserRow>(
      `UPDATE users AS u SET active = $3, deactivated_by_membership = false, version = u.version + 1,
              updated_at = now()
        WHERE u.organization_id = $1 AND u.id = $2 AND NOT u.is_directory_synchronized
        RETURNING ${COLUMNS}`,
      [organizationId, id, active],
    );
    return row!;
  }
}
