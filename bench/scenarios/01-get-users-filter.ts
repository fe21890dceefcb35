import { eqFilter } from '../entra.js';
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
import { seededUserName } from '../seed.js';

export const getUsersFilter: BenchScenario = {
  id: 'users-get',
  title: SCENARIOS['users-get'],
  async run(context) {
    const { main } = context;
    const users = context.options.sizes.usersPerOrganization;
    const pointBase = await measuredBaselines(context, 'point-select', 'point SELECT');
    // Where a GET's cost goes: the framework alone (no database), then the SCIM request path without
    // the user query (token check, guard, interceptor, audit row), then scenario 1 itself.
    for (const [id, label, path, token] of [
      ['ref-health', 'ref GET /health/live (framework only, no database)', '/health/live', undefined],
      [
        'ref-discovery',
        'ref GET /ServiceProviderConfig (token check and audit row only)',
        scimPath(main, '/ServiceProviderConfig'),
        main.token,
      ],
    ] as const) {
      await scenario(context, label, async () => {
        await probe(context, { method: 'GET', path, token: token ?? '' }, 200);
        const measurement = await measureHttp(
          context,
          () => [{ method: 'GET', path, headers: token ? authHeaders(token) : {} }],
          [200],
        );
        addRow(context, { id, label, kind: 'scenario', measurement });
      });
    }
    await scenario(context, '1 GET /Users?filter=userName eq', async () => {
      await probe(
        context,
        {
          method: 'GET',
          path: scimPath(main, `/Users?${eqFilter('userName', seededUserName(users))}`),
          token: main.token,
        },
        200,
        (body) =>
          body.includes('"totalResults":1') ? undefined : `did not find the user: ${body.slice(0, 200)}`,
      );
      const measurement = await measureHttp(
        context,
        () => [
          {
            method: 'GET',
            headers: authHeaders(main.token),
            setupRequest: (request) => {
              request.path = scimPath(
                main,
                `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
              );
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
            id: 'users-get',
            label: `1 GET /Users filter userName (${users.toLocaleString('en')} users)`,
            kind: 'scenario',
            measurement,
          },
          pointBase,
        ),
      );
    });
  },
};
