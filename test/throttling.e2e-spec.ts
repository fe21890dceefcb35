import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Injectable, Module, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthModule } from '#auth';
import { ScimTokenGuard, DryRunInterceptor, SCIM_TENANT_ROUTES } from '#scim';
import { scimLimiterOf } from '#limits';
import { SyncAuditRecorder } from '#audit-log';
import { waitFor } from './support/eventually.js';
import { cli, seedOrganization, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Requests that stay in flight until the test lets them go: concurrency is tested by holding
 * requests in the handler (behind the real guard and interceptor), not by timing.
 */
@Injectable()
class Gate {
  arrived = 0;
  private opened!: Promise<void>;
  private open!: () => void;

  constructor() {
    this.close();
  }

  close(): void {
    this.arrived = 0;
    this.opened = new Promise((resolve) => (this.open = resolve));
  }

  async pass(): Promise<void> {
    this.arrived += 1;
    await this.opened;
  }

  release(): void {
    this.open();
  }
}

@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
class HeldController {
  constructor(private readonly gate: Gate) {}

  @Get('Held/:id')
  async held(@Param('id') id: string) {
    await this.gate.pass();
    return { id };
  }
}

@Module({ imports: [AuthModule], controllers: [HeldController], providers: [DryRunInterceptor, Gate] })
class HeldModule {}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/** Sends `total` requests over `connections` kept-alive sockets (a real listener, like Entra). */
async function flood(
  baseUrl: string,
  total: number,
  connections: number,
  requestOf: (index: number) => { path: string; headers?: Record<string, string> },
): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const answers: Answer[] = new Array<Answer>(total);
  let next = 0;
  const send = (index: number) =>
    new Promise<Answer>((resolve, reject) => {
      const { path, headers } = requestOf(index);
      const call = httpRequest(`${baseUrl}${path}`, { agent, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
          }),
        );
      });
      call.on('error', reject);
      call.end();
    });
  const worker = async () => {
    while (next < total) {
      const index = next++;
      answers[index] = await send(index);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  return answers;
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

const statusesOf = (answers: readonly Answer[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

const wrongToken = (prefix = '000000000000') => `Bearer sct_${prefix}_${'A'.repeat(43)}`;

function expectTooMany(answer: Answer): void {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(answer.body).toMatchObject({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: '429',
    detail: expect.stringMatching(/Too many/),
  });
}

interface AuditTotals {
  rows: number;
  requests: number;
}

async function auditTotals(t: TestApp, where = 'true', params: unknown[] = []): Promise<AuditTotals> {
  // Every response has been received: the recorder has scheduled every row; write them now.
  await t.app.get(SyncAuditRecorder).flush();
  const [row] = await t.db.query<AuditTotals>(
    `SELECT count(*)::int AS rows, coalesce(sum(count), 0)::int AS requests FROM sync_audit_events WHERE ${where}`,
    params,
  );
  return row!;
}

describe('failed authentication is throttled per client address and token prefix', () => {
  let t: TestApp;
  let baseUrl: string;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: '20',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_TOKEN: '20',
        SCIM_REFUSAL_DELAY_MS: '0',
      },
    });
    organizationId = (await seedOrganization(t.db.url)).organizationId;
    baseUrl = await listen(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 5,000 wrong tokens at 64 connections with 429 + Retry-After after the threshold, in fewer than 100 audit rows', async () => {
    const total = 5_000;
    const started = performance.now();
    const answers = await flood(baseUrl, total, 64, () => ({
      path: `/scim/${organizationId}/Users`,
      headers: { authorization: wrongToken() },
    }));
    const seconds = (performance.now() - started) / 1000;
    const statuses = statusesOf(answers);
    // Every request that could fail holds its place in the failure limit until it is answered, so
    // exactly 20 reach the database, plus what the bucket refilled meanwhile (one every 3 s).
    expect(statuses[401]).toBeGreaterThanOrEqual(20);
    expect(statuses[401]).toBeLessThanOrEqual(20 + Math.floor(seconds / 3));
    expect(statuses[401]! + statuses[429]!).toBe(total);
    for (const answer of answers.filter((a) => a.status === 429)) expectTooMany(answer);

    const audit = await auditTotals(t);
    expect(audit.rows).toBeLessThan(100);
    expect(audit.requests).toBe(total);
    // The refusals: one row per address and minute (the flood may straddle a minute boundary).
    const folded = await t.db.query<{
      count: number;
      token_prefix: string | null;
      organization_id: string | null;
    }>(`SELECT count, token_prefix, organization_id FROM sync_audit_events WHERE status = 429`);
    expect(folded.length).toBeLessThanOrEqual(Math.ceil(seconds / 60) + 1);
    expect(folded.reduce((sum, row) => sum + row.count, 0)).toBe(statuses[429]);
    expect(folded[0]).toMatchObject({ token_prefix: '000000000000', organization_id: null });
  }, 60_000);

  it('throttles one token prefix tried from many addresses (TRUST_PROXY), and each address on its own', async () => {
    const proxied = await startTestApp({
      env: {
        TRUST_PROXY: '127.0.0.1',
        SCIM_REFUSAL_DELAY_MS: '0',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: '5',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_TOKEN: '10',
      },
    });
    try {
      const org = (await seedOrganization(proxied.db.url)).organizationId;
      const from = (address: string, authorization?: string) => {
        const call = proxied.http().get(`/scim/${org}/Users`).set('X-Forwarded-For', address);
        return authorization ? call.set('Authorization', authorization) : call;
      };
      // One address, no token: refused after 5 failures, while another address still gets 401.
      const first = [];
      for (let i = 0; i < 8; i += 1) first.push((await from('203.0.113.1')).status);
      expect(first).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect((await from('203.0.113.2')).status).toBe(401);
      // One prefix from ever new addresses: refused after 10 failures of that prefix.
      const prefix = [];
      for (let i = 0; i < 12; i += 1)
        prefix.push((await from(`198.51.100.${i}`, wrongToken('abcdef012345'))).status);
      expect(prefix).toEqual([...Array<number>(10).fill(401), 429, 429]);
      // Another prefix from a fresh address is not affected.
      expect((await from('198.51.100.200', wrongToken('0123456789ab'))).status).toBe(401);
      await proxied.app.get(SyncAuditRecorder).flush();
      const addresses = await proxied.db.query<{ client_address: string }>(
        `SELECT DISTINCT client_address FROM sync_audit_events ORDER BY 1`,
      );
      expect(addresses.map((row) => row.client_address)).toContain('203.0.113.1');
    } finally {
      await proxied.close();
    }
  });
});

describe('per-organization limits', () => {
  let t: TestApp;
  let acme: Awaited<ReturnType<typeof seedOrganization>>;
  let globex: Awaited<ReturnType<typeof seedOrganization>>;

  beforeAll(async () => {
    t = await startTestApp({
      imports: [HeldModule],
      env: {
        SCIM_ORG_CONCURRENCY: '2',
        SCIM_ORG_RATE_PER_SECOND: '1',
        SCIM_ORG_RATE_BURST: '10',
        SCIM_REFUSAL_DELAY_MS: '0',
      },
    });
    acme = await seedOrganization(t.db.url);
    globex = await seedOrganization(t.db.url);
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = (org: typeof acme, path: string) =>
    t.http().get(`/scim/${org.organizationId}/${path}`).set('Authorization', `Bearer ${org.token}`);

  it('answers the flooding organization 429 + Retry-After once its rate is spent, and serves another', async () => {
    // One after the other (never two in flight): 30 requests take far less than the 20 s in which
    // a rate of 1/s would refill what they spend beyond the burst of 10.
    const answers = [];
    for (let i = 0; i < 30; i += 1) answers.push(await get(acme, 'ServiceProviderConfig'));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(10);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expectTooMany({ status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body });
      expect(answer.body.detail).toMatch(/for this organization: at most 1 per second/);
    }
    // The other organization's bucket is its own.
    for (let i = 0; i < 5; i += 1) expect((await get(globex, 'ServiceProviderConfig')).status).toBe(200);

    // The refusals are folded: one row per organization, source and minute, counting them all.
    const audit = await auditTotals(t, `status = 429 AND organization_id = $1`, [acme.organizationId]);
    expect(audit.requests).toBe(refused.length);
    expect(audit.rows).toBeLessThanOrEqual(2);
  });

  it('answers 429 when an organization has too many requests in flight, and serves another meanwhile', async () => {
    const gate = t.app.get(Gate);
    gate.close();
    // Fresh organizations: the previous test spent acme's rate.
    const busy = await seedOrganization(t.db.url);
    const quiet = await seedOrganization(t.db.url);
    const held = [get(busy, 'Held/1'), get(busy, 'Held/2')].map((call) => call.then((r) => r));
    await waitFor('two requests held in flight', () => gate.arrived, { until: (n) => n === 2 });

    const third = await get(busy, 'ServiceProviderConfig');
    expectTooMany({ status: third.status, retryAfter: third.headers['retry-after'], body: third.body });
    expect(third.body.detail).toMatch(/at most 2 are served at once/);
    expect((await get(quiet, 'ServiceProviderConfig')).status).toBe(200);

    gate.release();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200]);
    // The slots were given back when the held responses closed.
    await waitFor(
      'the busy organization served again',
      async () => (await get(busy, 'ServiceProviderConfig')).status,
      {
        until: (status) => status === 200,
      },
    );
  });
});

describe('the management and audit APIs have limits of their own', () => {
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SCIM_ORG_RATE_PER_SECOND: '1',
        SCIM_ORG_RATE_BURST: '5',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: '10',
        SCIM_REFUSAL_DELAY_MS: '0',
      },
    });
    baseUrl = await listen(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const expectProblem = (answer: { status: number; headers: Record<string, unknown>; body: unknown }) => {
    expect(answer.status).toBe(429);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      detail: expect.stringMatching(/Too many/),
    });
  };

  it("answers an organization's administrator 429 once its rate is spent, without touching Entra's SCIM budget", async () => {
    const admin = await seedOrganization(t.db.url, 'GlobalAdministrator');
    const synchronizer = (
      await cli(
        t.db.url,
        'tokens',
        'issue',
        '--organization',
        admin.organizationId,
        '--role',
        'DirectorySynchronizer',
        '--json',
      )
    ).json();
    // One after the other: 20 requests take far less than the 15 s a rate of 1/s needs to refill
    // what they spend beyond the burst of 5.
    const answers = [];
    for (let i = 0; i < 20; i += 1) {
      answers.push(
        await t
          .http()
          .get(`/api/v1/organizations/${admin.organizationId}/users`)
          .set('Authorization', `Bearer ${admin.token}`),
      );
    }
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(5);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expectProblem(answer);
    // Entra's SCIM calls for the same organization are counted apart.
    const scim = await t
      .http()
      .get(`/scim/${admin.organizationId}/ServiceProviderConfig`)
      .set('Authorization', `Bearer ${String(synchronizer.token)}`);
    expect(scim.status).toBe(200);
    // Another organization's administrator has a budget of its own.
    const other = await seedOrganization(t.db.url, 'GlobalAdministrator');
    const otherAnswer = await t
      .http()
      .get(`/api/v1/organizations/${other.organizationId}/users`)
      .set('Authorization', `Bearer ${other.token}`);
    expect(otherAnswer.status).toBe(200);
  });

  it('refuses an address that keeps failing authentication on the APIs, before any token lookup', async () => {
    const organizationId = randomUUID();
    const started = performance.now();
    const answers = await flood(baseUrl, 200, 16, (index) => ({
      path: index % 2 === 0 ? `/api/v1/organizations/${organizationId}/users` : '/api/v1/audit/events',
      headers: { authorization: wrongToken() },
    }));
    const statuses = statusesOf(answers);
    const seconds = (performance.now() - started) / 1000;
    // 10 failures a minute per address: 10 reach the token lookup, plus one per 6 s refilled meanwhile.
    expect(statuses[401]).toBeGreaterThanOrEqual(10);
    expect(statuses[401]).toBeLessThanOrEqual(10 + Math.floor(seconds / 6));
    expect(statuses[401]! + statuses[429]!).toBe(200);
    const refused = answers.filter((answer) => answer.status === 429);
    for (const answer of refused) {
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(answer.body).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
    }
  });

  it('limits a path written with percent-encoded letters like the route it reaches', async () => {
    const answers = await flood(baseUrl, 60, 8, () => ({
      path: `/%73cim/${randomUUID()}/Users`,
      headers: { authorization: wrongToken('111111111111') },
    }));
    const statuses = statusesOf(answers);
    // 10 failures a minute per address reach the token lookup; the rest are refused before it.
    expect(statuses[429]).toBeGreaterThanOrEqual(40);
    expect(statuses[401]! + statuses[429]!).toBe(60);
  });

  it('does not limit the OpenAPI document, which reads no database', async () => {
    const statuses = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await t.http().get('/api/docs-json')).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('refusal delay', () => {
  it('answers a refusal only after the delay (at most Retry-After), serving others meanwhile', async () => {
    const t = await startTestApp({
      env: { SCIM_ORG_RATE_PER_SECOND: '1', SCIM_ORG_RATE_BURST: '1', SCIM_REFUSAL_DELAY_MS: '5000' },
    });
    try {
      const [busy, quiet] = [await seedOrganization(t.db.url), await seedOrganization(t.db.url)];
      const get = (org: typeof busy) =>
        t
          .http()
          .get(`/scim/${org.organizationId}/ServiceProviderConfig`)
          .set('Authorization', `Bearer ${org.token}`);
      expect((await get(busy)).status).toBe(200);
      const started = performance.now();
      const refused = get(busy).then((answer) => ({ answer, ms: performance.now() - started }));
      expect((await get(quiet)).status).toBe(200);
      const { answer, ms } = await refused;
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('1');
      // Held for between half and all of its Retry-After (1 s, less than the 5 s configured); a
      // timer never fires early.
      expect(ms).toBeGreaterThanOrEqual(450);
    } finally {
      await t.close();
    }
  });
});

describe('limiter memory', () => {
  it('stays within its cap under a flood of random organization ids and token prefixes', async () => {
    const t = await startTestApp({
      env: {
        SCIM_LIMITER_MAX_KEYS: '100',
        SCIM_ORG_RATE_PER_SECOND: '100',
        SCIM_ORG_CONCURRENCY: '16',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_ADDRESS: '0',
        SCIM_AUTH_FAILURES_PER_MINUTE_PER_TOKEN: '1',
      },
    });
    try {
      const baseUrl = await listen(t);
      const answers = await flood(baseUrl, 600, 16, () => ({
        path: `/scim/${randomUUID()}/Users`,
        headers: { authorization: wrongToken(randomBytes(6).toString('hex')) },
      }));
      // Every id and prefix is new: nothing is throttled, and nothing is remembered beyond the cap.
      expect(statusesOf(answers)).toEqual({ 401: 600 });
      const sizes = scimLimiterOf(t.app.getHttpAdapter().getInstance())!.sizes();
      expect(sizes.organizationRates).toBe(100);
      expect(sizes.failingTokenPrefixes).toBe(100);
      expect(sizes.organizationsInFlight).toBe(0);
      expect(sizes.failingAddresses).toBe(0);
    } finally {
      await t.close();
    }
  });
});
