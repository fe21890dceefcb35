import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { createUserBody } from './entra.js';
import type { Measurement } from './http-load.js';
import { postgresCpuMs } from './proc.js';
import { seededUserName } from './seed.js';
import { LatencyRecorder, percentile } from './stats.js';

const execFileAsync = promisify(execFile);

/**
 * The limit the connector is compared with: the same database work done by a bare client at the
 * same concurrency. Both statements are the connector's own (UsersRepository, AuditEventsWriter)
 * minus what only the connector needs (token check, transaction per request, revival probe).
 */

/** UsersRepository's column list: the baseline reads what the connector reads. */
const USER_COLUMNS = `u.id, u.organization_id AS "organizationId", u.kind, u.user_name AS "userName",
  u.display_name AS "displayName", u.external_id AS "externalId", u.global_role AS "globalRole", u.roles,
  u.active, u.is_directory_synchronized AS "isDirectorySynchronized", u.scim_attributes AS "scimAttributes",
  u.version, u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export const POINT_SELECT_SQL = `SELECT ${USER_COLUMNS} FROM users u
  WHERE u.organization_id = $1 AND u.kind = 'interactive' AND u.scim_deleted_at IS NULL
    AND lower(u.user_name) = lower($2)`;

const INSERT_USER_SQL = `INSERT INTO users AS u (organization_id, kind, user_name, display_name, external_id, global_role,
    roles, active, is_directory_synchronized, scim_attributes)
  VALUES ($1, 'interactive', $2, $2, $3, 'RegularUser', '{}', true, true, $4) RETURNING u.id`;

const INSERT_AUDIT_SQL = `INSERT INTO sync_audit_events (occurred_at, organization_id, token_id, user_id, request_id,
    client_address, user_agent, method, path, query, dry_run, operation, resource_type, resource_id, external_id,
    user_name, display_name, status, outcome, scim_type, detail, duration_ms, request_body, effect)
  VALUES (now(), $1, NULL, NULL, $2, '127.0.0.1', 'bench', 'POST', $3, NULL, false, 'create', 'User', $4, $5, $6, $6,
    201, 'success', NULL, NULL, 3, $7::jsonb, $8::jsonb)`;

/** What the connector stores for a created user, so both sides write rows of the same size. */
function insertPayload(organizationId: string) {
  const userName = `baseline-${randomUUID()}`;
  const externalId = `bench:${randomUUID()}`;
  const body = createUserBody(userName, externalId);
  const attributes = JSON.stringify({
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    emails: [{ primary: true, type: 'work', value: `${userName}@contoso.example` }],
  });
  const effect = JSON.stringify({
    changed: {
      userName: { before: null, after: userName },
      externalId: { before: null, after: externalId },
      active: { before: null, after: true },
      scimAttributes: { before: null, after: JSON.parse(attributes) as unknown },
    },
  });
  return { userName, externalId, body, attributes, effect, path: `/scim/${organizationId}/Users` };
}

export interface BaselineSetup {
  databaseUrl: string;
  organizationId: string;
  ssoIdentifier: string;
  /** Seeded users 1..users exist in the organization (seededUserName). */
  users: number;
  connections: number;
  durationSec: number;
  warmupSec: number;
  measurePostgres: boolean;
}

type Operation = (client: pg.Client) => Promise<void>;

const OPERATIONS: Record<'point-select' | 'insert-audit', (setup: BaselineSetup) => Operation> = {
  'point-select': (setup) => async (client) => {
    const name = seededUserName(1 + Math.floor(Math.random() * setup.users));
    const { rows } = await client.query(POINT_SELECT_SQL, [setup.organizationId, name]);
    if (rows.length !== 1) throw new Error(`point select found ${rows.length} rows for ${name}`);
  },
  'insert-audit': (setup) => async (client) => {
    const payload = insertPayload(setup.organizationId);
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ id: string }>(INSERT_USER_SQL, [
        setup.organizationId,
        payload.userName,
        payload.externalId,
        payload.attributes,
      ]);
      await client.query(INSERT_AUDIT_SQL, [
        setup.organizationId,
        randomUUID(),
        payload.path,
        rows[0]!.id,
        payload.externalId,
        payload.userName,
        payload.body,
        payload.effect,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  },
};

export type BaselineKind = keyof typeof OPERATIONS;

/** node-postgres, one client per connection, each running the operation back to back. */
export async function nodePostgresBaseline(kind: BaselineKind, setup: BaselineSetup): Promise<Measurement> {
  const operation = OPERATIONS[kind](setup);
  const clients = await Promise.all(
    Array.from({ length: setup.connections }, async () => {
      const client = new pg.Client({ connectionString: setup.databaseUrl });
      await client.connect();
      return client;
    }),
  );
  try {
    const loop = async (seconds: number, latencies?: LatencyRecorder) => {
      let failures = 0;
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(
        clients.map(async (client) => {
          while (performance.now() < deadline) {
            const started = performance.now();
            try {
              await operation(client);
              latencies?.record(performance.now() - started);
            } catch {
              failures += 1;
            }
          }
        }),
      );
      return failures;
    };
    await loop(setup.warmupSec);
    const latencies = new LatencyRecorder();
    const pgBefore = setup.measurePostgres ? postgresCpuMs() : 0;
    const started = performance.now();
    const failures = await loop(setup.durationSec, latencies);
    const elapsedSec = (performance.now() - started) / 1000;
    await setTimeout(100);
    const pgMs = setup.measurePostgres ? postgresCpuMs() - pgBefore : undefined;
    return {
      connections: setup.connections,
      durationSec: elapsedSec,
      requests: latencies.count,
      rps: latencies.count / elapsedSec,
      latency: latencies.summary(),
      statuses: { ok: latencies.count, failed: failures },
      failures,
      postgresCpuMsPerRequest: pgMs !== undefined && latencies.count ? pgMs / latencies.count : undefined,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/** pgbench scripts doing the very same statements (extended protocol, parameters bound as the app does). */
const PGBENCH_SCRIPTS: Record<BaselineKind, string> = {
  'point-select': `\\set i random(1, :users)
SELECT ${USER_COLUMNS.replace(/\n\s*/g, ' ')} FROM users u
 WHERE u.organization_id = :org AND u.kind = 'interactive' AND u.scim_deleted_at IS NULL
   AND lower(u.user_name) = lower(concat('user', :i::int, '@bench.example'));
`,
  'insert-audit': `BEGIN;
INSERT INTO users AS u (organization_id, kind, user_name, display_name, external_id, global_role, roles, active,
    is_directory_synchronized, scim_attributes)
  VALUES (:org, 'interactive', concat('pgbench-', gen_random_uuid()), 'pgbench user',
    concat(:sso::text, ':', gen_random_uuid()), 'RegularUser', '{}', true, true, :attributes::jsonb)
  RETURNING u.id AS uid, u.user_name AS uname \\gset
INSERT INTO sync_audit_events (occurred_at, organization_id, token_id, user_id, request_id, client_address, user_agent,
    method, path, query, dry_run, operation, resource_type, resource_id, external_id, user_name, display_name, status,
    outcome, scim_type, detail, duration_ms, request_body, effect)
  VALUES (now(), :org, NULL, NULL, gen_random_uuid()::text, '127.0.0.1', 'pgbench', 'POST', :path::text, NULL, false,
    'create', 'User', :uid::text, NULL, :uname::text, :uname::text, 201, 'success', NULL, NULL, 3, :body::jsonb,
    :effect::jsonb);
END;
`,
};

export function pgbenchAvailable(): Promise<boolean> {
  return execFileAsync('pgbench', ['--version']).then(
    () => true,
    () => false,
  );
}

/** The same baseline through `pgbench -M extended -c <connections> -j 2`, latencies from its per-transaction log. */
export async function pgbenchBaseline(kind: BaselineKind, setup: BaselineSetup): Promise<Measurement> {
  const folder = await mkdtemp(join(tmpdir(), 'scim-bench-pgbench-'));
  try {
    const script = join(folder, `${kind}.sql`);
    await writeFile(script, PGBENCH_SCRIPTS[kind]);
    const payload = insertPayload(setup.organizationId);
    const variables = {
      org: setup.organizationId,
      users: String(setup.users),
      sso: setup.ssoIdentifier,
      attributes: payload.attributes,
      body: payload.body,
      effect: payload.effect,
      path: payload.path,
    };
    const args = (seconds: number, log: boolean) => [
      '-n',
      '-M',
      'extended',
      '-c',
      String(setup.connections),
      '-j',
      '2',
      '-T',
      String(Math.max(1, Math.round(seconds))),
      '-f',
      script,
      ...Object.entries(variables).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
      ...(log ? ['-l', `--log-prefix=${join(folder, 'log')}`] : []),
      setup.databaseUrl,
    ];
    await execFileAsync('pgbench', args(setup.warmupSec, false), { maxBuffer: 16 * 1024 * 1024 });
    const pgBefore = setup.measurePostgres ? postgresCpuMs() : 0;
    const { stdout } = await execFileAsync('pgbench', args(setup.durationSec, true), {
      maxBuffer: 16 * 1024 * 1024,
    });
    await setTimeout(100);
    const pgMs = setup.measurePostgres ? postgresCpuMs() - pgBefore : undefined;
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    // Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
    const latenciesMs: number[] = [];
    for (const file of (await readdir(folder)).filter((name) => name.startsWith('log.'))) {
      for (const line of (await readFile(join(folder, file), 'utf8')).split('\n')) {
        const time = Number(line.split(' ')[2]);
        if (Number.isFinite(time) && line) latenciesMs.push(time / 1000);
      }
    }
    latenciesMs.sort((a, b) => a - b);
    return {
      connections: setup.connections,
      durationSec: setup.durationSec,
      requests: processed,
      rps: tps,
      latency: {
        p50: percentile(latenciesMs, 0.5),
        p90: percentile(latenciesMs, 0.9),
        p99: percentile(latenciesMs, 0.99),
        max: latenciesMs.length ? latenciesMs[latenciesMs.length - 1]! : NaN,
        mean: latenciesMs.reduce((sum, value) => sum + value, 0) / (latenciesMs.length || 1),
      },
      statuses: { ok: processed, failed },
      failures: failed,
      postgresCpuMsPerRequest: pgMs !== undefined && processed ? pgMs / processed : undefined,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
