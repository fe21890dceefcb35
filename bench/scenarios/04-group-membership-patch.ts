import { membersBody } from '../entra.js';
import { mergeMeasurements, type Measurement } from '../http-load.js';
import { SCENARIOS } from '../options.js';
import {
  addRow,
  authHeaders,
  log,
  measureHttp,
  probe,
  scenario,
  scimPath,
  type BenchScenario,
} from '../scenario.context.js';
import { addSeededMembers, createGroup, seededUserIds, seedUsers } from '../seed.js';
import { round } from '../stats.js';

/** Scenario 4: membership PATCH on a large and a small group. */
export const groupMembershipPatch: BenchScenario = {
  id: 'groups',
  title: SCENARIOS.groups,
  seed: {
    label: (sizes) => `groups of ${sizes.largeGroupMembers} and ${sizes.smallGroupMembers} members`,
    async run(context) {
      const { options, db, main } = context;
      const { sizes } = options;
      const large = await createGroup(db, main.organizationId, 'Bench large group');
      const small = await createGroup(db, main.organizationId, 'Bench small group');
      await addSeededMembers(db, main.organizationId, large, sizes.largeGroupMembers);
      await addSeededMembers(db, main.organizationId, small, sizes.smallGroupMembers);
      await seedUsers(db, main, 1, options.connections, 'churn');
      const churn = await seededUserIds(db, main.organizationId, 1, options.connections, 'churn');
      context.extras.groups = { large, small, churn };
    },
  },
  async run(context) {
    const { options, db, main } = context;
    const { sizes } = options;
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
  },
};
