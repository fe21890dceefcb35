import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  managementClient,
  ok,
  startManagementFixture,
  type Client,
  type ManagementFixture,
} from './support/management.js';
import { withinTokenEviction } from './support/eventually.js';
import type { TestApp } from './support/test-app.js';

describe('management API: tokens', () => {
  let f: ManagementFixture;
  let t: TestApp;
  let org: ManagementFixture['org'];
  let admin: Client;
  const next = () => f.next();

  beforeAll(async () => {
    f = await startManagementFixture();
    ({ t, org, admin } = f);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('tokens', () => {
    it('issues a token shown once, lists tokens without secrets, and revokes', async () => {
      const issued = ok(
        await admin.post('/tokens', { role: 'ProjectAdministrator', name: 'release-bot' }),
        201,
      );
      expect(issued).toEqual({
        token: expect.stringMatching(/^sct_/),
        tokenId: expect.any(String),
        userId: expect.any(String),
      });
      const list = ok(await admin.get('/tokens'));
      const listed = list.items.find((token: { id: string }) => token.id === issued.tokenId);
      expect(listed).toMatchObject({
        userName: 'release-bot',
        globalRole: 'ProjectAdministrator',
        revokedAt: null,
      });
      expect(JSON.stringify(list)).not.toContain(String(issued.token));
      const bot = managementClient(t, org.organizationId, String(issued.token));
      ok(await bot.post('/projects', { name: `Bot project ${next()}` }), 201);
      expect(ok(await admin.post(`/tokens/${String(issued.tokenId)}/revoke`)).revokedAt).toEqual(
        expect.any(String),
      );
      const refused = await withinTokenEviction(
        'the revoked token refused',
        () => bot.get('/projects'),
        (answer) => answer.status === 401,
      );
      expect(refused.status).toBe(401);
      expect(ok(await admin.get(`/users/${String(issued.userId)}`))).toMatchObject({
        kind: 'ci',
        userName: 'release-bot',
      });
    });
  });
});
