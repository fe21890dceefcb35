import fc from 'fast-check';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_SCHEMA, entraUserBody, scimClient } from './support/scim-client.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/**
 * Text PostgreSQL refuses or that trips naive code: U+0000, unpaired surrogates, combining marks,
 * fullwidth forms, non-characters, astral characters, quotes and backslashes, mixed with arbitrary
 * code points (fast-check's 'binary' unit yields any code point, surrogate halves included).
 */
const hostileText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom(
        '\u0000',
        '\uD800',
        '\uDFFF',
        'e\u0301',
        'ｆｕｌｌ',
        ' ',
        '\uFFFF',
        '𝒜',
        '"',
        '\\',
        '%00',
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) => parts.join(''));

const RUNS = 40;

/**
 * Percent-encoding that also carries unpaired surrogates, as the bytes a sloppy client would send
 * (their 3-byte WTF-8 form, which is not valid UTF-8); encodeURIComponent refuses them.
 */
function encode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** A JSON body text with `value` nested `depth` arrays deep at `key`, built without recursion. */
function deeplyNested(body: Record<string, unknown>, key: string, depth: number): string {
  const marker = '"__deep__"';
  return JSON.stringify({ ...body, [key]: '__deep__' }).replace(
    marker,
    `${'['.repeat(depth)}"x"${']'.repeat(depth)}`,
  );
}

describe('no byte sequence answers 500', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof seedOrganization>>;
  let admin: Awaited<ReturnType<typeof seedOrganization>>;
  let scim: ReturnType<typeof scimClient>;
  let dry: ReturnType<typeof scimClient>;
  let supportToken: string;
  let userId: string;
  let groupId: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp();
    org = await seedOrganization(t.db.url);
    admin = await seedOrganization(t.db.url, 'GlobalAdministrator');
    scim = scimClient(t, org.organizationId, org.token);
    dry = scimClient(t, org.organizationId, org.token, true);
    supportToken = String(
      (await cli(t.db.url, 'support-tokens', 'issue', '--name', 'fuzz', '--json')).json().token,
    );
    userId = String(
      (await scim.post('/Users', entraUserBody({ externalId: 'acme:fuzz', userName: 'fuzz@acme.test' }))).body
        .id,
    );
    groupId = String((await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Fuzz' })).body.id);
  });
  afterAll(async () => {
    await t.close();
  });

  const unique = () => {
    seq += 1;
    return seq;
  };
  const not5xx = (response: Response, what: string) =>
    expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
  const quoted = (text: string) => JSON.stringify(text);
  const management = (method: 'get' | 'post', path: string, body?: object) => {
    const url = `/api/v1/organizations/${admin.organizationId}${path}`;
    const request = (method === 'get' ? t.http().get(url) : t.http().post(url)).set(
      'Authorization',
      `Bearer ${admin.token}`,
    );
    return body ? request.send(body) : request;
  };

  it('in every SCIM filter, as a query and as .search', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        fc.constantFrom(
          'userName eq',
          'displayName co',
          'externalId eq',
          'emails.value sw',
          'name.familyName ew',
          `${ENTERPRISE_SCHEMA}:department eq`,
        ),
        async (text, clause) => {
          const filter = `${clause} ${quoted(text)}`;
          not5xx(await scim.get(`/Users?filter=${encode(filter)}`), filter);
          not5xx(await scim.post('/Users/.search', { schemas: [SEARCH_SCHEMA], filter }), filter);
          const groupFilter = `displayName eq ${quoted(text)}`;
          not5xx(await scim.get(`/Groups?filter=${encode(groupFilter)}`), groupFilter);
          not5xx(await scim.get(`/Users?filter=${encode(text)}`), 'raw filter');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('in every writable SCIM attribute (POST, dry-run, PATCH, PUT) and in attribute names', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        fc.constantFrom(
          'userName',
          'displayName',
          'externalId',
          'title',
          'givenName',
          'email',
          'department',
          'role',
          'key',
        ),
        async (text, where) => {
          const n = unique();
          const overrides: Record<string, unknown> = {
            externalId: `acme:f${n}`,
            userName: `f${n}@acme.test`,
          };
          if (where === 'userName' || where === 'displayName' || where === 'externalId' || where === 'title')
            overrides[where] = text;
          if (where === 'givenName') overrides.name = { givenName: text };
          if (where === 'email') overrides.emails = [{ type: 'work', value: text, primary: true }];
          if (where === 'department') overrides[ENTERPRISE_SCHEMA] = { department: text };
          if (where === 'role') overrides.roles = [{ value: text, primary: false }];
          if (where === 'key') overrides[text] = 'value';
          const body = entraUserBody(overrides);
          not5xx(await scim.post('/Users', body), `POST /Users ${where}`);
          not5xx(await dry.post('/Users', { ...body, userName: `dry${n}` }), `dry-run POST ${where}`);
          not5xx(
            await scim.patchOps(`/Users/${userId}`, [{ op: 'Replace', path: 'displayName', value: text }]),
            'PATCH displayName',
          );
          not5xx(
            await scim.patchOps(`/Users/${userId}`, [{ op: 'Add', path: text, value: 'x' }]),
            'PATCH path',
          );
          not5xx(
            await scim.put(
              `/Users/${userId}`,
              entraUserBody({ externalId: 'acme:fuzz', userName: 'fuzz@acme.test', displayName: text }),
            ),
            'PUT displayName',
          );
          not5xx(
            await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: text, externalId: text }),
            'POST /Groups',
          );
          not5xx(
            await scim.patchOps(`/Groups/${groupId}`, [
              { op: 'Replace', path: 'description', value: text },
              { op: 'Add', path: 'members', value: [{ value: text }] },
            ]),
            'PATCH /Groups',
          );
          not5xx(await scim.get(`/Users/${encode(text)}`), 'GET /Users/{id}');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('in every management field and query, and in the audit filters', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const n = unique();
        not5xx(await management('post', '/users', { userName: text }), 'management userName');
        not5xx(
          await management('post', '/users', { userName: `m${n}@acme.test`, displayName: text }),
          'management displayName',
        );
        not5xx(
          await management('post', '/groups', { displayName: text, description: text }),
          'management group',
        );
        not5xx(await management('get', `/users?name=${encode(text)}`), 'management ?name=');
        not5xx(await management('get', `/groups?name=${encode(text)}`), 'management groups ?name=');
        for (const parameter of ['userName', 'q', 'externalId']) {
          not5xx(
            await t
              .http()
              .get(`/api/v1/audit/events?${parameter}=${encode(text)}`)
              .set('Authorization', `Bearer ${supportToken}`),
            `audit ${parameter}`,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  describe('refuses what cannot be stored with a 400 naming where it is', () => {
    it('U+0000 and unpaired surrogates in a SCIM attribute', async () => {
      const nul = await scim.post('/Users', entraUserBody({ externalId: 'acme:nul', userName: 'a\u0000b' }));
      expect(nul.status).toBe(400);
      expect(nul.body).toMatchObject({ scimType: 'invalidValue' });
      expect(nul.body.detail).toBe(
        "attribute 'userName' contains the character U+0000, which cannot be stored",
      );
      // A lone surrogate can only arrive as a JSON escape: build the body text by hand.
      const text = JSON.stringify(
        entraUserBody({ externalId: 'acme:sur', userName: 'sur@acme.test' }),
      ).replace('"sur@acme.test"', '"sur\\ud800@acme.test"');
      const surrogate = await t
        .http()
        .post(`${scim.base}/Users`)
        .set('Authorization', `Bearer ${org.token}`)
        .set('Content-Type', 'application/scim+json')
        .send(text);
      expect(surrogate.status).toBe(400);
      expect(surrogate.body.detail).toMatch(/^attribute 'userName' contains an unpaired UTF-16 surrogate/);
      const nested = await scim.post('/Users', entraUserBody({ emails: [{ value: 'x\u0000' }] }));
      expect(nested.body.detail).toMatch(/^attribute 'emails\[0\]\.value' contains the character U\+0000/);
      const stored = await t.db.query("SELECT id FROM users WHERE external_id IN ('acme:nul', 'acme:sur')");
      expect(stored).toEqual([]);
    });

    it('U+0000 in a query parameter, SCIM and management alike', async () => {
      const filter = await scim.get(`/Users?filter=${encode('userName eq "a\u0000"')}`);
      expect(filter.status).toBe(400);
      expect(filter.body.detail).toBe(
        "parameter 'filter' contains the character U+0000, which cannot be stored",
      );
      const name = await management('get', `/users?name=${encode('a\u0000')}`);
      expect(name.status).toBe(400);
      expect(name.body.detail).toBe("parameter 'name' contains the character U+0000, which cannot be stored");
    });

    it('JSON nested deeper than any body needs, in every API', async () => {
      const scimDeep = await t
        .http()
        .post(`${scim.base}/Users`)
        .set('Authorization', `Bearer ${org.token}`)
        .set('Content-Type', 'application/scim+json')
        .send(deeplyNested(entraUserBody({ externalId: 'acme:deep', userName: 'deep' }), 'title', 5_000));
      expect(scimDeep.status).toBe(400);
      expect(scimDeep.body.detail).toMatch(/^attribute 'title(\[0\])+' is nested deeper than 32 levels$/);
      const managementDeep = await management('post', '/users')
        .set('Content-Type', 'application/json')
        .send(deeplyNested({ userName: 'deep@acme.test' }, 'displayName', 5_000));
      expect(managementDeep.status).toBe(400);
      expect(managementDeep.body.detail).toMatch(/is nested deeper than 32 levels$/);
    });
  });
});
