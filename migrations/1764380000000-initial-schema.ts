import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764380000000 implements MigrationInterface {
  name = 'InitialSchema1764380000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE organizations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        sso_identifier text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_organizations" PRIMARY KEY (id)
      )`);
    await db.query(`CREATE TYPE user_kind AS ENUM ('interactive', 'ci')`);
    await db.query(`
      CREATE TYPE global_role AS ENUM ('GlobalAdministrator', 'CertificateAdministrator', 'UserAdministrator',
        'ProjectAdministrator', 'GlobalReader', 'RegularUser', 'DirectorySynchronizer')`);
    await db.query(`
      CREATE TABLE users (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind user_kind NOT NULL DEFAULT 'interactive',
        user_name text NOT NULL,
        display_name text,
        external_id text,
        global_role global_role NOT NULL DEFAULT 'RegularUser',
        active boolean NOT NULL DEFAULT true,
        is_directory_synchronized boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_users" PRIMARY KEY (organization_id, id),
        CONSTRAINT "FK_users_organization" FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
      )`);
    // SCIM userName is case-insensitive (RFC 7643 4.1.1), so uniqueness and lookups go through lower().
    await db.query(
      `CREATE UNIQUE INDEX "UQ_users_organization_lower_user_name" ON users (organization_id, lower(user_name))`,
    );
    await db.query(
      `CREATE UNIQUE INDEX "UQ_users_organization_external_id" ON users (organization_id, external_id) WHERE external_id IS NOT NULL`,
    );
    await db.query(`
      CREATE TABLE api_tokens (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT "PK_api_tokens" PRIMARY KEY (organization_id, id),
        CONSTRAINT "FK_api_tokens_user" FOREIGN KEY (organization_id, user_id)
          REFERENCES users (organization_id, id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE UNIQUE INDEX "UQ_api_tokens_prefix" ON api_tokens (prefix)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE api_tokens`);
    await db.query(`DROP TABLE users`);
    await db.query(`DROP TYPE global_role`);
    await db.query(`DROP TYPE user_kind`);
    await db.query(`DROP TABLE organizations`);
  }
}
