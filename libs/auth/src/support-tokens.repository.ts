import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '#persistence';

export interface SupportTokenForAuthentication {
  id: string;
  name: string;
  secretHash: Buffer;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface SupportTokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const SUMMARY_COLUMNS = `id, name, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

@Injectable()
export class SupportTokensRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(token: { name: string; prefix: string; secretHash: Buffer }): Promise<{ id: string }> {
    const rows = await this.sql.rows<{ id: string }>(
      `INSERT INTO support_tokens (name, prefix, secret_hash) VALUES ($1, $2, $3) RETURNING id`,
      [token.name, token.prefix, token.secretHash],
    );
    return rows[0]!;
  }

  async findForAuthentication(prefix: string): Promise<SupportTokenForAuthentication | undefined> {
    return this.sql.one<SupportTokenForAuthentication>(
      `SELECT id, name, secret_hash AS "secretHash", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
         FROM support_tokens WHERE prefix = $1`,
      [prefix],
    );
  }

  /** Writes last use at most once a minute per token, whatever the request rate. */
  async touch(id: string): Promise<void> {
    await this.sql.rows(
      `UPDATE support_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  async revoke(id: string): Promise<{ id: string; revokedAt: Date } | undefined> {
    return this.sql.one<{ id: string; revokedAt: Date }>(
      `UPDATE support_tokens SET revoked_at = COALESCE(revoked_at, now())
        WHERE id = $1 RETURNING id, revoked_at AS "revokedAt"`,
      [id],
    );
  }

  async list(): Promise<SupportTokenSummary[]> {
    return this.sql.rows(`SELECT ${SUMMARY_COLUMNS} FROM support_tokens ORDER BY created_at, id`);
  }
}
