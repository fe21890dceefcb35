import type autocannon from 'autocannon';
import { eqFilter } from '../entra.js';
import { runHttpLoad } from '../http-load.js';
import { SCENARIOS } from '../options.js';
import { addRow, authHeaders, random, scenario, scimPath, type BenchScenario } from '../scenario.context.js';
import { seededUserName } from '../seed.js';
import { ConnectorProcess } from '../server.js';

/** Scenario 11: per-organization fairness (docs/limits.md). */
export const fairness: BenchScenario = {
  id: 'fairness',
  title: SCENARIOS.fairness,
  async run(context) {
    const { options, main, tenants } = context;
    const users = options.sizes.usersPerOrganization;
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
  },
};
