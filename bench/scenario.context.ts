import { setTimeout } from 'node:timers/promises';
import type autocannon from 'autocannon';
import type pg from 'pg';
import {
  nodePostgresBaseline,
  pgbenchAvailable,
  pgbenchBaseline,
  type BaselineKind,
  type BaselineSetup,
} from './baselines.js';
import type { BenchDatabase } from './database.js';
import { SCIM_JSON } from './entra.js';
import { runHttpLoad, toError, type Measurement, type ServerPeak } from './http-load.js';
import type { BenchOptions, ScenarioId, Sizes } from './options.js';
import { postgresMeasured } from './proc.js';
import type { ResultRow, TargetCheck } from './report.js';
import type { Tenant } from './seed.js';
import type { ConnectorProcess } from './server.js';

export const benchStarted = performance.now();
export const log = (line: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
  );

/** The per-organization limits switched off (docs/limits.md). */
export const UNLIMITED = { SCIM_ORG_CONCURRENCY: '0', SCIM_ORG_RATE_PER_SECOND: '0' };

export interface Baselines {
  nodePg?: Measurement;
  pgbench?: Measurement;
}

export interface Context {
  options: BenchOptions;
  database: BenchDatabase;
  db: pg.Pool;
  server: ConnectorProcess;
  main: Tenant;
  tenants: Tenant[];
  populationIds: string[];
  /** A random tag in the names this run's scenarios create (users, groups, cycle tenants). */
  run: string;
  /** Measured by the first scenario that compares with them (see measuredBaselines). */
  baselineRuns: Partial<Record<BaselineKind, Baselines>>;
  rows: ResultRow[];
  extras: Record<string, unknown>;
  targets: TargetCheck[];
  failures: string[];
}

/** What seeding is given: the data side of the context, no connector (seeding is plain SQL). */
export type SeedContext = Omit<Context, 'server'>;

/** One scenario of SCENARIOS: what `--only <id>` runs. */
export interface BenchScenario {
  id: ScenarioId;
  title: string;
  /** Data of its own, seeded (and timed, under label) with the users, before any scenario runs. */
  seed?: { label(sizes: Sizes): string; run(context: SeedContext): Promise<void> };
  run(context: Context): Promise<void>;
}

export const random = (n: number) => Math.floor(Math.random() * n);
export const scimPath = (tenant: Tenant, path: string) => `/scim/${tenant.organizationId}${path}`;

export const serverPeak = (server: ConnectorProcess): ServerPeak => ({
  reset: () => server.resetPeak(),
  read: () => server.hwmMb(),
});

/** One request with fetch, to check a scenario's request is answered as expected before loading it. */
export async function probe(
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

export async function measureHttp(
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

export function addRow(context: Context, row: ResultRow): void {
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
export async function scenario(context: Context, label: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = toError(error).message;
    context.failures.push(`${label}: ${message}`);
    context.rows.push({ id: label, label, kind: 'scenario', note: `FAILED: ${message.slice(0, 160)}` });
    log(`${label} FAILED: ${message}`);
  }
}

export const authHeaders = (token: string, body = false) => ({
  authorization: `Bearer ${token}`,
  ...(body ? { 'content-type': SCIM_JSON } : {}),
});

export async function baselines(context: Context, kind: BaselineKind, label: string): Promise<Baselines> {
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
  const result: Baselines = {};
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

/**
 * The baselines of one kind, measured once per run whichever of the scenarios comparing with them
 * come first (1 and 1b share the point SELECT; 2, 7 and 3 the insert+audit). Outside `scenario`:
 * a run that cannot measure its baselines stops.
 */
export async function measuredBaselines(
  context: Context,
  kind: BaselineKind,
  label: string,
): Promise<Baselines> {
  context.baselineRuns[kind] ??= await baselines(context, kind, label);
  return context.baselineRuns[kind];
}

export function ratioRow(row: ResultRow, base: Baselines | undefined): ResultRow {
  const rps = row.measurement?.rps;
  if (rps !== undefined && base?.nodePg) row.ratioToNodePostgres = rps / base.nodePg.rps;
  if (rps !== undefined && base?.pgbench) row.ratioToPgbench = rps / base.pgbench.rps;
  return row;
}

export function ratioTarget(name: string, row: ResultRow | undefined, minimum: number): TargetCheck {
  const ratio = row?.ratioToPgbench ?? row?.ratioToNodePostgres;
  const against = row?.ratioToPgbench !== undefined ? 'pgbench' : 'node-postgres';
  return {
    name,
    target: `≥ ${minimum.toFixed(2)} of the baseline`,
    value: ratio === undefined ? 'not measured' : `${ratio.toFixed(2)} of the ${against} baseline`,
    met: ratio === undefined ? undefined : ratio >= minimum,
  };
}
