import { SCENARIOS } from '../options.js';
import { measureReadiness } from '../readiness.js';
import { addRow, log, scenario, type BenchScenario } from '../scenario.context.js';
import { round } from '../stats.js';

/** Scenario 9: readiness while the database is away (a second connector). */
export const readiness: BenchScenario = {
  id: 'readiness',
  title: SCENARIOS.readiness,
  async run(context) {
    const { sizes } = context.options;
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
  },
};
