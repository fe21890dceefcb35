import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import type { MemberRow } from '#groups';
import { GroupJsonStream, HeavyReadsLimiter } from '#scim';
import { ERROR_SCHEMA, scimClient } from './support/scim-client.js';
import { waitFor } from './support/eventually.js';
import { cli, startTestApp, type TestApp } from './support/test-app.js';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const BIG = 50_000;
/** The member query of GroupsRepository.streamMembers (one call per batch). */
const BATCH_QUERY = /gm\.user_id > \$3/;

interface Org {
  organizationId: string;
  token: string;
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** The body, kept only when it is small (errors, list pages). */
  text: string;
}

/**
 * Heavy SCIM reads (a group's members streamed, list pages with members) against a real server:
 * streamed with backpressure, capped, limited in flight, and cleaned up when the client leaves.
 */
describe('heavy reads: large groups streamed, capped and limited', () => {
  let t: TestApp;
  let base: string;
  let limiter: HeavyReadsLimiter;
  let a: Org;
  let b: Org;
  let c: Org;
  let bigA: string;
  let bigB: string;
  let smallC: string;
  const open = new Set<http.ClientRequest>();

  const seedOrg = async (name: string): Promise<Org> => {
    const org = await cli(
      t.db.url,
      'organizations',
      'create',
      '--name',
      name,
      '--sso-identifier',
      name,
      '--json',
    );
    const organizationId = String(org.json().id);
    const issued = await cli(
      t.db.url,
      'tokens',
      'issue',
      '--organization',
      organizationId,
      '--role',
      'DirectorySynchronizer',
      '--json',
    );
    return { organizationId, token: String(issued.json().token) };
  };
  const createGroup = async (org: Org, displayName: string): Promise<string> => {
    const response = await scimClient(t, org.organizationId, org.token).post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName,
    });
    expect(response.status).toBe(201);
    return String(response.body.id);
  };
  const addMembers = async (org: Org, groupId: string, count: number, prefix: string) => {
    await t.db.query(
      `WITH u AS (INSERT INTO users (organization_id, kind, user_name)
                  SELECT $1, 'interactive', $3 || g FROM generate_series(1, $4::int) AS g RETURNING id)
       INSERT INTO group_members (organization_id, group_id, user_id) SELECT $1, $2, id FROM u`,
      [org.organizationId, groupId, prefix, count],
    );
  };

  /**
   * A GET on a real socket. `hold` leaves the body unread (the server sees a client that reads
   * nothing); `count` reads a 200's body without keeping it.
   */
  const rawGet = (
    org: Org,
    path: string,
    mode: 'read' | 'hold' | 'count' = 'read',
  ): Promise<RawAnswer> & { request: http.ClientRequest } => {
    let request!: http.ClientRequest;
    const answer = new Promise<RawAnswer>((resolve, reject) => {
      request = http.get(
        `${base}/scim/${org.organizationId}${path}`,
        { headers: { authorization: `Bearer ${org.token}` }, agent: false },
        (response) => {
          if (mode === 'hold') {
            response.pause();
            resolve({ status: response.statusCode!, headers: response.headers, bytes: 0, text: '' });
            return;
          }
          let bytes = 0;
          let text = '';
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            // In `count` mode a 200's body is only counted (the big group's content is checked once, by supertest).
            if (mode === 'read' || response.statusCode !== 200) text += chunk.toString('utf8');
          });
          response.on('end', () =>
            resolve({ status: response.statusCode!, headers: response.headers, bytes, text }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      open.add(request);
      request.on('close', () => open.delete(request));
    });
    return Object.assign(answer, { request });
  };

  /** Clients of the app's pool checked out right now (0 once every statement has given its connection back). */
  const checkedOut = (): number => {
    const pool = (t.dataSource.driver as unknown as { master: pg.Pool }).master;
    return pool.totalCount - pool.idleCount;
  };
  const busyBackends = async (): Promise<number> =>
    (
      await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      )
    )[0]!.n;

  const expectServiceUnavailable = (answer: RawAnswer) => {
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
    expect(String(body.detail)).toMatch(/retry later/);
  };

  beforeAll(async () => {
    // The per-organization request limits (libs/limits) would answer most of a 220-request flood with
    // 429 before it reaches this limiter: switched off here, so the flood meets the heavy-read limits.
    t = await startTestApp({ env: { SCIM_ORG_CONCURRENCY: '0', SCIM_ORG_RATE_PER_SECOND: '0' } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    limiter = t.app.get(HeavyReadsLimiter);
    a = await seedOrg('heavy-a');
    b = await seedOrg('heavy-b');
    c = await seedOrg('heavy-c');
    bigA = await createGroup(a, 'Everyone A');
    bigB = await createGroup(b, 'Everyone B');
    smallC = await createGroup(c, 'Few C');
    await addMembers(a, bigA, BIG, 'big-a-');
    await addMembers(b, bigB, BIG, 'big-b-');
    await addMembers(c, smallC, 3, 'few-c-');
  });
  afterAll(async () => {
    for (const request of open) request.destroy();
    await t?.close();
  });

  it('streams a 50,000-member group whole and correct', async () => {
    const response = await scimClient(t, a.organizationId, a.token).get(`/Groups/${bigA}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.headers.etag).toBe(response.body.meta.version);
    expect(response.body).toMatchObject({ id: bigA, displayName: 'Everyone A' });
    const members = response.body.members as { value: string; display: string; type: string; $ref: string }[];
    expect(members).toHaveLength(BIG);
    const stored = await t.db.query<{ user_id: string; user_name: string }>(
      `SELECT gm.user_id, u.user_name FROM group_members gm JOIN users u ON u.id = gm.user_id
        WHERE gm.group_id = $1 ORDER BY gm.user_id`,
      [bigA],
    );
    expect(members.map((m) => m.value)).toEqual(stored.map((row) => row.user_id));
    expect(members.map((m) => m.display)).toEqual(stored.map((row) => row.user_name));
    expect(members[0]).toEqual({
      value: stored[0]!.user_id,
      display: stored[0]!.user_name,
      $ref: `http://scim.test/scim/${a.organizationId}/Users/${stored[0]!.user_id}`,
      type: 'User',
    });
    expect(limiter.inFlight()).toBe(0);
  });

  it('reads the next batch of members only when the client has taken the previous ones', async () => {
    let pulled = 0;
    let closed = false;
    const batch = (n: number): MemberRow[] =>
      Array.from({ length: 1_000 }, (_, i) => ({
        groupId: 'g',
        userId: `${String(n).padStart(4, '0')}-${String(i).padStart(4, '0')}`,
        display: `user ${n}.${i}`,
      }));
    async function* members(): AsyncGenerator<MemberRow[]> {
      try {
        for (let n = 0; n < 50; n += 1) {
          pulled += 1;
          yield batch(n);
        }
      } finally {
        closed = true;
      }
    }
    const stream = new GroupJsonStream({
      status: 200,
      etag: 'W/"1"',
      body: { schemas: [GROUP_SCHEMA], id: 'g' },
      members: members(),
      tenantUrl: 'http://scim.test/scim/o',
    });
    // A client that takes one chunk and then nothing more (its callback never comes).
    const chunks: Buffer[] = [];
    stream.pipe(
      new Writable({
        highWaterMark: 1,
        write(chunk: Buffer, _encoding, _callback) {
          chunks.push(chunk);
        },
      }),
    );
    // The fake batches resolve at once: a few turns of the event loop settle everything the stream
    // would read ahead.
    for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(chunks.length).toBe(1);
    expect(pulled).toBeLessThanOrEqual(2);
    stream.destroy();
    await waitFor('the member generator to be closed', () => closed);
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it('stops reading and gives back its slot and connection when the client leaves mid-stream', async () => {
    const query = vi.spyOn(t.dataSource, 'query');
    try {
      const batchesRead = () => query.mock.calls.filter(([sql]) => BATCH_QUERY.test(String(sql))).length;
      const answer = rawGet(a, `/Groups/${bigA}`, 'hold');
      expect((await answer).status).toBe(200);
      await waitFor('the stream to read its first batch', batchesRead, { until: (n) => n >= 1 });
      expect(limiter.inFlight(a.organizationId)).toBe(1);
      answer.request.destroy();
      await waitFor('the slot to be given back', () => limiter.inFlight(), { until: (n) => n === 0 });
      await waitFor('every pool connection to be back', checkedOut, { until: (n) => n === 0 });
      await waitFor('no busy backend on the database', busyBackends, { until: (n) => n === 0 });
      // 50 batches make the group; a client that read nothing and left cost a few of them.
      expect(batchesRead()).toBeLessThan(10);
    } finally {
      query.mockRestore();
    }
  });

  it('answers 503 with Retry-After once the per-organization and process-wide limits are full', async () => {
    const held = [...Array.from({ length: 4 }, () => rawGet(a, `/Groups/${bigA}`, 'hold'))];
    for (const answer of held) expect((await answer).status).toBe(200);
    await waitFor('4 slots of organization A', () => limiter.inFlight(a.organizationId), {
      until: (n) => n === 4,
    });
    // A's fifth heavy read is refused; its light reads (Entra's) are not limited.
    expectServiceUnavailable(await rawGet(a, `/Groups/${bigA}`));
    expectServiceUnavailable(await rawGet(a, `/Groups?count=10`));
    expect((await rawGet(a, `/Groups/${bigA}?excludedAttributes=members`)).status).toBe(200);
    expect(
      (await rawGet(a, `/Groups?excludedAttributes=members&filter=displayName+eq+%22Everyone+A%22`)).status,
    ).toBe(200);

    // Another organization still has its own 4; after those the process (8) is full for everyone.
    const heldB = Array.from({ length: 4 }, () => rawGet(b, `/Groups/${bigB}`, 'hold'));
    held.push(...heldB);
    for (const answer of heldB) expect((await answer).status).toBe(200);
    await waitFor('8 slots in the process', () => limiter.inFlight(), { until: (n) => n === 8 });
    const refused = await rawGet(c, `/Groups/${smallC}`);
    expectServiceUnavailable(refused);
    expect(JSON.parse(refused.text).detail).toMatch(/This server is already sending 8/);

    for (const answer of held) answer.request.destroy();
    await waitFor('every slot to be given back', () => limiter.inFlight(), { until: (n) => n === 0 });
    await waitFor('every pool connection to be back', checkedOut, { until: (n) => n === 0 });
    const after = await rawGet(c, `/Groups/${smallC}`);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text).members).toHaveLength(3);
  });

  it('refuses a list page embedding more members than the cap with 400 tooMany', async () => {
    const answer = await rawGet(a, `/Groups?count=1000`);
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'tooMany' });
    expect(String(body.detail)).toMatch(/excludedAttributes=members/);
    expect(String(body.detail)).toMatch(/smaller count/);
    const search = await scimClient(t, a.organizationId, a.token).post('/Groups/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      count: 10,
    });
    expect(search.status).toBe(400);
    expect(search.body.scimType).toBe('tooMany');
    // Under the cap, members are embedded as before.
    const small = await rawGet(c, `/Groups?count=10`);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.text).Resources[0].members).toHaveLength(3);
    expect(limiter.inFlight()).toBe(0);
  });

  it('survives 200 concurrent reads of the group and 20 list pages with members, with bounded memory', async () => {
    // Every streamed answer must be the whole group: as long as one read alone (test 1 checks its content).
    const alone = await rawGet(a, `/Groups/${bigA}`, 'count');
    expect(alone.status).toBe(200);
    const expectedBytes = alone.bytes;
    expect(expectedBytes).toBeGreaterThan(BIG * 100);
    // heapUsed counts garbage not yet collected too (the client's and the server's, in one process),
    // so the bound has room for that: the unbounded version grows by gigabytes here.
    const start = process.memoryUsage();
    let peakHeap = start.heapUsed;
    let peakRss = start.rss;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }, 10);
    let answers: RawAnswer[];
    try {
      answers = await Promise.all([
        ...Array.from({ length: 200 }, () => rawGet(a, `/Groups/${bigA}`, 'count')),
        ...Array.from({ length: 20 }, () => rawGet(a, `/Groups?count=1000`)),
      ]);
    } finally {
      clearInterval(sampler);
    }
    const reads = answers.slice(0, 200);
    const lists = answers.slice(200);
    for (const answer of reads) {
      if (answer.status === 200) expect(answer.bytes).toBe(expectedBytes);
      else expectServiceUnavailable(answer);
    }
    for (const answer of lists) {
      if (answer.status === 400) expect(JSON.parse(answer.text).scimType).toBe('tooMany');
      else expectServiceUnavailable(answer);
    }
    expect(reads.filter((answer) => answer.status === 200).length).toBeGreaterThan(0);
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    console.log(
      `heavy reads: ${reads.filter((r) => r.status === 200).length} reads streamed, ` +
        `${answers.filter((r) => r.status === 503).length} refused (503); ` +
        `heap +${mb(peakHeap - start.heapUsed)} MB, rss +${mb(peakRss - start.rss)} MB`,
    );
    expect(peakHeap - start.heapUsed).toBeLessThan(250 * 1024 * 1024);
    await waitFor('every slot to be given back', () => limiter.inFlight(), { until: (n) => n === 0 });
    expect((await rawGet(a, '/Groups?excludedAttributes=members')).status).toBe(200);
  }, 120_000);
});
