import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change that can end a token's validity notifies `token_cache` when its transaction
 * commits, whichever channel made it (SCIM, the management API, the CLI, a migration, psql): a
 * token revoked or deleted (`t:<organization>:<token>`), its user deactivated, deleted or given
 * another role (`u:<organization>:<user>`). Each replica's token cache forgets those entries at
 * once. Last-use stamps and other columns notify nothing.
 */
export class TokenCacheNotifications1764470000000 implements MigrationInterface {
  name = 'TokenCacheNotifications1764470000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION notify_token_cache_token() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('token_cache', 't:' || OLD.organization_id || ':' || OLD.id);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION notify_token_cache_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('token_cache', 'u:' || OLD.organization_id || ':' || OLD.id);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER api_tokens_notify_token_cache
        AFTER UPDATE OF revoked_at, secret_hash, user_id, organization_id ON api_tokens
        FOR EACH ROW
        WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
              OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
        EXECUTE FUNCTION notify_token_cache_token()`);
    await db.query(`
      CREATE TRIGGER api_tokens_deleted_notify_token_cache AFTER DELETE ON api_tokens
        FOR EACH ROW EXECUTE FUNCTION notify_token_cache_token()`);
    await db.query(`
      CREATE TRIGGER users_notify_token_cache
        AFTER UPDATE OF active, global_role, organization_id ON users
        FOR EACH ROW
        WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.global_role IS DISTINCT FROM NEW.global_role
              OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
        EXECUTE FUNCTION notify_token_cache_user()`);
    await db.query(`
      CREATE TRIGGER users_deleted_notify_token_cache AFTER DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION notify_token_cache_user()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TRIGGER IF EXISTS users_deleted_notify_token_cache ON users');
    await db.query('DROP TRIGGER IF EXISTS users_notify_token_cache ON users');
    await db.query('DROP TRIGGER IF EXISTS api_tokens_deleted_notify_token_cache ON api_tokens');
    await db.query('DROP TRIGGER IF EXISTS api_tokens_notify_token_cache ON api_tokens');
    await db.query('DROP FUNCTION IF EXISTS notify_token_cache_user()');
    await db.query('DROP FUNCTION IF EXISTS notify_token_cache_token()');
  }
}
