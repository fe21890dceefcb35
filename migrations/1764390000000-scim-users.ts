import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ScimUsers1764390000000 implements MigrationInterface {
  name = 'ScimUsers1764390000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN roles text[] NOT NULL DEFAULT '{}',
        ADD COLUMN scim_attributes jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD COLUMN scim_deleted_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users DROP COLUMN scim_deleted_at, DROP COLUMN version, DROP COLUMN scim_attributes, DROP COLUMN roles`);
  }
}
