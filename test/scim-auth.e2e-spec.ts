import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, withinTokenEviction } from './support/eventually.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM token guard', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<typeof seedOrganization>>;
  let other: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await seedOrganization(t.db.url);
    other = await seedOrganization(t.db.url);
  });
  afterAll(async () => {
    await t.close();
  });

  const spc = (organizationId: string) => `/scim/${organizationId}/ServiceProviderConfig`;

  it('answers 200 application/scim+json with a valid synchronizer token, on both Tenant URLs', async () => {
    for (const path of [
      spc(acme.organizationId),
      `/scim/${acme.organizationId}/dry-run/ServiceProviderConfig`,
    ]) {
      const response = await t.http().get(path).set('Authorization', `Bearer ${acme.token}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(response.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
      expect(response.headers['x-request-id']).toMatch(/.+/);
    }
  });

  it.each([
    ['no Authorization header', undefined],
    ['a non-bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['a malformed token', 'Bearer not-a-token'],
    ['an unknown token', 'Bearer sct_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers 401 with a SCIM error body for %s', async (_case, header) => {
    const request = t.http().get(spc(acme.organizationId));
    if (header) void request.set('Authorization', header);
    const response = await request;
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="scim"');
    expect(response.body).toEqual({ schemas: [SCIM_ERROR], status: '401', detail: expect.any(String) });
  });

  it('answers 401 for the right prefix with a wrong secret', async () => {
    const [mark, prefix] = acme.token.split('_');
    const forged = `${mark}_${prefix}_${'B'.repeat(43)}`;
    const response = await t.http().get(spc(acme.organizationId)).set('Authorization', `Bearer ${forged}`);
    expect(response.status).toBe(401);
  });

  it('answers 403 for a valid token of another organization', async () => {
    const response = await t
      .http()
      .get(spc(acme.organizationId))
      .set('Authorization', `Bearer ${other.token}`);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      schemas: [SCIM_ERROR],
      status: '403',
      detail: expect.stringMatching(/another organization/),
    });
  });

  it('answers 403 for an organization that does not exist', async () => {
    const response = await t
      .http()
      .get(spc('not-an-organization'))
      .set('Authorization', `Bearer ${acme.token}`);
    expect(response.status).toBe(403);
  });

  it('answers 403 for a token whose user is not a Directory Synchronizer', async () => {
    const reader = (
      await cli(
        t.db.url,
        'tokens',
        'issue',
        '--organization',
        acme.organizationId,
        '--role',
        'GlobalAdministrator',
        '--json',
      )
    ).json();
    const response = await t
      .http()
      .get(spc(acme.organizationId))
      .set('Authorization', `Bearer ${String(reader.token)}`);
    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/DirectorySynchronizer/);
  });

  it('answers 401 once the token is revoked', async () => {
    const extra = (
      await cli(
        t.db.url,
        'tokens',
        'issue',
        '--organization',
        acme.organizationId,
        '--role',
        'DirectorySynchronizer',
        '--json',
      )
    ).json();
    const bearer = `Bearer ${String(extra.token)}`;
    expect((await t.http().get(spc(acme.organizationId)).set('Authorization', bearer)).status).toBe(200);
    expect((await cli(t.db.url, 'tokens', 'revoke', '--id', String(extra.tokenId))).code).toBe(0);
    const refused = await withinTokenEviction(
      'the revoked token refused',
      async () => (await t.http().get(spc(acme.organizationId)).set('Authorization', bearer)).status,
      (status) => status === 401,
    );
    expect(refused).toBe(401);
  });

  it('records last use at most once a minute', async () => {
    const extra = (
      await cli(
        t.db.url,
        'tokens',
        'issue',
        '--organization',
        acme.organizationId,
        '--role',
        'DirectorySynchronizer',
        '--json',
      )
    ).json();
    const lastUsed = async () =>
      (
        await t.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_tokens WHERE id = $1', [
          extra.tokenId,
        ])
      )[0]!.last_used_at;
    expect(await lastUsed()).toBeNull();
    await t
      .http()
      .get(spc(acme.organizationId))
      .set('Authorization', `Bearer ${String(extra.token)}`);
    // Stamped off the request path: soon after the answer, not before it.
    const first = await waitFor('the last use stamped', lastUsed, { until: (value) => value !== null });
    expect(first).toBeInstanceOf(Date);
    await t
      .http()
      .get(spc(acme.organizationId))
      .set('Authorization', `Bearer ${String(extra.token)}`);
    expect(await lastUsed()).toEqual(first);
  });

  it('answers unknown routes under /scim with 404 in the SCIM envelope', async () => {
    const response = await t
      .http()
      .get(`/scim/${acme.organizationId}/Nothing`)
      .set('Authorization', `Bearer ${acme.token}`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({ schemas: [SCIM_ERROR], status: '404', detail: expect.any(String) });
  });

  it('honours a sane caller request id and replaces an unsafe one', async () => {
    const kept = await t.http().get('/health/live').set('X-Request-Id', 'entra-req-42');
    expect(kept.headers['x-request-id']).toBe('entra-req-42');
    const replaced = await t.http().get('/health/live').set('X-Request-Id', 'bad id with spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
