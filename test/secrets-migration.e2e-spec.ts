import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScrubSecrets1764440000000 } from '../migrations/1764440000000-scrub-secrets.js';
import { NormalizeUserNames1764460000000 } from '../migrations/1764460000000-normalize-user-names.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

describe('data migrations', () => {
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

  it('normalizes stored userNames, leaving a name whose normal form another user holds', async () => {
    const names = [
      'Ｎｏｒｍ１@acme.test',
      'norm2\u0065\u0301@acme.test',
      ' norm3@acme.test ',
      'norm4@acme.test',
      'ｎｏｒｍ４@acme.test',
    ];
    const ids: Record<string, string> = {};
    for (const name of names) {
      const [row] = await t.db.query<{ id: string }>(
        `INSERT INTO users (organization_id, kind, user_name) VALUES ($1, 'interactive', $2) RETURNING id`,
        [organizationId, name],
      );
      ids[name] = row!.id;
    }
    const runner = t.dataSource.createQueryRunner();
    try {
      await new NormalizeUserNames1764460000000().up(runner);
    } finally {
      await runner.release();
    }
    const nameOf = async (name: string) =>
      (await t.db.query<{ user_name: string }>('SELECT user_name FROM users WHERE id = $1', [ids[name]]))[0]!
        .user_name;
    expect(await nameOf(names[0]!)).toBe('Norm1@acme.test');
    expect(await nameOf(names[1]!)).toBe('norm2\u00e9@acme.test');
    expect(await nameOf(names[2]!)).toBe('norm3@acme.test');
    expect(await nameOf(names[3]!)).toBe('norm4@acme.test');
    // Its normal form is taken: kept as it was, for an operator to decide.
    expect(await nameOf(names[4]!)).toBe('ｎｏｒｍ４@acme.test');
  });
});
