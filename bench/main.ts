import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createBenchDatabase } from './database.js';
import { toError } from './http-load.js';
import { machineInfo } from './machine.js';
import { measurePostgresServer, parentPid } from './proc.js';
import { parseOptions, SCENARIOS, USAGE, type BenchOptions, type ScenarioId } from './options.js';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile.js';
import { formatTable, formatTargets, rounded } from './report.js';
import { benchStarted, log, UNLIMITED, type Context, type SeedContext } from './scenario.context.js';
import { addRatioTargets, BENCH_SCENARIOS } from './scenarios/index.js';
import {
  createTenant,
  seededUserIds,
  seedUsers,
  settle,
  withSecondaryIndexesRebuilt,
  type Tenant,
} from './seed.js';
import { ConnectorProcess, REPO_ROOT, runCli } from './server.js';
import { round } from './stats.js';

const has = (options: BenchOptions, ...ids: ScenarioId[]) => ids.some((id) => options.scenarios.includes(id));

async function seed(context: SeedContext): Promise<void> {
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
  for (const { id, seed: data } of BENCH_SCENARIOS) {
    if (data && has(options, id)) await timed(data.label(sizes), () => data.run(context));
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
    run: randomUUID().slice(0, 8),
    baselineRuns: {},
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
    for (const bench of BENCH_SCENARIOS) {
      if (options.scenarios.includes(bench.id)) await bench.run(context);
    }
    addRatioTargets(context);
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
