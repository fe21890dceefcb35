import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';
import {
  ERROR_SCHEMA,
  USER_SCHEMA,
  entraUserBody,
  patchRoleEntry,
  scimClient,
} from './support/scim-client.js';

/**
 * Domain rules of SCIM /Users that the happy-path suite (users.e2e-spec.ts) cannot break:
 * - DESIGN.md §3 rule 2 (at most one global role besides RegularUser) under concurrent requests,
 *   on every path that can add a role: PATCH with a filtered `roles[value eq "X"]` path, Entra's
 *   `Add` of the full role set, a path-less `add`, PUT, and the management API;
 * - PUT as a whole-resource replace;
 * - which SCIM-deleted record a POST revives (rule 4: externalId, then userName).
 */

/** Rounds per race: each round is a fresh user and two requests sent at once. */
const ROUNDS = 60;
const RACE_TIMEOUT_MS = 180_000;

type Role =
  | 'GlobalAdministrator'
  | 'CertificateAdministrator'
  | 'UserAdministrator'
  | 'ProjectAdministrator'
  | 'GlobalReader'
  | 'RegularUser';

/** What the rule is about: a user's roles as SCIM shows them, and whether Entra owns the user. */
interface RoleState {
  /** The role set (sorted); empty for a plain RegularUser. */
  roles: Role[];
  synchronized: boolean;
}

/** What one request does, alone, to a user in a given state. */
type Effect =
  | { status: 200; state: RoleState }
  | { status: 400; conflicting: Role[] }
  | { status: 409; code: 'MANAGED_BY_DIRECTORY_SYNC' };

interface Racer {
  name: string;
  send(user: RaceUser): Promise<Response>;
  /** The request's effect on a user in `state`, alone (the one-global-role rule included). */
  model(state: RoleState): Effect;
  /** The roles a successful answer shows. */
  shown(body: Record<string, unknown>): Role[];
}

interface RaceUser {
  id: string;
  userName: string;
  externalId: string;
}

const sorted = (roles: readonly Role[]): Role[] => [...new Set(roles)].sort();
const privileged = (roles: readonly string[]) => [...new Set(roles.filter((role) => role !== 'RegularUser'))];

/** SCIM's rule, as the model of a request that leaves the role set `next`. */
function scimEffect(next: readonly Role[]): Effect {
  const conflicting = privileged(next) as Role[];
  if (conflicting.length > 1) return { status: 400, conflicting };
  return { status: 200, state: { roles: sorted(next), synchronized: true } };
}

const scimRolesShown = (body: Record<string, unknown>): Role[] =>
  sorted(((body.roles as { value: Role }[] | undefined) ?? []).map((role) => role.value));

/**
 * Every serial order of the racers, each run through the model from `initial`: what each request
 * answers and where the user ends.
 */
function serialOutcomes(initial: RoleState, racers: readonly Racer[]) {
  const orders =
    racers.length === 2
      ? [
          [0, 1],
          [1, 0],
        ]
      : [[0]];
  return orders.map((order) => {
    let state = initial;
    const effects: Effect[] = [];
    for (const index of order) {
      const effect = racers[index]!.model(state);
      effects[index] = effect;
      if (effect.status === 200) state = effect.state;
    }
    return { order: order.map((index) => racers[index]!.name), effects, final: state };
  });
}

/** Why an observed answer does not match the model's effect ('' when it does). */
function mismatch(racer: Racer, effect: Effect, response: Response, user: RaceUser): string {
  const body = response.body as Record<string, unknown>;
  if (response.status !== effect.status)
    return `${racer.name} answered ${response.status}, expected ${effect.status}`;
  if (effect.status === 200) {
    const shown = racer.shown(body);
    return JSON.stringify(shown) === JSON.stringify(effect.state.roles)
      ? ''
      : `${racer.name} answered 200 with roles ${JSON.stringify(shown)}, expected ${JSON.stringify(effect.state.roles)}`;
  }
  if (effect.status === 400) {
    const detail = typeof body.detail === 'string' ? body.detail : '';
    const named =
      body.scimType === 'invalidValue' &&
      detail.includes(user.userName) &&
      effect.conflicting.every((role) => detail.includes(role));
    return named
      ? ''
      : `${racer.name}'s 400 does not name ${user.userName} and ${effect.conflicting.join(', ')}: ${detail}`;
  }
  return body.code === effect.code
    ? ''
    : `${racer.name}'s 409 is not ${effect.code}: ${JSON.stringify(body)}`;
}

describe('SCIM /Users domain rules', () => {
  let t: TestApp;
  let organizationId: string;
  let scim: ReturnType<typeof scimClient>;
  let adminToken: string;
  let seq = 0;
  const next = () => (seq += 1);

  const management = {
    post: (path: string, body: object) =>
      t
        .http()
        .post(`/api/v1/organizations/${organizationId}${path}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(body),
    patch: (path: string, body: object) =>
      t
        .http()
        .patch(`/api/v1/organizations/${organizationId}${path}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send(body),
  };

  const expectStatus = (response: Response, status: number) =>
    expect(
      response.status,
      `${response.request.method} ${response.request.url}: ${JSON.stringify(response.body)}`,
    ).toBe(status);

  /** A user Entra provisioned (synchronized), holding `roles`. */
  const scimUser = async (roles: Role[] = []): Promise<RaceUser> => {
    const n = next();
    const user = { userName: `rules-${n}@acme.test`, externalId: `acme:rules-${n}` };
    const response = await scim.post(
      '/Users',
      entraUserBody({ ...user, roles: roles.map((value) => ({ value })) }),
    );
    expectStatus(response, 201);
    return { id: String(response.body.id), ...user };
  };

  /** A user created by hand in the management API (not synchronized), as a RegularUser. */
  const manualUser = async (): Promise<RaceUser> => {
    const n = next();
    const user = { userName: `manual-${n}@acme.test`, externalId: `acme:manual-${n}` };
    const response = await management.post('/users', { userName: user.userName, identity: user.externalId });
    expectStatus(response, 201);
    return { id: String(response.body.id), ...user };
  };

  /** The user's row: the rule's columns, users.roles (Entra's set) and users.global_role. */
  const stored = async (id: string) => {
    const [row] = await t.db.query<{
      roles: string[];
      global_role: string;
      is_directory_synchronized: boolean;
    }>('SELECT roles, global_role, is_directory_synchronized FROM users WHERE id = $1', [id]);
    return row!;
  };

  // ---- the requests that can add a role ----

  /** PATCH `add`/`replace` with path `roles[value eq "X"]`: X joins the current set. */
  const filtered = (role: Role, op: 'add' | 'replace' = 'add'): Racer => ({
    name: `PATCH ${op} roles[value eq "${role}"]`,
    send: (user) =>
      scim.patchOps(`/Users/${user.id}`, [{ op, path: `roles[value eq "${role}"]`, value: { value: role } }]),
    model: (state) => scimEffect([...state.roles, role]),
    shown: scimRolesShown,
  });

  /** Entra's AppRoleAssignmentsComplex shape: `Add` on roles with the user's full set. */
  const entraAdd = (role: Role): Racer => ({
    name: `PATCH Add roles [${role}]`,
    send: (user) =>
      scim.patchOps(`/Users/${user.id}`, [{ op: 'Add', path: 'roles', value: [patchRoleEntry(role)] }]),
    model: () => scimEffect([role]),
    shown: scimRolesShown,
  });

  /** A path-less `add` whose value holds `roles`: expanded to an `add` on roles, the set. */
  const pathless = (role: Role): Racer => ({
    name: `PATCH add (no path) {roles: [${role}]}`,
    send: (user) => scim.patchOps(`/Users/${user.id}`, [{ op: 'add', value: { roles: [{ value: role }] } }]),
    model: () => scimEffect([role]),
    shown: scimRolesShown,
  });

  /** PUT of the whole user, with `roles` the set. */
  const put = (role: Role): Racer => ({
    name: `PUT roles [${role}]`,
    send: (user) =>
      scim.put(
        `/Users/${user.id}`,
        entraUserBody({ userName: user.userName, externalId: user.externalId, roles: [{ value: role }] }),
      ),
    model: () => scimEffect([role]),
    shown: scimRolesShown,
  });

  /** The management API setting a manual user's (single) global role; synchronized users are read-only. */
  const granted = (role: Role): Racer => ({
    name: `management PATCH globalRole ${role}`,
    send: (user) => management.patch(`/users/${user.id}`, { globalRole: role }),
    model: (state) =>
      state.synchronized
        ? { status: 409, code: 'MANAGED_BY_DIRECTORY_SYNC' }
        : { status: 200, state: { roles: role === 'RegularUser' ? [] : [role], synchronized: false } },
    shown: (body) => (body.globalRole === 'RegularUser' ? [] : [body.globalRole as Role]),
  });

  /**
   * Runs `ROUNDS` rounds: a fresh user, then both requests at once. After each round the user holds
   * at most one global role besides RegularUser in the database (users.roles and users.global_role
   * together), and the answers and the final row are those of one of the serial orders, so every
   * 2xx is true of the final state and, where both orders refuse one request, one of them failed.
   * Returns the failing rounds (empty when the rule holds).
   */
  const race = async (fresh: () => Promise<RaceUser>, racers: [Racer, Racer]): Promise<string[]> => {
    const failures: string[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const user = await fresh();
      const before = await stored(user.id);
      const initial: RoleState = {
        roles: sorted(
          (before.roles.length > 0
            ? before.roles
            : before.global_role === 'RegularUser'
              ? []
              : [before.global_role]) as Role[],
        ),
        synchronized: before.is_directory_synchronized,
      };
      const responses = await Promise.all(racers.map((racer) => racer.send(user)));
      const row = await stored(user.id);
      const problems: string[] = [];

      const held = privileged([...row.roles, row.global_role]);
      if (held.length > 1) problems.push(`the row holds ${held.join(' and ')}`);
      if (row.roles.length > 0 && row.global_role !== (privileged(row.roles)[0] ?? 'RegularUser')) {
        problems.push(`global_role ${row.global_role} does not follow roles ${JSON.stringify(row.roles)}`);
      }

      const final: RoleState = {
        roles: sorted((row.roles.length > 0 ? row.roles : privileged([row.global_role])) as Role[]),
        synchronized: row.is_directory_synchronized,
      };
      const outcomes = serialOutcomes(initial, racers);
      // Where every serial order refuses one of the two (both would add a different global role),
      // two successes mean the rule was checked against a state that was no longer there.
      if (
        outcomes.every(({ effects }) => effects.some((effect) => effect.status !== 200)) &&
        responses.every((response) => response.status < 300)
      ) {
        problems.push(
          `both answered ${responses.map((r) => r.status).join(' and ')}; one of them had to fail`,
        );
      }
      const explanations = outcomes.map(({ order, effects, final: expected }) => {
        const reasons = racers
          .map((racer, index) => mismatch(racer, effects[index]!, responses[index]!, user))
          .filter(Boolean);
        if (JSON.stringify(expected) !== JSON.stringify(final)) {
          reasons.push(`final ${JSON.stringify(final)}, expected ${JSON.stringify(expected)}`);
        }
        return { order: order.join(' then '), reasons };
      });
      if (explanations.every(({ reasons }) => reasons.length > 0)) {
        problems.push(
          `no serial order explains it: ${explanations.map((e) => `[${e.order}: ${e.reasons.join('; ')}]`).join(' ')}`,
        );
      }
      if (problems.length > 0) failures.push(`round ${round}: ${problems.join('; ')}`);
    }
    return failures;
  };

  const expectRuleHolds = (failures: string[]) =>
    expect(failures, `${failures.length} of ${ROUNDS} rounds broke the rule`).toEqual([]);

  beforeAll(async () => {
    t = await startTestApp();
    const org = await seedOrganization(t.db.url, 'GlobalAdministrator');
    organizationId = org.organizationId;
    adminToken = org.token;
    const synchronizer = await cli(
      t.db.url,
      'tokens',
      'issue',
      '--organization',
      organizationId,
      '--role',
      'DirectorySynchronizer',
      '--json',
    );
    expect(synchronizer.code, synchronizer.stderr).toBe(0);
    scim = scimClient(t, organizationId, String(synchronizer.json().token));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('one global role besides RegularUser, under concurrent requests', () => {
    it('checks the model against single requests first', async () => {
      // A sanity check of the race harness: one request at a time gives the model's answers.
      const user = await scimUser(['GlobalReader']);
      const refused = await filtered('UserAdministrator').send(user);
      expectStatus(refused, 400);
      expect(refused.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
      expect(refused.body.detail).toContain('GlobalReader, UserAdministrator');
      expect(refused.body.detail).toContain(user.userName);
      expect(await stored(user.id)).toEqual({
        roles: ['GlobalReader'],
        global_role: 'GlobalReader',
        is_directory_synchronized: true,
      });
      const addedRegular = await filtered('RegularUser').send(user);
      expectStatus(addedRegular, 200);
      expect(scimRolesShown(addedRegular.body)).toEqual(['GlobalReader', 'RegularUser']);
      const replaced = await filtered('ProjectAdministrator', 'replace').send(
        await scimUser(['RegularUser']),
      );
      expectStatus(replaced, 200);
      expect(scimRolesShown(replaced.body)).toEqual(['ProjectAdministrator', 'RegularUser']);
      const manual = await manualUser();
      expectStatus(await granted('UserAdministrator').send(manual), 200);
      // A manual user's role is its global_role column: SCIM sees it, and the rule counts it.
      const onTop = await filtered('GlobalReader').send(manual);
      expectStatus(onTop, 400);
      expect(onTop.body.detail).toContain('UserAdministrator, GlobalReader');
    });

    it(
      'two PATCHes adding different roles through roles[value eq "X"]: one of them fails',
      async () => {
        expectRuleHolds(
          await race(() => scimUser(), [filtered('GlobalReader'), filtered('UserAdministrator')]),
        );
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'a filtered replace and a filtered add, on a user that already holds RegularUser',
      async () => {
        expectRuleHolds(
          await race(
            () => scimUser(['RegularUser']),
            [filtered('ProjectAdministrator', 'replace'), filtered('CertificateAdministrator')],
          ),
        );
      },
      RACE_TIMEOUT_MS,
    );

    it(
      "Entra's Add of the full role set and a filtered add",
      async () => {
        expectRuleHolds(
          await race(() => scimUser(), [entraAdd('GlobalReader'), filtered('GlobalAdministrator')]),
        );
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'a path-less add of roles (which sets, not merges) and a filtered add',
      async () => {
        expectRuleHolds(
          await race(() => scimUser(), [pathless('GlobalReader'), filtered('UserAdministrator')]),
        );
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'a PUT of the whole user and a filtered add',
      async () => {
        expectRuleHolds(
          await race(() => scimUser(), [put('ProjectAdministrator'), filtered('GlobalReader')]),
        );
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'the management API setting a global role while Entra adds another through a filtered PATCH',
      async () => {
        expectRuleHolds(await race(manualUser, [granted('UserAdministrator'), filtered('GlobalReader')]));
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'the management API setting a global role while Entra links the user with its Add of the role set',
      async () => {
        expectRuleHolds(await race(manualUser, [granted('ProjectAdministrator'), entraAdd('GlobalReader')]));
      },
      RACE_TIMEOUT_MS,
    );

    it(
      'two POSTs reviving the same SCIM-deleted user with different roles: one 201, one 409',
      async () => {
        const failures: string[] = [];
        for (let round = 1; round <= ROUNDS; round += 1) {
          const user = await scimUser();
          expectStatus(await scim.delete(`/Users/${user.id}`), 204);
          const body = (role: Role) =>
            entraUserBody({ userName: user.userName, externalId: user.externalId, roles: [{ value: role }] });
          const responses = await Promise.all([
            scim.post('/Users', body('GlobalReader')),
            scim.post('/Users', body('CertificateAdministrator')),
          ]);
          const row = await stored(user.id);
          const statuses = responses.map((response) => response.status).sort();
          const winner = responses.find((response) => response.status === 201);
          const loser = responses.find((response) => response.status === 409);
          const problems: string[] = [];
          if (JSON.stringify(statuses) !== '[201,409]') problems.push(`statuses ${JSON.stringify(statuses)}`);
          if (winner && winner.body.id !== user.id) problems.push('the 201 is not the revived record');
          if (winner && JSON.stringify(scimRolesShown(winner.body)) !== JSON.stringify(row.roles)) {
            problems.push(
              `the 201 shows ${JSON.stringify(scimRolesShown(winner.body))}, the row ${JSON.stringify(row.roles)}`,
            );
          }
          if (loser && loser.body.scimType !== 'uniqueness')
            problems.push(`409 ${JSON.stringify(loser.body)}`);
          const held = privileged([...row.roles, row.global_role]);
          if (held.length > 1) problems.push(`the row holds ${held.join(' and ')}`);
          const [{ count }] = (await t.db.query<{ count: number }>(
            'SELECT count(*)::int AS count FROM users WHERE organization_id = $1 AND external_id = $2',
            [organizationId, user.externalId],
          )) as [{ count: number }];
          if (count !== 1) problems.push(`${count} users with externalId ${user.externalId}`);
          if (problems.length > 0) failures.push(`round ${round}: ${problems.join('; ')}`);
        }
        expectRuleHolds(failures);
      },
      RACE_TIMEOUT_MS,
    );
  });

  describe('PUT /Users/{id} replaces the user', () => {
    it('refuses two global roles with a 400 naming the user and both roles, and changes nothing', async () => {
      const user = await scimUser(['GlobalReader']);
      const before = (await scim.get(`/Users/${user.id}`)).body;
      const rowBefore = await t.db.query('SELECT * FROM users WHERE id = $1', [user.id]);
      const response = await scim.put(
        `/Users/${user.id}`,
        entraUserBody({
          userName: user.userName,
          externalId: user.externalId,
          displayName: 'Should not stick',
          roles: [
            { value: 'CertificateAdministrator' },
            { value: 'RegularUser' },
            { value: 'GlobalAdministrator' },
          ],
        }),
      );
      expectStatus(response, 400);
      expect(response.body).toMatchObject({
        schemas: [ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidValue',
      });
      expect(response.body.detail).toContain(user.userName);
      expect(response.body.detail).toContain('CertificateAdministrator, GlobalAdministrator');
      expect((await scim.get(`/Users/${user.id}`)).body).toEqual(before);
      expect(await t.db.query('SELECT * FROM users WHERE id = $1', [user.id])).toEqual(rowBefore);
    });

    it('sets what the body names, clears what it omits, defaults active to true, keeps what the server owns', async () => {
      const n = next();
      const created = await scim.post(
        '/Users',
        entraUserBody({
          userName: `put-${n}@acme.test`,
          externalId: `acme:put-${n}`,
          displayName: 'Before Put',
          title: 'Engineer',
          roles: [{ value: 'GlobalReader' }],
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Signing' },
        }),
      );
      expectStatus(created, 201);
      const id = String(created.body.id);
      expectStatus(
        await scim.patchOps(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: false }]),
        200,
      );
      const group = await scim.post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Put group ${n}`,
        members: [{ value: id }],
      });
      expectStatus(group, 201);

      const response = await scim.put(`/Users/${id}`, {
        schemas: [USER_SCHEMA],
        id: '00000000-0000-4000-8000-000000000000',
        userName: `Put-Renamed-${n}@acme.test`,
        externalId: `acme:put-${n}`,
        name: { givenName: 'Put' },
        roles: [{ value: 'ProjectAdministrator' }],
        meta: { created: '2000-01-01T00:00:00Z' },
      });
      expectStatus(response, 200);
      expect(response.headers.etag).toBe('W/"3"');
      const after = (await scim.get(`/Users/${id}`)).body;
      expect(response.body).toEqual(after);
      expect(after).toEqual({
        schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User'],
        id,
        externalId: `acme:put-${n}`,
        userName: `Put-Renamed-${n}@acme.test`,
        // displayName omitted: derived from userName again, as on create.
        displayName: `Put-Renamed-${n}@acme.test`,
        // active omitted: true (the service's default for a whole resource), so the user is active again.
        active: true,
        name: { givenName: 'Put' },
        roles: [{ value: 'ProjectAdministrator', display: 'SignPath Project Administrator', primary: false }],
        'urn:ietf:params:scim:schemas:extension:signpath:2.0:User': { isDirectorySynchronized: true },
        meta: {
          resourceType: 'User',
          created: created.body.meta.created,
          lastModified: expect.any(String),
          location: created.body.meta.location,
          version: 'W/"3"',
        },
      });
      // emails, title and the enterprise extension were not in the body: gone.
      const [row] = await t.db.query<Record<string, unknown>>(
        `SELECT user_name, display_name, external_id, global_role, roles, active, deactivated_by_membership,
                scim_attributes, is_directory_synchronized, scim_deleted_at FROM users WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({
        user_name: `Put-Renamed-${n}@acme.test`,
        display_name: `Put-Renamed-${n}@acme.test`,
        external_id: `acme:put-${n}`,
        global_role: 'ProjectAdministrator',
        roles: ['ProjectAdministrator'],
        active: true,
        deactivated_by_membership: false,
        scim_attributes: { name: { givenName: 'Put' } },
        is_directory_synchronized: true,
        scim_deleted_at: null,
      });
      // Group memberships are the groups' business, not the user's: PUT leaves them.
      expect(
        await t.db.query('SELECT user_id FROM group_members WHERE group_id = $1', [group.body.id]),
      ).toEqual([{ user_id: id }]);

      // Omitting roles empties the set: a RegularUser. Omitting externalId clears it.
      const bare = await scim.put(`/Users/${id}`, { schemas: [USER_SCHEMA], userName: `put-${n}@acme.test` });
      expectStatus(bare, 200);
      expect(bare.body.roles).toBeUndefined();
      expect(bare.body.externalId).toBeUndefined();
      expect(await stored(id)).toEqual({
        roles: [],
        global_role: 'RegularUser',
        is_directory_synchronized: true,
      });
    });

    it.each(['00000000-0000-4000-8000-000000000000', 'not-a-uuid'])(
      'answers PUT on the unknown id %s with 404 and creates nothing',
      async (id) => {
        const n = next();
        const body = entraUserBody({ userName: `put-404-${n}@acme.test`, externalId: `acme:put-404-${n}` });
        const response = await scim.put(`/Users/${id}`, body);
        expectStatus(response, 404);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
        expect(await t.db.query('SELECT id FROM users WHERE external_id = $1', [body.externalId])).toEqual(
          [],
        );
      },
    );

    it('answers PUT on a SCIM-deleted user with 404 and does not revive it', async () => {
      const user = await scimUser();
      expectStatus(await scim.delete(`/Users/${user.id}`), 204);
      const response = await scim.put(
        `/Users/${user.id}`,
        entraUserBody({ userName: user.userName, externalId: user.externalId }),
      );
      expectStatus(response, 404);
      const [row] = await t.db.query(
        'SELECT active, scim_deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1',
        [user.id],
      );
      expect(row).toEqual({ active: false, deleted: true });
    });

    it('answers PUT with a stale If-Match with 412 and changes nothing; the current version goes through', async () => {
      const user = await scimUser();
      const before = (await scim.get(`/Users/${user.id}`)).body;
      const body = entraUserBody({
        userName: user.userName,
        externalId: user.externalId,
        displayName: 'Matched',
      });
      const stale = await scim.put(`/Users/${user.id}`, body).set('If-Match', 'W/"7"');
      expectStatus(stale, 412);
      expect(stale.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
      expect((await scim.get(`/Users/${user.id}`)).body).toEqual(before);
      const fresh = await scim.put(`/Users/${user.id}`, body).set('If-Match', before.meta.version);
      expectStatus(fresh, 200);
      expect(fresh.body.displayName).toBe('Matched');
      expect(fresh.headers.etag).toBe('W/"2"');
    });
  });

  describe('userName normalization: fullwidth, NFC and surrounding blanks name the same user', () => {
    it('stores the normalized form, refuses variants as duplicates, and finds the user by any variant', async () => {
      const n = next();
      const nfc = `ren\u00e9-${n}@acme.test`;
      const created = await scim.post(
        '/Users',
        entraUserBody({
          userName: ` re\u0301n\u00e9-${n}@acme.test `.replace('re\u0301n\u00e9', 'ren\u00e9'),
          externalId: `acme:norm-${n}`,
        }),
      );
      expectStatus(created, 201);
      expect(created.body.userName).toBe(nfc);
      const variants = [
        `rene\u0301-${n}@acme.test`, // NFD
        `${nfc}  `, // trailing blanks
        `ｒｅｎ\u00e9-${n}@ａｃｍｅ.test`, // fullwidth
      ];
      for (const [index, userName] of variants.entries()) {
        const duplicate = await scim.post(
          '/Users',
          entraUserBody({ userName, externalId: `acme:norm-${n}-${index}` }),
        );
        expectStatus(duplicate, 409);
        expect(duplicate.body.scimType).toBe('uniqueness');
        const found = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
        expectStatus(found, 200);
        expect(found.body.Resources.map((user: { id: string }) => user.id)).toEqual([created.body.id]);
        const manual = await management.post('/users', { userName });
        expectStatus(manual, 409);
      }
      const rows = await t.db.query(
        'SELECT user_name FROM users WHERE organization_id = $1 AND user_name LIKE $2',
        [organizationId, `%-${n}@%`],
      );
      expect(rows).toEqual([{ user_name: nfc }]);
    });
  });

  describe('revival: which SCIM-deleted record a POST brings back', () => {
    const deletedRecord = async (body: Record<string, unknown>) => {
      const created = await scim.post('/Users', body);
      expectStatus(created, 201);
      expectStatus(await scim.delete(`/Users/${created.body.id}`), 204);
      return String(created.body.id);
    };

    it('revives the record with the same externalId under the new userName', async () => {
      const n = next();
      const id = await deletedRecord(
        entraUserBody({ userName: `old-${n}@acme.test`, externalId: `acme:rev-${n}` }),
      );
      const response = await scim.post(
        '/Users',
        entraUserBody({ userName: `new-${n}@acme.test`, externalId: `acme:rev-${n}` }),
      );
      expectStatus(response, 201);
      expect(response.body).toMatchObject({
        id,
        userName: `new-${n}@acme.test`,
        externalId: `acme:rev-${n}`,
        active: true,
      });
      expect((await scim.get(`/Users/${id}`)).status).toBe(200);
      expect(
        await t.db.query(
          'SELECT id, user_name FROM users WHERE organization_id = $1 AND (external_id = $2 OR lower(user_name) IN ($3, $4))',
          [organizationId, `acme:rev-${n}`, `old-${n}@acme.test`, `new-${n}@acme.test`],
        ),
      ).toEqual([{ id, user_name: `new-${n}@acme.test` }]);
    });

    it('without an externalId, revives the record whose userName matches (case-insensitively)', async () => {
      const n = next();
      const body = entraUserBody({ userName: `NoId-${n}@acme.test` });
      delete body.externalId;
      const id = await deletedRecord(body);
      const response = await scim.post('/Users', { ...body, userName: `noid-${n}@ACME.test` });
      expectStatus(response, 201);
      expect(response.body).toMatchObject({ id, userName: `noid-${n}@ACME.test`, active: true });
      expect(response.body.externalId).toBeUndefined();
      expect(
        await t.db.query('SELECT id FROM users WHERE organization_id = $1 AND lower(user_name) = $2', [
          organizationId,
          `noid-${n}@acme.test`,
        ]),
      ).toEqual([{ id }]);
    });

    it('revives a record that had no externalId for a POST with one and the same userName (rule 4)', async () => {
      const n = next();
      const body = entraUserBody({ userName: `linked-${n}@acme.test` });
      delete body.externalId;
      const id = await deletedRecord(body);
      const response = await scim.post(
        '/Users',
        entraUserBody({ userName: `Linked-${n}@acme.test`, externalId: `acme:linked-${n}` }),
      );
      expectStatus(response, 201);
      expect(response.body).toMatchObject({ id, externalId: `acme:linked-${n}`, active: true });
      expect(
        await t.db.query('SELECT id FROM users WHERE organization_id = $1 AND lower(user_name) = $2', [
          organizationId,
          `linked-${n}@acme.test`,
        ]),
      ).toEqual([{ id }]);
    });

    it('does not revive a record whose userName matches but whose externalId is another identity: 409, record untouched', async () => {
      // Another directory object (another person) with a reused userName must not inherit the deleted
      // person's record, signing history and audit trail. The userName index (deleted rows included)
      // forbids a second record, so the POST answers 409 uniqueness naming userName.
      const n = next();
      const id = await deletedRecord(
        entraUserBody({
          userName: `reused-${n}@acme.test`,
          externalId: `acme:first-${n}`,
          roles: [{ value: 'GlobalReader' }],
        }),
      );
      const rowBefore = await t.db.query('SELECT * FROM users WHERE id = $1', [id]);
      const response = await scim.post(
        '/Users',
        entraUserBody({ userName: `reused-${n}@acme.test`, externalId: `acme:second-${n}` }),
      );
      expectStatus(response, 409);
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
      expect(response.body.detail).toContain('userName');
      expect(await t.db.query('SELECT * FROM users WHERE id = $1', [id])).toEqual(rowBefore);
      expect(
        await t.db.query('SELECT id FROM users WHERE organization_id = $1 AND external_id = $2', [
          organizationId,
          `acme:second-${n}`,
        ]),
      ).toEqual([]);
      // The deleted person's own identity still brings the record back.
      const revived = await scim.post(
        '/Users',
        entraUserBody({ userName: `reused-${n}@acme.test`, externalId: `acme:first-${n}` }),
      );
      expectStatus(revived, 201);
      expect(revived.body.id).toBe(id);
    });
  });
});
