import { parseArgs } from 'node:util';

/**
 * The scenarios of issue 8 (1-8) and the figures moved out of the tests (9, 10), by the name
 * `--only` (or a bare argument) selects them.
 */
export const SCENARIOS = {
  'users-get': '1. GET /Users?filter=userName eq "<random existing>" (one organization)',
  'users-get-orgs': '1. the same across 10 organizations (random organization and token per request)',
  'users-post': "2. POST /Users with Entra's create body, unique names",
  'users-patch': "3. PATCH /Users/{id} with Entra's disable/enable body",
  groups: '4. membership PATCH Add then Remove of one member: large group vs 10-member group',
  'groups-bulk-add': '5. one PATCH adding many members to a group: time and server peak RSS',
  cycle: '6. Entra initial cycle replay, at 1 connection and at 32 tenants at once',
  'dry-run-post': '7. POST /Users on the dry-run Tenant URL (twin of 2)',
  audit: '8. audit API: filtered list and organization summary',
  readiness: '9. GET /health/ready with the database up, refusing connections, and hung (second connector)',
  redaction: '10. audit redaction of hostile request bodies, against ordinary text and 4x the size',
  fairness:
    "11. one organization floods at 64 connections (valid token; wrong token) while another syncs: the quiet one's p99 against its p99 alone",
  'heavy-reads':
    "12. 200 connections reading a 50,000-member group and 20 listing groups with members: peak RSS, /health/live and another organization's GET /Users p99",
} as const;

export type ScenarioId = keyof typeof SCENARIOS;

/**
 * Left out of --quick unless named: scenario 9 starts a second connector and waits out the
 * readiness deadline, and scenario 12 starts one and floods it with large responses: seconds a
 * quick run does not spend.
 */
const NOT_QUICK: readonly ScenarioId[] = ['readiness', 'heavy-reads'];

const ALIASES: Record<string, ScenarioId[]> = {
  '1': ['users-get', 'users-get-orgs'],
  '2': ['users-post'],
  '3': ['users-patch'],
  '4': ['groups'],
  '5': ['groups-bulk-add'],
  '6': ['cycle'],
  '7': ['dry-run-post'],
  '8': ['audit'],
  '9': ['readiness'],
  '10': ['redaction'],
  '11': ['fairness'],
  '12': ['heavy-reads'],
  users: ['users-get', 'users-get-orgs', 'users-post', 'users-patch'],
  'dry-run': ['dry-run-post'],
};

export interface Sizes {
  /** Users seeded (bulk SQL) in the main organization. */
  usersPerOrganization: number;
  /** Organizations of scenario 1's second variant, each with usersPerOrganization users. */
  organizations: number;
  /** Members of scenario 4's large group (taken from the main organization's users). */
  largeGroupMembers: number;
  smallGroupMembers: number;
  /** Members one PATCH adds in scenario 5. */
  bulkAddMembers: number;
  /** Repetitions of scenario 5 (each on a fresh group). */
  bulkAddRepetitions: number;
  cycleUsers: number;
  cycleGroups: number;
  cycleGroupMembers: number;
  /** Members per membership PATCH in the cycle replay. */
  cycleMembersPerPatch: number;
  /** Tenants syncing at once in the cycle's concurrent variant. */
  cycleTenants: number;
  auditRows: number;
  /** Readiness requests of scenario 9, one after the other: database up, refusing, hung (each ~1.5 s). */
  readinessSamples: { up: number; refused: number; hung: number };
  /** Timed passes of scenario 10 (each about 0.3 s on 2 cores). */
  redactionRepetitions: number;
  /** Members of scenario 12's group (taken from the main organization's users). */
  heavyGroupMembers: number;
}

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioId[];
  connections: number;
  durationSec: number;
  warmupSec: number;
  sizes: Sizes;
  profile: boolean;
  keepDatabase: boolean;
  pgbench: boolean;
}

const FULL: Sizes = {
  usersPerOrganization: 100_000,
  organizations: 10,
  largeGroupMembers: 100_000,
  smallGroupMembers: 10,
  bulkAddMembers: 10_000,
  bulkAddRepetitions: 3,
  cycleUsers: 10_000,
  cycleGroups: 100,
  cycleGroupMembers: 100,
  cycleMembersPerPatch: 50,
  cycleTenants: 32,
  auditRows: 1_000_000,
  readinessSamples: { up: 200, refused: 200, hung: 5 },
  redactionRepetitions: 15,
  heavyGroupMembers: 50_000,
};

const QUICK: Sizes = {
  usersPerOrganization: 2_000,
  organizations: 10,
  largeGroupMembers: 1_000,
  smallGroupMembers: 10,
  bulkAddMembers: 1_000,
  bulkAddRepetitions: 1,
  cycleUsers: 160,
  cycleGroups: 4,
  cycleGroupMembers: 20,
  cycleMembersPerPatch: 50,
  cycleTenants: 32,
  auditRows: 50_000,
  readinessSamples: { up: 20, refused: 20, hung: 1 },
  redactionRepetitions: 3,
  heavyGroupMembers: 1_000,
};

export const USAGE = `Usage: npm run bench -- [--quick] [--only <scenario,...>] [<scenario> ...] [options]

Starts the connector in production mode on a fresh database (the DATABASE_URL server, or an
embedded PostgreSQL), seeds it with bulk SQL, measures the baselines and the scenarios, prints a
table and writes bench/results/<timestamp>.json.

Scenarios (default: all):
${Object.entries(SCENARIOS)
  .map(([id, description]) => `  ${id.padEnd(16)} ${description}`)
  .join('\n')}
  Also: 1..10 (scenario numbers), users, dry-run.

Options:
  --quick              every scenario but 9 and 12 for a few seconds on small data (what CI
                       runs; name them to include them)
  --only <list>        comma-separated scenarios (same as bare arguments)
  --duration <s>       seconds per measured run (default 15, quick 1; autocannon counts whole seconds)
  --warmup <s>         seconds of warm-up before each measured run (default 3, quick 1)
  --connections <n>    concurrent connections (default 32)
  --profile            run the server under --cpu-prof and summarize where its CPU time goes
  --keep               keep the database (and print its URL) instead of dropping it
  --no-pgbench         skip the pgbench baselines even when pgbench is on the PATH
  --help               this text
`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'no-pgbench': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const requested = [...(values.only?.split(',') ?? []), ...positionals]
    .map((name) => name.trim())
    .filter(Boolean);
  const scenarios = new Set<ScenarioId>();
  for (const name of requested) {
    if (name in SCENARIOS) scenarios.add(name as ScenarioId);
    else if (ALIASES[name]) ALIASES[name].forEach((id) => scenarios.add(id));
    else throw new UsageError(`unknown scenario "${name}"; one of ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const quick = values.quick;
  const number = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number`);
    return value;
  };
  return {
    quick,
    // Run in the issue's order whatever order they were asked in.
    scenarios: (Object.keys(SCENARIOS) as ScenarioId[]).filter((id) =>
      scenarios.size === 0 ? !(quick && NOT_QUICK.includes(id)) : scenarios.has(id),
    ),
    connections: Math.round(number(values.connections, 32, 'connections')),
    durationSec: number(values.duration, quick ? 1 : 15, 'duration'),
    warmupSec: number(values.warmup, quick ? 1 : 3, 'warmup'),
    sizes: quick ? QUICK : FULL,
    profile: values.profile,
    keepDatabase: values.keep,
    pgbench: !values['no-pgbench'],
  };
}
