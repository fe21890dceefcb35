import { SCENARIOS } from '../options.js';
import {
  addRow,
  authHeaders,
  measureHttp,
  probe,
  random,
  scenario,
  type BenchScenario,
} from '../scenario.context.js';
import { seedAuditEvents, withSecondaryIndexesRebuilt, type Tenant } from '../seed.js';

/** Scenario 8: audit API. */
export const auditApi: BenchScenario = {
  id: 'audit',
  title: SCENARIOS.audit,
  seed: {
    label: (sizes) => `${sizes.auditRows.toLocaleString('en')} audit events`,
    run: ({ options, db, tenants }) =>
      withSecondaryIndexesRebuilt(db, 'sync_audit_events', () =>
        seedAuditEvents(
          db,
          tenants.map((tenant) => tenant.organizationId),
          options.sizes.auditRows,
        ),
      ),
  },
  async run(context) {
    const { db, main, tenants } = context;
    const supportToken = context.extras.supportToken as string | undefined;
    if (!supportToken) {
      context.rows.push({
        id: 'audit',
        label: '8 audit API',
        kind: 'scenario',
        note: 'not available yet (no support-tokens command)',
      });
    } else {
      await scenario(context, '8 audit API', async () => {
        const { rows } = await db.query<{ count: string }>('SELECT count(*) AS count FROM sync_audit_events');
        context.extras.auditRowsAtScenario8 = Number(rows[0]!.count);
        const from = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
        const listPath = (tenant: Tenant) =>
          `/api/v1/audit/events?organizationId=${tenant.organizationId}&from=${encodeURIComponent(from)}&limit=50`;
        const summaryPath = (tenant: Tenant) =>
          `/api/v1/audit/organizations/${tenant.organizationId}/summary`;
        for (const [id, label, path] of [
          ['audit-list', '8 GET /api/v1/audit/events (organization, from, limit 50)', listPath],
          ['audit-summary', '8 GET /api/v1/audit/organizations/{id}/summary', summaryPath],
        ] as const) {
          await probe(context, { method: 'GET', path: path(main), token: supportToken }, 200);
          const measurement = await measureHttp(
            context,
            () => [
              {
                method: 'GET',
                headers: authHeaders(supportToken),
                setupRequest: (request) => {
                  request.path = path(tenants[random(tenants.length)]!);
                  return request;
                },
              },
            ],
            [200],
          );
          addRow(context, { id, label, kind: 'scenario', measurement });
        }
      });
    }
  },
};
