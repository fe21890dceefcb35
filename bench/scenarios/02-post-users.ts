import type autocannon from 'autocannon';
import { createUserBody } from '../entra.js';
import { SCENARIOS } from '../options.js';
import {
  addRow,
  authHeaders,
  measuredBaselines,
  measureHttp,
  probe,
  ratioRow,
  scenario,
  scimPath,
  type BenchScenario,
  type Context,
} from '../scenario.context.js';

// One sequence for 2 and its dry-run twin 7: no user either of them posts repeats a name.
let sequence = 0;
const postRequests =
  ({ main, run }: Context, dryRun: boolean) =>
  (): autocannon.Request[] => [
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

/** POST /Users on the Tenant URL or on its dry-run twin, against the insert+audit baselines. */
export function postUsersScenario(
  id: 'users-post' | 'dry-run-post',
  dryRun: boolean,
  label: string,
): BenchScenario {
  return {
    id,
    title: SCENARIOS[id],
    async run(context) {
      const { main, run } = context;
      const writeBase = await measuredBaselines(context, 'insert-audit', 'INSERT user + audit (transaction)');
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
        const measurement = await measureHttp(context, postRequests(context, dryRun), [201]);
        addRow(context, ratioRow({ id, label, kind: 'scenario', measurement }, writeBase));
      });
    },
  };
}

export const postUsers = postUsersScenario('users-post', false, "2 POST /Users (Entra's create body)");
