import type { MigrationInterface, QueryRunner } from 'typeorm';
import { normalizeUserName } from '#users';

/**
 * userNames are now stored normalized (fullwidth folded, NFC, trimmed: `normalizeUserName`). This
 * brings earlier rows in line, so filters and uniqueness see one form. Only rows that can differ are
 * read (non-ASCII, or blank at either end). A row whose normalized name another user of its
 * organization already holds is left as it was (renaming it would break uniqueness; an operator
 * decides), and is counted in the migration's log line. Rerunnable.
 */
export class NormalizeUserNames1764460000000 implements MigrationInterface {
  name = 'NormalizeUserNames1764460000000';

  async up(db: QueryRunner): Promise<void> {
    const rows = (await db.query(
      `SELECT id, organization_id AS "organizationId", user_name AS "userName" FROM users
        WHERE user_name ~ '[^ -~]' OR user_name ~ '^\\s' OR user_name ~ '\\s$'`,
    )) as { id: string; organizationId: string; userName: string }[];
    let kept = 0;
    for (const row of rows) {
      const normalized = normalizeUserName(row.userName);
      if (normalized === row.userName || normalized === '') continue;
      const updated = (await db.query(
        `UPDATE users u SET user_name = $3
          WHERE u.organization_id = $1 AND u.id = $2
            AND NOT EXISTS (SELECT 1 FROM users o WHERE o.organization_id = $1 AND o.id <> $2
                              AND lower(o.user_name) = lower($3))
          RETURNING u.id`,
        [row.organizationId, row.id, normalized],
      )) as unknown[];
      if (updated.length === 0) kept += 1;
    }
    if (kept > 0) {
      console.warn(
        `normalize user names: ${kept} user(s) kept their name; another user holds its normal form`,
      );
    }
  }

  async down(): Promise<void> {
    // The earlier forms are not kept; the normalized names are valid for earlier versions too.
  }
}
