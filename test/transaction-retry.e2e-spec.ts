import { TransactionHost } from '@nestjs-cls/transactional';
import pg from 'pg';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { SyncAuditRecorder } from '#audit-log';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/**
 * The transaction interceptors (SCIM's DryRunInterceptor, the management API's) retry a request
 * whose transaction PostgreSQL aborted with a serialization failure (40001) or a deadlock (40P01).
 * Here both are forced for real, through the running app: a trigger that fails the first attempt
 * only (a sequence remembers it: nextval is not rolled back), and a genuine lock cycle between
 * this test's own connection and a SCIM request, built so the request's backend is the victim.
 */

interface AuditRow {
  source: string;
  method: string;
  status: number;
  outcome: string;
  operation: string | null;
  resource_type: string | null;
  resource_id: string | null;
  user_name: string | null;
  display_name: string | null;
  scim_type: string | null;
  detail: string | null;
  effect: { changed?: Record<string, { before: unknown; after: unknown }> } | null;
}

function codeOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const record = error as { code?: unknown; driverError?: { code?: unknown } };
  return record.code ?? record.driverError?.code;
}

/** The status, with the body in the message when it is not the one expected. */
function expectStatus(response: Response, status: number): void {
  expect(response.status, `${response.request.method} ${response.request.url}: ${response.text}`).toBe(
    status,
  );
}

describe('serialization failures and deadlocks are retried end to end', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let adminToken: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    scim = scimClient(t, org.organizationId, org.token);
    const admin = await cli(
      t.db.url,
      'tokens',
      'issue',
      '--organization',
      org.organizationId,
      '--role',
      'GlobalAdministrator',
      '--json',
    );
    adminToken = String(admin.json().token);
    // Fails the row's write once per sequence (the trigger's argument): the first nextval is 1.
    await t.db.query(`
      CREATE FUNCTION test_fail_first_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval(TG_ARGV[0]::regclass) = 1 THEN
          RAISE EXCEPTION 'forced serialization failure (first attempt)' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
  });
  afterAll(async () => {
    await t.close();
  });

  /** How many times the sequence was drawn from: nextval survives the rollback of its transaction. */
  const drawn = async (sequence: string): Promise<number> => {
    const [row] = await t.db.query<{ n: string }>(
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${sequence}`,
    );
    return Number(row!.n);
  };

  /**
   * A trigger on `table` that raises 40001 the first time a row matching `when` is inserted, and
   * lets every later one through: BEFORE INSERT, or (`atCommit`) a deferred constraint trigger, so
   * the failure comes from the COMMIT. Returns how many times it fired.
   */
  const failFirstAttempt = async (
    table: string,
    when: string,
    { atCommit = false } = {},
  ): Promise<() => Promise<number>> => {
    seq += 1;
    const sequence = `test_attempts_${seq}`;
    const trigger = `test_fail_first_${seq}`;
    await t.db.query(`CREATE SEQUENCE ${sequence}`);
    await t.db.query(
      `CREATE ${atCommit ? 'CONSTRAINT ' : ''}TRIGGER ${trigger}
         ${atCommit ? 'AFTER INSERT' : 'BEFORE INSERT'} ON ${table}
         ${atCommit ? 'DEFERRABLE INITIALLY DEFERRED' : ''}
         FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION test_fail_first_attempt('${sequence}')`,
    );
    onTestFinished(async () => {
      await t.db.query(`DROP TRIGGER ${trigger} ON ${table}`);
      await t.db.query(`DROP SEQUENCE ${sequence}`);
    });
    return () => drawn(sequence);
  };

  /** The SQLSTATE of every transaction that failed while the test ran (the interceptors' attempts). */
  const watchTransactions = (): (() => unknown[]) => {
    const host = t.app.get(TransactionHost);
    const spy = vi.spyOn(host, 'withTransaction');
    onTestFinished(() => spy.mockRestore());
    return () =>
      spy.mock.settledResults
        .filter((result) => result.type === 'rejected')
        .map((result) => codeOf(result.value));
  };

  /** Every audit row of one request, once the rows written after responses are in. */
  const auditRows = async (requestId: string): Promise<AuditRow[]> => {
    await t.app.get(SyncAuditRecorder).flush();
    return t.db.query<AuditRow>(
      `SELECT source, method, status, outcome, operation, resource_type, resource_id, user_name, display_name,
              scim_type, detail, effect
         FROM sync_audit_events WHERE request_id = $1`,
      [requestId],
    );
  };

  const createUser = async (userName: string): Promise<string> => {
    seq += 1;
    const response = await scim.post('/Users', entraUserBody({ externalId: `acme:retry-${seq}`, userName }));
    expectStatus(response, 201);
    return String(response.body.id);
  };

  const usersNamed = (userName: string) =>
    t.db.query<{ id: string }>(
      'SELECT id FROM users WHERE organization_id = $1 AND lower(user_name) = lower($2)',
      [org.organizationId, userName],
    );

  it('SCIM: a create whose INSERT fails with 40001 is run again and answers 201, written and audited once', async () => {
    const userName = 'serialization@acme.test';
    const fired = await failFirstAttempt('users', `NEW.user_name = '${userName}'`);
    const failures = watchTransactions();

    const response = await scim
      .post('/Users', entraUserBody({ externalId: 'acme:serialization', userName }))
      .set('x-request-id', 'retry-serialization-create');

    expectStatus(response, 201);
    expect(response.body.userName).toBe(userName);
    expect(await fired()).toBe(2);
    expect(failures()).toEqual(['40001']);
    expect(await usersNamed(userName)).toEqual([{ id: response.body.id }]);
    const rows = await auditRows('retry-serialization-create');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'scim',
      method: 'POST',
      status: 201,
      outcome: 'success',
      operation: 'create',
      resource_type: 'User',
      resource_id: response.body.id,
      user_name: userName,
      scim_type: null,
      detail: null,
    });
    expect(rows[0]!.effect?.changed?.userName).toEqual({ before: null, after: userName });
  });

  it('SCIM: a create whose COMMIT fails with 40001 (its audit row already inserted) is run again, audited once', async () => {
    const userName = 'commit-serialization@acme.test';
    const fired = await failFirstAttempt('users', `NEW.user_name = '${userName}'`, { atCommit: true });
    const failures = watchTransactions();

    const response = await scim
      .post('/Users', entraUserBody({ externalId: 'acme:commit-serialization', userName }))
      .set('x-request-id', 'retry-serialization-commit');

    expectStatus(response, 201);
    expect(await fired()).toBe(2);
    expect(failures()).toEqual(['40001']);
    expect(await usersNamed(userName)).toEqual([{ id: response.body.id }]);
    const rows = await auditRows('retry-serialization-commit');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 201,
      outcome: 'success',
      operation: 'create',
      resource_id: response.body.id,
      user_name: userName,
    });
  });

  it('SCIM: a group PATCH whose audit row INSERT fails with 40001 is run again instead of answering 503', async () => {
    const member = await createUser('audit-serialization@acme.test');
    const created = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Retried group' });
    expectStatus(created, 201);
    const groupId = String(created.body.id);
    const fired = await failFirstAttempt('sync_audit_events', `NEW.request_id = 'retry-serialization-audit'`);
    const failures = watchTransactions();

    // The first attempt adds the member and records it, then fails on its audit row.
    const response = await scim
      .patchOps(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: member }] }])
      .set('x-request-id', 'retry-serialization-audit');

    expectStatus(response, 204);
    expect(await fired()).toBe(2);
    expect(failures()).toEqual(['40001']);
    const members = await t.db.query<{ user_id: string }>(
      'SELECT user_id FROM group_members WHERE organization_id = $1 AND group_id = $2',
      [org.organizationId, groupId],
    );
    expect(members).toEqual([{ user_id: member }]);
    const rows = await auditRows('retry-serialization-audit');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      method: 'PATCH',
      status: 204,
      outcome: 'success',
      operation: 'update',
      resource_type: 'Group',
      resource_id: groupId,
    });
    // What the retried attempt did, not the sum of both attempts.
    expect(rows[0]!.effect).toEqual({ membersAdded: { count: 1, ids: [member] } });
  });

  it('SCIM: a PATCH chosen as the victim of a real deadlock with another transaction is run again and succeeds', async () => {
    const oldName = 'deadlock-a@acme.test';
    const newName = 'deadlock-b@acme.test';
    const gate = 730_001;
    const id = await createUser(oldName);
    const [before] = await t.db.query<{ version: number }>('SELECT version FROM users WHERE id = $1', [id]);

    // Between the PATCH's row lock (SELECT ... FOR UPDATE) and its UPDATE's unique-index check,
    // the request counts its attempt and waits for an advisory lock this test holds: the gate
    // lets the test queue on the row before the request queues on the test (see below).
    await t.db.query('CREATE SEQUENCE test_deadlock_attempts');
    await t.db.query(`
      CREATE FUNCTION test_deadlock_gate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM nextval('test_deadlock_attempts');
        PERFORM pg_advisory_xact_lock(${gate});
        RETURN NEW;
      END $$`);
    await t.db.query(
      `CREATE TRIGGER test_deadlock_gate BEFORE UPDATE ON users FOR EACH ROW
       WHEN (OLD.user_name IS DISTINCT FROM NEW.user_name) EXECUTE FUNCTION test_deadlock_gate()`,
    );
    const gateKeeper = new pg.Client({ connectionString: t.db.url });
    const holder = new pg.Client({ connectionString: t.db.url });
    onTestFinished(async () => {
      await Promise.allSettled([gateKeeper.end(), holder.end()]);
      await t.db.query('DROP TRIGGER test_deadlock_gate ON users');
      await t.db.query('DROP FUNCTION test_deadlock_gate()');
      await t.db.query('DROP SEQUENCE test_deadlock_attempts');
    });
    await gateKeeper.connect();
    await holder.connect();
    const pidOf = async (client: pg.Client) =>
      (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const gatePid = await pidOf(gateKeeper);
    const holderPid = await pidOf(holder);
    /** The backends of this database that wait for a lock `pid` holds. */
    const blockedBy = async (pid: number) =>
      (
        await t.db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))`,
          [pid],
        )
      ).map((row) => row.pid);
    const waitUntil = (what: string, check: () => Promise<boolean>) =>
      vi.waitFor(
        async () => {
          if (!(await check())) throw new Error(`still waiting until ${what}`);
        },
        { timeout: 15_000, interval: 5 },
      );
    const failures = watchTransactions();

    await gateKeeper.query('SELECT pg_advisory_lock($1)', [gate]);
    // The test's transaction claims the new userName (uncommitted): the PATCH's UPDATE will have to
    // wait for it on the unique index. Its deadlock_timeout is far longer than the server's 1s, so
    // only the request's backend runs the deadlock check in time: the request is the victim.
    await holder.query('BEGIN');
    await holder.query("SET LOCAL deadlock_timeout = '30s'");
    const [claim] = (
      await holder.query<{ id: string }>(
        'INSERT INTO users (organization_id, user_name) VALUES ($1, $2) RETURNING id',
        [org.organizationId, newName],
      )
    ).rows;

    let answered = false;
    const responding = scim
      .patchOps(`/Users/${id}`, [{ op: 'replace', path: 'userName', value: newName }])
      .set('x-request-id', 'retry-deadlock')
      .then((response) => {
        answered = true;
        return response;
      });

    // 1. The request holds the user row and waits at the gate.
    let requestPid = 0;
    await waitUntil('the request waits at the gate', async () => {
      requestPid = (await blockedBy(gatePid))[0] ?? 0;
      return requestPid !== 0;
    });
    // 2. The test queues for that row: it waits for the request.
    const closing = holder.query('UPDATE users SET display_name = $2 WHERE id = $1', [id, 'Set by the test']);
    await waitUntil('the test waits for the request', async () =>
      (await blockedBy(requestPid)).includes(holderPid),
    );
    // 3. The gate opens: the request's UPDATE now waits for the test's claim on the userName. That
    // closes the cycle, and the request's backend started waiting last, so its deadlock check
    // (after the server's deadlock_timeout) finds it and aborts the request's transaction.
    await gateKeeper.query('SELECT pg_advisory_unlock($1)', [gate]);
    const closed = await closing;
    expect(closed.rowCount).toBe(1);

    // 4. The retried attempt waits for the row the test now holds; the test gives up its claim on
    // the userName and commits.
    await waitUntil('the retried request waits for the test (or has answered)', async () =>
      answered ? true : (await blockedBy(holderPid)).length > 0,
    );
    await holder.query('DELETE FROM users WHERE id = $1', [claim!.id]);
    await holder.query('COMMIT');

    const response = await responding;
    expectStatus(response, 200);
    expect(failures()).toEqual(['40P01']);
    expect(await drawn('test_deadlock_attempts')).toBe(2);
    // The retry ran from the start: it saw the test's committed change and kept it.
    expect(response.body).toMatchObject({ id, userName: newName, displayName: 'Set by the test' });
    const [after] = await t.db.query<{ user_name: string; display_name: string; version: number }>(
      'SELECT user_name, display_name, version FROM users WHERE id = $1',
      [id],
    );
    expect(after).toEqual({
      user_name: newName,
      display_name: 'Set by the test',
      version: before!.version + 1,
    });
    expect(await usersNamed(newName)).toEqual([{ id }]);
    const rows = await auditRows('retry-deadlock');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      method: 'PATCH',
      status: 200,
      outcome: 'success',
      operation: 'update',
      resource_id: id,
      user_name: newName,
    });
    expect(rows[0]!.effect?.changed).toEqual({ userName: { before: oldName, after: newName } });
  });

  it('management API: a create whose INSERT fails with 40001 is run again and answers 201, written and recorded once', async () => {
    const name = 'Retried project';
    const fired = await failFirstAttempt('projects', `NEW.name = '${name}'`);
    const failures = watchTransactions();

    const response = await t
      .http()
      .post(`/api/v1/organizations/${org.organizationId}/projects`)
      .set('Authorization', `Bearer ${adminToken}`)
      .set('x-request-id', 'retry-serialization-management')
      .send({ name });

    expectStatus(response, 201);
    expect(await fired()).toBe(2);
    expect(failures()).toEqual(['40001']);
    const projects = await t.db.query<{ id: string }>(
      'SELECT id FROM projects WHERE organization_id = $1 AND name = $2',
      [org.organizationId, name],
    );
    expect(projects).toEqual([{ id: response.body.id }]);
    const rows = await auditRows('retry-serialization-management');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'manual',
      method: 'POST',
      status: 201,
      outcome: 'success',
      operation: 'create',
      resource_type: 'Project',
      resource_id: response.body.id,
    });
  });

  it('management API: a change whose audit row INSERT fails with 40001 is run again instead of answering 503', async () => {
    const base = `/api/v1/organizations/${org.organizationId}/projects`;
    const created = await t
      .http()
      .post(base)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: 'Project to rename' });
    expectStatus(created, 201);
    const projectId = String(created.body.id);
    const fired = await failFirstAttempt('sync_audit_events', `NEW.request_id = 'retry-management-audit'`);
    const failures = watchTransactions();

    const response = await t
      .http()
      .patch(`${base}/${projectId}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .set('x-request-id', 'retry-management-audit')
      .send({ name: 'Renamed project' });

    expectStatus(response, 200);
    expect(await fired()).toBe(2);
    expect(failures()).toEqual(['40001']);
    expect(
      await t.db.query('SELECT name FROM projects WHERE organization_id = $1 AND id = $2', [
        org.organizationId,
        projectId,
      ]),
    ).toEqual([{ name: 'Renamed project' }]);
    const rows = await auditRows('retry-management-audit');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'manual',
      method: 'PATCH',
      status: 200,
      outcome: 'success',
      operation: 'update',
      resource_type: 'Project',
      resource_id: projectId,
    });
    expect(rows[0]!.effect?.changed).toEqual({
      name: { before: 'Project to rename', after: 'Renamed project' },
    });
  });
});
