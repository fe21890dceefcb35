import { activeBody } from '../entra.js';
import { SCENARIOS } from '../options.js';
import {
  addRow,
  authHeaders,
  measuredBaselines,
  measureHttp,
  probe,
  random,
  ratioRow,
  scenario,
  scimPath,
  type BenchScenario,
} from '../scenario.context.js';

export const patchUsersActive: BenchScenario = {
  id: 'users-patch',
  title: SCENARIOS['users-patch'],
  async run(context) {
    const { main, populationIds } = context;
    const writeBase = await measuredBaselines(context, 'insert-audit', 'INSERT user + audit (transaction)');
    await scenario(context, '3 PATCH /Users/{id} active', async () => {
      // Every request flips the user's state, so every PATCH writes (an unchanged PATCH writes nothing).
      const disabled = new Uint8Array(populationIds.length);
      await probe(
        context,
        {
          method: 'PATCH',
          path: scimPath(main, `/Users/${populationIds[0]}`),
          token: main.token,
          body: activeBody(true),
        },
        200,
      );
      const measurement = await measureHttp(
        context,
        () => [
          {
            method: 'PATCH',
            headers: authHeaders(main.token, true),
            setupRequest: (request) => {
              const index = random(populationIds.length);
              disabled[index] = disabled[index]! ^ 1;
              request.path = scimPath(main, `/Users/${populationIds[index]}`);
              request.body = activeBody(disabled[index] === 0);
              return request;
            },
          },
        ],
        [200],
      );
      addRow(
        context,
        ratioRow(
          {
            id: 'users-patch',
            label: "3 PATCH /Users/{id} (Entra's disable/enable)",
            kind: 'scenario',
            measurement,
          },
          writeBase,
        ),
      );
    });
  },
};
