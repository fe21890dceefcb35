import { setTimeout } from 'node:timers/promises';
import { membersBody } from '../entra.js';
import { SCENARIOS } from '../options.js';
import { authHeaders, log, scenario, scimPath, type BenchScenario } from '../scenario.context.js';
import { createGroup } from '../seed.js';
import { median, round } from '../stats.js';

/** Scenario 5: one PATCH adding many members. */
export const groupBulkAdd: BenchScenario = {
  id: 'groups-bulk-add',
  title: SCENARIOS['groups-bulk-add'],
  async run(context) {
    const { options, db, main, server, populationIds, run } = context;
    const { sizes } = options;
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
  },
};
