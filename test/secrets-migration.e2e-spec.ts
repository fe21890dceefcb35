import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScrubSecrets1764440000000 } from '../migrations/1764440000000-scrub-secrets.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

describe('the migration that scrubs stored secrets', () => {
  let t: TestApp;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    organizationId = (await seedOrganization(t.db.url)).organizationId;
  });
  afterAll(async () => {
    await t.close();
  });

  it('removes passwords stored by earlier versions from users and groups, and keeps everything else', async () => {
    const stored = {
      password: 'hunter2',
      passwordProfile: { password: 'hunter3', forceChangePasswordNextSignIn: true },
      'urn:example:custom': { clientSecret: 'hunter4', label: 'kept' },
      emails: [{ value: 'a@acme.test', type: 'work' }],
    };
    // 2,500 rows: more than one batch of the migration.
    await t.db.query(
      `INSERT INTO users (organization_id, kind, user_name, is_directory_synchronized, scim_attributes)
       SELECT $1, 'interactive', 'old-' || g, true, $2::jsonb FROM generate_series(1, 2500) AS g`,
      [organizationId, JSON.stringify(stored)],
    );
    await t.db.query(
      `INSERT INTO groups (organization_id, display_name, is_directory_synchronized, scim_attributes)
       VALUES ($1, 'Old group', true, '{"password": "hunter5", "note": "kept"}')`,
      [organizationId],
    );
    const runner = t.dataSource.createQueryRunner();
    try {
      await new ScrubSecrets1764440000000().up(runner);
      // Rerunnable: a second run finds nothing to do.
      await new ScrubSecrets1764440000000().up(runner);
    } finally {
      await runner.release();
    }
    const leftovers = await t.db.query(
      `SELECT id FROM users WHERE scim_attributes::text ~ 'hunter'
       UNION ALL SELECT id FROM groups WHERE scim_attributes::text ~ 'hunter'`,
    );
    expect(leftovers).toEqual([]);
    const users = await t.db.query<{ attributes: unknown }>(
      "SELECT DISTINCT scim_attributes AS attributes FROM users WHERE user_name LIKE 'old-%'",
    );
    expect(users).toEqual([
      {
        attributes: {
          passwordProfile: { forceChangePasswordNextSignIn: true },
          'urn:example:custom': { label: 'kept' },
          emails: [{ value: 'a@acme.test', type: 'work' }],
        },
      },
    ]);
    const [group] = await t.db.query<{ attributes: unknown }>(
      "SELECT scim_attributes AS attributes FROM groups WHERE display_name = 'Old group'",
    );
    expect(group!.attributes).toEqual({ note: 'kept' });
  });
});
