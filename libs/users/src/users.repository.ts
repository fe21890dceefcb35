import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '../../persistence/src/sql.executor.js';
import type { GlobalRole } from '../../roles/src/global-role.js';
import type { UserKind } from './user.entity.js';

export interface NewUser {
  organizationId: string;
  kind: UserKind;
  userName: string;
  displayName: string | null;
  externalId: string | null;
  globalRole: GlobalRole;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async insert(user: NewUser): Promise<{ id: string }> {
    const rows = await this.sql.rows<{ id: string }>(
      `INSERT INTO users (organization_id, kind, user_name, display_name, external_id, global_role)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [user.organizationId, user.kind, user.userName, user.displayName, user.externalId, user.globalRole],
    );
    return rows[0]!;
  }
}
