import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementServer } from '#health';
import { HeavyReadsLimiter } from '#scim';
import { waitFor } from './support/eventually.js';
import { parseExposition, valueOf, type Exposition } from './support/metrics-text.js';
import { entraUserBody, scimClient } from './support/scim-client.js';
import { seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/** The connector's own metric families (process_* and nodejs_* come from prom-client). */
const OWN = /^(scim_|auth_|audit_|db_pool_|health_)/;

describe('metrics and health on the management port', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof seedOrganization>>;
  let b: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp({
      managementPort: true,
      env: {
        // Three failed authentications a minute per address, answered at once: the fourth is a 429.
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: '3',
        SCIM_REFUSAL_DELAY_MS: '0',
        SCIM_HEAVY_READS_PER_ORGANIZATION: '1',
      },
    });
    a = await seedOrganization(t.db.url);
    b = await seedOrganization(t.db.url);
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = async (): Promise<Exposition> => {
    const response = await t.management().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(response.text);
  };

  /** Waits until `name{labels}` reached `atLeast`: request metrics are recorded when the response closes. */
  const counted = (name: string, labels: Record<string, string>, atLeast: number) =>
    waitFor(`${name} ${JSON.stringify(labels)} >= ${atLeast}`, scrape, {
      until: (exposition) => valueOf(exposition, name, labels) >= atLeast,
    });

  it('serves /metrics and the probes on the management port, and neither /scim nor /api', async () => {
    const exposition = await scrape();
    expect(exposition.types.get('scim_requests_total')).toBe('counter');
    expect(exposition.types.get('scim_request_duration_seconds')).toBe('histogram');
    expect(exposition.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(exposition.types.get('db_pool_max_connections')).toBe('gauge');
    expect(valueOf(exposition, 'db_pool_max_connections')).toBe(20);

    const live = await t.management().get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    expect(live.body).toEqual((await t.http().get('/health/live')).body);

    const ready = await t.management().get('/health/ready');
    expect(ready.status).toBe(200);
    // The same report as the main port's, but for the request id and the ping's measured time.
    const withoutTimes = (body: unknown) =>
      JSON.parse(
        JSON.stringify(body, (key, value: unknown) => (key === 'responseTime' ? undefined : value)),
      ) as unknown;
    const { requestId: _id, ...mainReady } = (await t.http().get('/health/ready')).body as Record<
      string,
      unknown
    >;
    expect(withoutTimes(ready.body)).toEqual(withoutTimes(mainReady));
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
    expect(valueOf(await scrape(), 'health_ready')).toBe(1);

    for (const path of [
      `/scim/${a.organizationId}/Users`,
      `/scim/${a.organizationId}/ServiceProviderConfig`,
      '/api/v1/organizations',
      '/docs',
      '/',
    ]) {
      const response = await t.management().get(path).set('Authorization', `Bearer ${a.token}`);
      expect(response.status, path).toBe(404);
      expect(response.text, path).not.toContain('urn:ietf:params:scim');
    }
    expect((await t.management().post('/metrics')).status).toBe(405);
  });

  it('closes the management listener with the app', async () => {
    const other = await startTestApp({ managementPort: true });
    const port = other.app.get(ManagementServer).port();
    expect(port).toBeGreaterThan(0);
    expect((await other.management().get('/health/live')).status).toBe(200);
    await other.close();
    expect(other.app.get(ManagementServer).port()).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it('does not serve /metrics on the main port', async () => {
    const response = await t.http().get('/metrics');
    expect(response.status).toBe(404);
    expect(response.text).not.toContain('scim_requests_total');
  });

  it('counts SCIM requests by resource, operation, outcome, status class and mode', async () => {
    const live = scimClient(t, a.organizationId, a.token);
    const dryRun = scimClient(t, a.organizationId, a.token, true);
    const before = await scrape();
    const createdLabels = {
      resource: 'User',
      operation: 'create',
      outcome: 'success',
      status_class: '2xx',
      mode: 'live',
    };
    const readLabels = { ...createdLabels, operation: 'read' };
    const notFoundLabels = { ...readLabels, outcome: 'failure', status_class: '4xx' };
    const dryRunLabels = { ...createdLabels, mode: 'dry_run' };

    const created = await live.post('/Users', entraUserBody({ externalId: 'acme:metrics-1' }));
    expect(created.status).toBe(201);
    expect((await live.get(`/Users/${String(created.body.id)}`)).status).toBe(200);
    expect((await live.get(`/Users/${randomUUID()}`)).status).toBe(404);
    const wouldCreate = await dryRun.post(
      '/Users',
      entraUserBody({ externalId: 'acme:metrics-2', userName: 'dry@example.com' }),
    );
    expect(wouldCreate.status).toBe(201);
    expect((await live.get('/ServiceProviderConfig')).status).toBe(200);

    const after = await counted(
      'scim_requests_total',
      dryRunLabels,
      valueOf(before, 'scim_requests_total', dryRunLabels) + 1,
    );
    await counted('scim_requests_total', { resource: 'ServiceProviderConfig', operation: 'discovery' }, 1);
    for (const labels of [createdLabels, readLabels, notFoundLabels, dryRunLabels]) {
      expect(
        valueOf(after, 'scim_requests_total', labels) - valueOf(before, 'scim_requests_total', labels),
        JSON.stringify(labels),
      ).toBe(1);
    }
    // The 404's series exists with exactly these labels; no live create was counted as a dry-run.
    expect(valueOf(after, 'scim_requests_total', { ...createdLabels, outcome: 'failure' })).toBe(0);

    const final = await scrape();
    const durationCount = (labels: Record<string, string>) =>
      valueOf(final, 'scim_request_duration_seconds_count', labels);
    expect(durationCount({ resource: 'User', operation: 'create', mode: 'live' })).toBeGreaterThanOrEqual(1);
    expect(durationCount({ resource: 'User', operation: 'create', mode: 'dry_run' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      valueOf(final, 'scim_request_duration_seconds_bucket', {
        resource: 'User',
        operation: 'create',
        mode: 'live',
        le: '+Inf',
      }),
    ).toBe(durationCount({ resource: 'User', operation: 'create', mode: 'live' }));
    expect(valueOf(final, 'auth_token_verifications_total', { result: 'valid' })).toBeGreaterThanOrEqual(5);
    expect(valueOf(final, 'db_pool_total_connections')).toBeGreaterThan(0);
    expect(valueOf(final, 'db_pool_waiting_clients')).toBe(0);
    // Reads and dry-runs are written after their response, in batches.
    const flushed = await waitFor('an audit batch', scrape, {
      until: (exposition) => valueOf(exposition, 'audit_writer_flush_duration_seconds_count') > 0,
    });
    expect(valueOf(flushed, 'audit_writer_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(valueOf(flushed, 'audit_spool_rows')).toBe(0);
  });

  it('counts heavy-read refusals by scope', async () => {
    const limiter = t.app.get(HeavyReadsLimiter);
    const release = limiter.acquire(b.organizationId);
    try {
      expect(() => limiter.acquire(b.organizationId)).toThrow(/This organization already has 1/);
    } finally {
      release();
    }
    expect(valueOf(await scrape(), 'scim_heavy_read_refusals_total', { scope: 'organization' })).toBe(1);
  });

  it('labels nothing with an organization, user or token, so series do not grow with tenants', async () => {
    const drive = async (org: typeof a, tag: string) => {
      const client = scimClient(t, org.organizationId, org.token);
      const created = await client.post(
        '/Users',
        entraUserBody({ externalId: `acme:${tag}`, userName: `${tag}@example.com` }),
      );
      expect(created.status).toBe(201);
      expect((await client.get(`/Users/${String(created.body.id)}`)).status).toBe(200);
      expect(
        (await client.get(`/Users?filter=${encodeURIComponent(`userName eq "${tag}@example.com"`)}`)).status,
      ).toBe(200);
      expect((await client.delete(`/Users/${String(created.body.id)}`)).status).toBe(204);
      return String(created.body.id);
    };
    const seriesOf = (exposition: Exposition) =>
      new Set(
        exposition.samples
          .filter((sample) => OWN.test(sample.name))
          .map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`),
      );

    const deletes = valueOf(await scrape(), 'scim_requests_total', { operation: 'delete' });
    // Each drive ends with its delete, recorded after the requests before it.
    const userA = await drive(a, 'series-a');
    const afterA = await counted('scim_requests_total', { operation: 'delete' }, deletes + 1);
    const userB = await drive(b, 'series-b');
    const afterB = await counted('scim_requests_total', { operation: 'delete' }, deletes + 2);

    // The second organization's identical traffic moved counters but added no series.
    expect([...seriesOf(afterB)].filter((series) => !seriesOf(afterA).has(series))).toEqual([]);
    const identifiers = [
      a.organizationId,
      b.organizationId,
      a.userId,
      b.userId,
      a.tokenId,
      b.tokenId,
      userA,
      userB,
    ];
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    for (const sample of afterB.samples) {
      for (const value of Object.values(sample.labels)) {
        expect(identifiers, `${sample.name} ${value}`).not.toContain(value);
        expect(value, sample.name).not.toMatch(uuid);
        expect(value, sample.name).not.toContain('/');
      }
    }
  });

  // Last: once the address is over its failure limit, every request from it (the tests') is a 429.
  it('counts failed token verifications and rate-limit refusals by kind', async () => {
    const before = await scrape();
    const wrong = scimClient(t, a.organizationId, `sct_${'0'.repeat(12)}_${'x'.repeat(43)}`);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await wrong.get('/Users')).status);
    expect(statuses).toContain(401);
    expect(statuses).toContain(429);
    const refused = statuses.filter((status) => status === 429).length;
    const after = await counted(
      'scim_requests_total',
      { status_class: '4xx' },
      valueOf(before, 'scim_requests_total', { status_class: '4xx' }) + 5,
    );
    expect(
      valueOf(after, 'scim_rate_limit_refusals_total', { kind: 'authentication-failures' }) -
        valueOf(before, 'scim_rate_limit_refusals_total', { kind: 'authentication-failures' }),
    ).toBe(refused);
    expect(
      valueOf(after, 'auth_token_verifications_total', { result: 'invalid' }) -
        valueOf(before, 'auth_token_verifications_total', { result: 'invalid' }),
    ).toBe(5 - refused);
  });
});
