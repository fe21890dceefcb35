import type pg from 'pg';
import { API_TOKEN, generateToken } from '#auth';

/**
 * Seeding by bulk SQL (INSERT ... SELECT generate_series), not through the SCIM API: 1,000,000
 * users through POST would take longer than the whole benchmark. The rows have the shape the
 * connector itself writes (see the migrations and UsersRepository.insertScimUser): interactive,
 * directory-synchronized users with Entra's attributes in scim_attributes, synchronized groups.
 */

/** An organization with a Directory Synchronizer token, as Entra would be configured for it. */
export interface Tenant {
  organizationId: string;
  ssoIdentifier: string;
  token: string;
}

/** The user name of seeded user `i` (1-based): unique per organization, like Entra's displayName. */
export function seededUserName(i: number): string {
  return `user${i}@bench.example`;
}

/** Same records the CLI's `organizations create` and `tokens issue` write, in one statement. */
export async function createTenant(db: pg.Pool, name: string, ssoIdentifier: string): Promise<Tenant> {
  const generated = generateToken(API_TOKEN);
  const ciUser = `ci-DirectorySynchronizer-${generated.prefix}`;
  const { rows } = await db.query<{ organizationId: string }>(
    `WITH o AS (INSERT INTO organizations (name, sso_identifier) VALUES ($1, $2) RETURNING id),
          u AS (INSERT INTO users (organization_id, kind, user_name, display_name, global_role)
                SELECT id, 'ci', $3, $3, 'DirectorySynchronizer' FROM o RETURNING organization_id, id)
     INSERT INTO api_tokens (organization_id, user_id, name, prefix, secret_hash)
     SELECT organization_id, id, $3, $4, $5 FROM u RETURNING organization_id AS "organizationId"`,
    [name, ssoIdentifier, ciUser, generated.prefix, generated.secretHash],
  );
  return { organizationId: rows[0]!.organizationId, ssoIdentifier, token: generated.token };
}

/**
 * Drops the table's indexes that back no constraint, runs the bulk load, and recreates them from
 * their own definitions (pg_get_indexdef), so the result is exactly what the migrations built.
 */
export async function withSecondaryIndexesRebuilt<T>(
  db: pg.Pool,
  table: string,
  load: () => Promise<T>,
): Promise<T> {
  const { rows: indexes } = await db.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relname = $1 AND t.relnamespace = 'public'::regnamespace
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    [table],
  );
  for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
  try {
    return await load();
  } finally {
    // Two at a time: these machines have two cores.
    const pending = [...indexes];
    const worker = async () => {
      const client = await db.connect();
      try {
        await client.query(`SET maintenance_work_mem = '256MB'`);
        for (let index = pending.shift(); index; index = pending.shift())
          await client.query(index.definition);
      } finally {
        client.release();
      }
    };
    await Promise.all([worker(), worker()]);
  }
}

/** Users `from`..`to` of the organization, as Entra's POST would have created them. */
export async function seedUsers(db: pg.Pool, tenant: Tenant, from: number, to: number, prefix = 'user') {
  await db.query(
    `INSERT INTO users (organization_id, kind, user_name, display_name, external_id, global_role, roles, active,
                        is_directory_synchronized, scim_attributes)
     SELECT $1::uuid, 'interactive', n.name, n.name, $2 || ':' || md5($1 || ':' || $5 || i)::uuid, 'RegularUser',
            '{}', true, true,
            jsonb_build_object(
              'name', jsonb_build_object('formatted', 'Bench User ' || i, 'givenName', 'Bench',
                                         'familyName', 'User ' || i),
              'emails', jsonb_build_array(jsonb_build_object('type', 'work', 'value', n.name, 'primary', true)))
       FROM generate_series($3::int, $4::int) AS i,
            LATERAL (SELECT $5 || i || '@bench.example' AS name) AS n`,
    [tenant.organizationId, tenant.ssoIdentifier, from, to, prefix],
  );
}

/** Ids of seeded users `from`..`to` (by their seeded user names), in that order. */
export async function seededUserIds(
  db: pg.Pool,
  organizationId: string,
  from: number,
  to: number,
  prefix = 'user',
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT u.id FROM generate_series($2::int, $3::int) AS i
       JOIN users u ON u.organization_id = $1 AND lower(u.user_name) = $4 || i || '@bench.example'
      ORDER BY i`,
    [organizationId, from, to, prefix],
  );
  return rows.map((row) => row.id);
}

/** A synchronized group, as Entra's POST /Groups creates it (empty). */
export async function createGroup(db: pg.Pool, organizationId: string, displayName: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO groups (organization_id, display_name, external_id, description, is_directory_synchronized)
     VALUES ($1, $2, gen_random_uuid()::text, '', true) RETURNING id`,
    [organizationId, displayName],
  );
  return rows[0]!.id;
}

/** Seeded users 1..count become members of the group. */
export async function addSeededMembers(db: pg.Pool, organizationId: string, groupId: string, count: number) {
  await db.query(
    `INSERT INTO group_members (organization_id, group_id, user_id)
     SELECT $1, $2, u.id FROM generate_series(1, $3::int) AS i
       JOIN users u ON u.organization_id = $1 AND lower(u.user_name) = 'user' || i || '@bench.example'`,
    [organizationId, groupId, count],
  );
}

/**
 * Audit rows spread evenly over the last 90 days (the default retention) and over the given
 * organizations, with a realistic mix: mostly Entra's lookups, creates and updates, a few
 * failures with details, membership PATCHes, Test connection probes and dry-run requests.
 */
export async function seedAuditEvents(db: pg.Pool, organizationIds: string[], count: number) {
  const chunk = 250_000;
  for (let from = 1; from <= count; from += chunk) {
    await db.query(
      `INSERT INTO sync_audit_events (occurred_at, organization_id, request_id, client_address, user_agent, method,
         path, query, dry_run, operation, resource_type, resource_id, external_id, user_name, display_name,
         status, outcome, scim_type, detail, duration_ms, request_body, effect)
       SELECT now() - (i::double precision / $2) * interval '90 days',
              o.id, gen_random_uuid()::text, '127.0.0.1', 'Microsoft.Identity.Provisioning/1.0',
              CASE WHEN k < 56 THEN 'GET' WHEN k < 74 OR k BETWEEN 94 AND 97 THEN 'POST' ELSE 'PATCH' END,
              '/scim/' || o.id || CASE WHEN (i / 7) % 20 = 3 THEN '/dry-run' ELSE '' END
                || CASE WHEN k BETWEEN 74 AND 89 THEN '/Users/' || r.id
                        WHEN k BETWEEN 90 AND 93 THEN '/Groups/' || r.id ELSE '/Users' END,
              CASE WHEN k < 56 THEN 'filter=userName+eq+%22' || n.name || '%22' END,
              (i / 7) % 20 = 3,
              CASE WHEN k = 0 THEN 'test-connection' WHEN k < 56 THEN 'query'
                   WHEN k < 74 OR k BETWEEN 94 AND 97 THEN 'create' ELSE 'update' END,
              CASE WHEN k BETWEEN 90 AND 93 THEN 'Group' ELSE 'User' END,
              CASE WHEN k BETWEEN 56 AND 93 THEN r.id::text END,
              CASE WHEN k BETWEEN 56 AND 89 THEN 'bench:' || r.id END,
              CASE WHEN k < 90 OR k >= 94 THEN n.name END,
              CASE WHEN k BETWEEN 90 AND 93 THEN 'Group ' || (i % 100) END,
              CASE WHEN k < 56 THEN 200 WHEN k < 74 THEN 201 WHEN k < 90 THEN 200 WHEN k < 94 THEN 204
                   WHEN k < 97 THEN 409 ELSE 400 END,
              CASE WHEN k < 94 THEN 'success' ELSE 'failure' END,
              CASE WHEN k BETWEEN 94 AND 96 THEN 'uniqueness' WHEN k >= 97 THEN 'invalidValue' END,
              CASE WHEN k BETWEEN 94 AND 96
                     THEN 'a user with userName "' || n.name || '" already exists in this organization'
                   WHEN k >= 97
                     THEN 'User "' || n.name || '" holds GlobalAdministrator and UserAdministrator; a user may hold at most one global role besides RegularUser' END,
              2 + i % 15,
              CASE WHEN k >= 56 AND k < 74 OR k >= 94
                     THEN jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
                            'userName', n.name, 'externalId', 'bench:' || r.id, 'active', true,
                            'emails', jsonb_build_array(jsonb_build_object('type', 'work', 'value', n.name, 'primary', true)))
                   WHEN k >= 74
                     THEN jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:api:messages:2.0:PatchOp'),
                            'Operations', jsonb_build_array(jsonb_build_object('op', 'Replace', 'path', 'active', 'value', 'False'))) END,
              CASE WHEN k < 56 THEN jsonb_build_object('totalResults', i % 2)
                   WHEN k < 90 AND k >= 56
                     THEN jsonb_build_object('changed', jsonb_build_object('active', jsonb_build_object('before', true, 'after', false)))
                   WHEN k < 94 THEN jsonb_build_object('membersAdded', jsonb_build_object('count', 1, 'ids', jsonb_build_array(r.id))) END
         FROM generate_series($3::int, $4::int) AS i,
              LATERAL (SELECT i % 100 AS k, $1::uuid[] AS orgs) AS c,
              LATERAL (SELECT c.orgs[1 + (i / 100) % cardinality(c.orgs)] AS id) AS o,
              LATERAL (SELECT md5('audit' || i)::uuid AS id) AS r,
              LATERAL (SELECT 'user' || (i % 100000) || '@bench.example' AS name) AS n`,
      [organizationIds, count, from, Math.min(count, from + chunk - 1)],
    );
  }
}

/** ANALYZE (and VACUUM, for the visibility map) what was seeded, then a checkpoint, so the runs start clean. */
export async function settle(db: pg.Pool, tables: string[]) {
  for (const table of tables) await db.query(`VACUUM (ANALYZE) ${table}`);
  await db.query('CHECKPOINT').catch(() => undefined);
}
