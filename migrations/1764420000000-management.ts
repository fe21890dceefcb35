import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hybrid management: groups inside manual groups, projects, signing policies and the permissions
 * granted on them to users and groups. Every table leads its key with organization_id and every
 * foreign key carries it, so rows of two organizations can never reference each other.
 */
export class Management1764420000000 implements MigrationInterface {
  name = 'Management1764420000000';

  async up(db: QueryRunner): Promise<void> {
    // Group-in-group memberships, apart from group_members (users only, SCIM's table).
    await db.query(`
      CREATE TABLE group_nested_groups (
        organization_id uuid NOT NULL,
        parent_group_id uuid NOT NULL,
        child_group_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_group_nested_groups" PRIMARY KEY (organization_id, parent_group_id, child_group_id),
        CONSTRAINT "FK_group_nested_groups_parent" FOREIGN KEY (organization_id, parent_group_id)
          REFERENCES groups (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT "FK_group_nested_groups_child" FOREIGN KEY (organization_id, child_group_id)
          REFERENCES groups (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT "CHK_group_nested_groups_not_self" CHECK (parent_group_id <> child_group_id)
      )`);
    // Effective permissions climb from a group to the groups containing it.
    await db.query(
      `CREATE INDEX "IX_group_nested_groups_child" ON group_nested_groups (organization_id, child_group_id)`,
    );

    await db.query(`
      CREATE TABLE projects (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_projects" PRIMARY KEY (organization_id, id),
        CONSTRAINT "FK_projects_organization" FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE UNIQUE INDEX "UQ_projects_organization_lower_name" ON projects (organization_id, lower(name))`,
    );

    await db.query(`
      CREATE TABLE signing_policies (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        name text NOT NULL,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_signing_policies" PRIMARY KEY (organization_id, id),
        CONSTRAINT "UQ_signing_policies_project_id" UNIQUE (organization_id, project_id, id),
        CONSTRAINT "FK_signing_policies_project" FOREIGN KEY (organization_id, project_id)
          REFERENCES projects (organization_id, id) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE UNIQUE INDEX "UQ_signing_policies_project_lower_name" ON signing_policies (organization_id, project_id, lower(name))`,
    );

    await db.query(`CREATE TYPE permission_kind AS ENUM ('Configurator', 'Submitter', 'Approver')`);
    await db.query(`
      CREATE TABLE permissions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        signing_policy_id uuid,
        permission permission_kind NOT NULL,
        user_id uuid,
        group_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_permissions" PRIMARY KEY (organization_id, id),
        CONSTRAINT "FK_permissions_project" FOREIGN KEY (organization_id, project_id)
          REFERENCES projects (organization_id, id) ON DELETE CASCADE,
        -- MATCH SIMPLE: not checked for project permissions (signing_policy_id NULL); for policy
        -- permissions it pins the policy to the row's own project.
        CONSTRAINT "FK_permissions_signing_policy" FOREIGN KEY (organization_id, project_id, signing_policy_id)
          REFERENCES signing_policies (organization_id, project_id, id) ON DELETE CASCADE,
        CONSTRAINT "FK_permissions_user" FOREIGN KEY (organization_id, user_id)
          REFERENCES users (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT "FK_permissions_group" FOREIGN KEY (organization_id, group_id)
          REFERENCES groups (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT "CHK_permissions_one_principal" CHECK (num_nonnulls(user_id, group_id) = 1),
        CONSTRAINT "CHK_permissions_target" CHECK (
          (signing_policy_id IS NULL AND permission = 'Configurator')
          OR (signing_policy_id IS NOT NULL AND permission IN ('Submitter', 'Approver')))
      )`);
    // One grant per (principal, target, permission). NULLS NOT DISTINCT (PostgreSQL 15+) makes two
    // project-level grants (signing_policy_id NULL) collide. Leading with the principal, they are also
    // the lookups of effective permissions ("what is granted to this user / these groups").
    await db.query(
      `CREATE UNIQUE INDEX "UQ_permissions_user_grant" ON permissions
         (organization_id, user_id, project_id, signing_policy_id, permission) NULLS NOT DISTINCT
         WHERE user_id IS NOT NULL`,
    );
    await db.query(
      `CREATE UNIQUE INDEX "UQ_permissions_group_grant" ON permissions
         (organization_id, group_id, project_id, signing_policy_id, permission) NULLS NOT DISTINCT
         WHERE group_id IS NOT NULL`,
    );
    // A project's (and a policy's) grants: lists, project members, and the cascades of both deletes.
    await db.query(
      `CREATE INDEX "IX_permissions_target" ON permissions (organization_id, project_id, signing_policy_id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE permissions`);
    await db.query(`DROP TYPE permission_kind`);
    await db.query(`DROP TABLE signing_policies`);
    await db.query(`DROP TABLE projects`);
    await db.query(`DROP TABLE group_nested_groups`);
  }
}
