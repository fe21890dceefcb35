import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '#persistence';
import type { GlobalRole } from '#roles';

export interface TokenForAuthentication {
  id: string;
  organizationId: string;
  userId: string;
  secretHash: Buffer;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  userActive: boolean;
  globalRole: GlobalRole;
}

export interface TokenSummary {
  id: string;
  organizationId: string;
  userId: string;
  userName: string;
  globalRole: GlobalRole;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

@Injectable()
export class ApiTokensRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(token: {
    organizationId: string;
    userId: string;
    name: string;
    prefix: string;
    secretHash: Buffer;
  }): Promise<{ id: string }> {
    const rows = await this.sql.rows<{ id: string }>(
      `INSERT INTO api_tokens (organization_id, user_id, name, prefix, secret_hash)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [token.organizationId, token.userId, token.name, token.prefix, token.secretHash],
    );
    return rows[0]!;
  }

  /** The one lookup that is not scoped by organization: it is how the organization is learnt. */
  async findForAuthentication(prefix: string): Promise<TokenForAuthentication | undefined> {
    const rows = await this.sql.rows<TokenForAuthentication>(
      `SELECT t.id, t.organization_id AS "organizationId", t.user_id AS "userId", t.secret_hash AS "secretHash",
              t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt",
              u.active AS "userActive", u.global_role AS "globalRole"
         FROM api_tokens t
         JOIN users u ON u.organization_id = t.organization_id AND u.id = t.user_id
        WHERE t.prefix = $1`,
      [prefix],
    );
    return rows[0];
  }

  /** Writes last use at most once a minute per token, whatever the request rate. */
  async touch(organizationId: string, id: string): Promise<void> {
    await this.sql.rows(
      `UPDATE api_tokens SET last_used_at = now()
        WHERE organization_id = $1 AND id = $2
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [organizationId, id],
    );
  }

  /** Operators revoke by id alone; returns the token's state afterwards, or undefined if unknown. */
  async revoke(id: string): Promise<{ id: string; organizationId: string; revokedAt: Date } | undefined> {
    const rows = await this.sql.rows<{ id: string; organizationId: string; revokedAt: Date }>(
      `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now())
        WHERE id = $1
        RETURNING id, organization_id AS "organizationId", revoked_at AS "revokedAt"`,
      [id],
    );
    return rows[0];
  }

  async listByOrganization(organizationId: string): Promise<TokenSummary[]> {
    return this.sql.rows(
      `SELECT t.id, t.organization_id AS "organizationId", t.user_id AS "userId", u.user_name AS "userName",
              u.global_role AS "globalRole", t.name, t.prefix, t.created_at AS "createdAt",
              t.last_used_at AS "lastUsedAt", t.revoked_at AS "revokedAt"
         FROM api_tokens t
         JOIN users u ON u.organization_id = t.organization_id AND u.id = t.user_id
        WHERE t.organization_id = $1
        ORDER BY t.created_at, t.id`,
      [organizationId],
    );
  }
}
