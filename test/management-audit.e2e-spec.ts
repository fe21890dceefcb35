import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MANUAL_CHANGE_SINK, type ManualChange, type ManualChangeSink } from '#management';
import { ok, startManagementFixture, type Client, type ManagementFixture } from './support/management.js';
import type { TestApp } from './support/test-app.js';

describe('management API: audit of manual changes', () => {
  let f: ManagementFixture;
  let t: TestApp;
  let org: ManagementFixture['org'];
  let admin: Client;
  let callers: ManagementFixture['callers'];
  const next = () => f.next();

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ t, org, admin, callers } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('audit of manual changes', () => {
    it('records each committed write once, with the acting user, and nothing for reads or failures', async () => {
      const sink = t.app.get<ManualChangeSink>(MANUAL_CHANGE_SINK);
      const written: ManualChange[] = [];
      const spy = vi.spyOn(sink, 'write').mockImplementation(async (changes) => {
        written.push(...changes);
      });
      try {
        const userAdmin = callers.UserAdministrator;
        const created = ok(await userAdmin.client.post('/users', { userName: `audited-${next()}` }), 201);
        await userAdmin.client.get(`/users/${String(created.id)}`);
        await userAdmin.client.post('/users', { userName: String(created.userName) }); // 409
        await userAdmin.client.post(`/users/${String(created.id)}/deactivate`);
        expect(written).toEqual([
          expect.objectContaining({
            source: 'manual',
            organizationId: org.organizationId,
            actorUserId: userAdmin.userId,
            actorGlobalRole: 'UserAdministrator',
            operation: 'create',
            resourceType: 'User',
            resourceId: created.id,
            label: created.userName,
            method: 'POST',
            path: `/api/v1/organizations/${org.organizationId}/users`,
            effect: expect.objectContaining({
              changed: expect.objectContaining({ userName: { before: null, after: created.userName } }),
            }),
          }),
          expect.objectContaining({
            operation: 'deactivate',
            resourceId: created.id,
            effect: { changed: { active: { before: true, after: false } } },
          }),
        ]);
      } finally {
        spy.mockRestore();
      }
    });

    it('rolls the change back and answers 503 when its record cannot be written', async () => {
      const sink = t.app.get<ManualChangeSink>(MANUAL_CHANGE_SINK);
      const spy = vi.spyOn(sink, 'write').mockRejectedValue(new Error('audit store away'));
      const name = `never-${next()}`;
      try {
        const response = await admin.post('/projects', { name });
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', requestId: expect.any(String) });
        expect(spy).toHaveBeenCalledTimes(1);
      } finally {
        spy.mockRestore();
      }
      expect(await t.db.query('SELECT 1 FROM projects WHERE name = $1', [name])).toEqual([]);
      expect(
        await t.db.query(`SELECT 1 FROM sync_audit_events WHERE source = 'manual' AND display_name = $1`, [
          name,
        ]),
      ).toEqual([]);
    });

    it('writes through the audit table sink by default: the committed change has its manual row', async () => {
      const name = `recorded-${next()}`;
      const project = ok(await admin.post('/projects', { name }), 201);
      expect(
        await t.db.query(
          `SELECT source, operation, resource_id, user_id FROM sync_audit_events WHERE display_name = $1`,
          [name],
        ),
      ).toEqual([{ source: 'manual', operation: 'create', resource_id: project.id, user_id: org.userId }]);
    });
  });
});
