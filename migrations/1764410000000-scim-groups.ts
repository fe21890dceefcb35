import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ScimGroups1764410000000 implements MigrationInterface {
  name = 'ScimGroups1764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE groups (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        display_name text NOT NULL,
        external_id text,
        description text,
        is_directory_synchronized boolean NOT NULL DEFAULT false,
        scim_attributes jsonb NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_groups" PRIMARY KEY (organization_id, id),
        CONSTRAINT "FK_groups_organization" FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
      )`);
    // Entra matches groups by displayName and requires it unique; SCIM compares it case-insensitively.
    await db.query(
      `CREATE UNIQUE INDEX "UQ_groups_organization_lower_display_name" ON groups (organization_id, lower(display_name))`,
    );
    await db.query(
      `CREATE INDEX "IX_groups_organization_external_id" ON groups (organization_id, external_id) WHERE external_id IS NOT NULL`,
    );
    await db.query(`
      CREATE TABLE group_members (
        organization_id uuid NOT NULL,
        group_id uuid NOT NULL,
        user_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_group_members" PRIMARY KEY (organization_id, group_id, user_id),
        CONSTRAINT "FK_group_members_group" FOREIGN KEY (organization_id, group_id)
          REFERENCES groups (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT "FK_group_members_user" FOREIGN KEY (organization_id, user_id)
          REFERENCES users (organization_id, id) ON DELETE CASCADE
      )`);
    // "Which groups is this user in": the leave-all-groups rule and the membership probe by user.
    await db.query(`CREATE INDEX "IX_group_members_user" ON group_members (organization_id, user_id)`);
    // Set when the leave-all-groups rule deactivated the user, so joining a synchronized group again
    // reactivates them, while a deactivation Entra asked for (active=false) stays.
    await db.query(`ALTER TABLE users ADD COLUMN deactivated_by_membership boolean NOT NULL DEFAULT false`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users DROP COLUMN deactivated_by_membership`);
    await db.query(`DROP TABLE group_members`);
    await db.query(`DROP TABLE groups`);
  }
}
