import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's change notifies the token caches only when the user holds an API token: Entra
 * deprovisioning 10,000 users sent 10,000 notifications to every replica before, each one
 * evicting nothing, stopping the cache from storing answers meanwhile and taking PostgreSQL's
 * notify-queue lock at every commit. The lookup uses the primary key's organization prefix.
 */
export class TokenCacheNotifyTokenHolders1764480000000 implements MigrationInterface {
  name = 'TokenCacheNotifyTokenHolders1764480000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION notify_token_cache_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM api_tokens t WHERE t.organization_id = OLD.organization_id AND t.user_id = OLD.id) THEN
          PERFORM pg_notify('token_cache', 'u:' || OLD.organization_id || ':' || OLD.id);
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION notify_token_cache_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('token_cache', 'u:' || OLD.organization_id || ':' || OLD.id);
        RETURN NULL;
      END $$`);
  }
}
