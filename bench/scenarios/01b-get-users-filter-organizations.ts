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

export const getUsersFilterOrganizations: BenchScenario = {
  id: 'users-get-orgs',
  title: SCENARIOS['users-get-orgs'],
  async run(context) {
    const { tenants } = context;
    const users = context.options.sizes.usersPerOrganization;
    const pointBase = await measuredBaselines(context, 'point-select', 'point SELECT');
    await scenario(context, '1b GET /Users filter, 10 organizations', async () => {
      const last = tenants[tenants.length - 1]!;
      await probe(
        context,
        {
          method: 'GET',
          path: scimPath(last, `/Users?${eqFilter('userName', seededUserName(users))}`),
          token: last.token,
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
            setupRequest: (request) => {
              const tenant = tenants[random(tenants.length)]!;
              request.path = scimPath(
                tenant,
                `/Users?${eqFilter('userName', seededUserName(1 + random(users)))}`,
              );
              request.headers = authHeaders(tenant.token);
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
            id: 'users-get-orgs',
            label: `1 GET /Users filter userName (${(users * tenants.length).toLocaleString('en')} users, ${tenants.length} orgs)`,
            kind: 'scenario',
            measurement,
          },
          pointBase,
        ),
      );
    });
  },
};
