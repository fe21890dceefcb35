import { planCycle, runCycle, type CycleResult } from '../cycle.js';
import { SCENARIOS } from '../options.js';
import { postgresMeasured } from '../proc.js';
import { addRow, log, scenario, serverPeak, type BenchScenario } from '../scenario.context.js';
import { createTenant, type Tenant } from '../seed.js';
import { round } from '../stats.js';

/** Scenario 6: Entra initial cycle. */
export const initialCycle: BenchScenario = {
  id: 'cycle',
  title: SCENARIOS.cycle,
  async run(context) {
    const { options, db, server, run } = context;
    const { sizes } = options;
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
  },
};
