import type autocannon from 'autocannon';
import { eqFilter } from '../entra.js';
import { runHttpLoad, type Measurement, type ServerPeak } from '../http-load.js';
import { SCENARIOS } from '../options.js';
import {
  addRow,
  authHeaders,
  random,
  scenario,
  scimPath,
  serverPeak,
  type BenchScenario,
} from '../scenario.context.js';
import { addSeededMembers, createGroup, seededUserName } from '../seed.js';
import { ConnectorProcess } from '../server.js';

/** Scenario 12: heavy reads (a large group's members) under a flood (docs/limits.md). */
export const heavyReads: BenchScenario = {
  id: 'heavy-reads',
  title: SCENARIOS['heavy-reads'],
  async run(context) {
    const { options, db, main, tenants } = context;
    const { sizes } = options;
    const users = sizes.usersPerOrganization;
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
  },
};
