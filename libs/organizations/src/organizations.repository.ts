import { Injectable } from '@nestjs/common';
import { SqlExecutor, isUuid } from '#persistence';

export interface OrganizationRecord {
  id: string;
  name: string;
  ssoIdentifier: string;
  createdAt: Date;
}

const COLUMNS = `id, name, sso_identifier AS "ssoIdentifier", created_at AS "createdAt"`;

@Injectable()
export class OrganizationsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(name: string, ssoIdentifier: string): Promise<OrganizationRecord> {
    const rows = await this.sql.rows<OrganizationRecord>(
      `INSERT INTO organizations (name, sso_identifier) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [name, ssoIdentifier],
    );
    return rows[0]!;
  }

  async findById(id: string): Promise<OrganizationRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const rows = await this.sql.rows<OrganizationRecord>(
      `SELECT ${COLUMNS} FROM organizations WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async list(): Promise<OrganizationRecord[]> {
    return this.sql.rows(`SELECT ${COLUMNS} FROM organizations ORDER BY created_at, id`);
  }

  async count(): Promise<number> {
    const rows = await this.sql.rows<{ count: number }>(`SELECT count(*)::int AS count FROM organizations`);
    return rows[0]?.count ?? 0;
  }
}
