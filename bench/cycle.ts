import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createGroupBody, createUserBody, eqFilter, externalIdOf, membersBody, SCIM_JSON } from './entra.js';
import type { Measurement, ServerPeak } from './http-load.js';
import { postgresCpuMs } from './proc.js';
import type { Tenant } from './seed.js';
import { LatencyRecorder } from './stats.js';

/**
 * Scenario 6: what Entra sends in an initial cycle (reference §2), replayed request by request.
 * One provisioning job is sequential; several tenants syncing at once are several jobs in parallel,
 * each on its own connection.
 */

export interface CyclePlan {
  tenant: Tenant;
  users: { userName: string; externalId: string }[];
  /** Members are indexes into `users`. */
  groups: { displayName: string; members: number[] }[];
}

export interface CycleSizes {
  users: number;
  groups: number;
  groupMembers: number;
  membersPerPatch: number;
}

/** Splits the cycle's users and groups over the tenants; each group's members are users of its tenant. */
export function planCycle(tenants: Tenant[], sizes: CycleSizes, label: string): CyclePlan[] {
  return tenants.map((tenant, t) => {
    const userCount = Math.floor(sizes.users / tenants.length) + (t < sizes.users % tenants.length ? 1 : 0);
    const groupCount =
      Math.floor(sizes.groups / tenants.length) + (t < sizes.groups % tenants.length ? 1 : 0);
    const users = Array.from({ length: userCount }, (_, i) => ({
      userName: `${label}-${t}-${i}@${tenant.ssoIdentifier}.example`,
      externalId: externalIdOf(tenant.ssoIdentifier),
    }));
    const groups = Array.from({ length: groupCount }, (_, g) => {
      const members = shuffled(users.map((_, i) => i)).slice(0, Math.min(sizes.groupMembers, userCount));
      return { displayName: `${label} group ${t}-${g}`, members };
    });
    return { tenant, users, groups };
  });
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface Response {
  status: number;
  body: string;
}

class Job {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly baseUrl: URL,
    private readonly plan: CyclePlan,
    private readonly membersPerPatch: number,
    private readonly stats: {
      latencies: LatencyRecorder;
      statuses: Record<string, number>;
      failures: string[];
    },
  ) {}

  private async send(method: string, path: string, expected: number, body?: string): Promise<Response> {
    const started = performance.now();
    const response = await new Promise<Response>((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: this.baseUrl.hostname,
          port: this.baseUrl.port,
          method,
          path: `/scim/${this.plan.tenant.organizationId}${path}`,
          headers: {
            authorization: `Bearer ${this.plan.tenant.token}`,
            ...(body === undefined
              ? {}
              : { 'content-type': SCIM_JSON, 'content-length': Buffer.byteLength(body) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          incoming.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    this.stats.latencies.record(performance.now() - started);
    this.stats.statuses[response.status] = (this.stats.statuses[response.status] ?? 0) + 1;
    if (response.status !== expected && this.stats.failures.length < 20) {
      this.stats.failures.push(`${method} ${path} -> ${response.status} ${response.body.slice(0, 200)}`);
    }
    return response;
  }

  private async lookup(path: string): Promise<void> {
    const response = await this.send('GET', path, 200);
    if (response.status === 200 && !response.body.includes('"totalResults":0')) {
      this.stats.failures.push(`GET ${path} found a resource in an empty organization`);
    }
  }

  async run(): Promise<void> {
    try {
      // Test connection: a random GUID as userName, and a random group lookup.
      await this.lookup(`/Users?${eqFilter('userName', randomUUID())}`);
      await this.lookup(`/Groups?excludedAttributes=members&${eqFilter('displayName', randomUUID())}`);
      const ids: string[] = [];
      for (const user of this.plan.users) {
        await this.lookup(`/Users?${eqFilter('externalId', user.externalId)}`);
        await this.lookup(`/Users?${eqFilter('userName', user.userName)}`);
        const created = await this.send(
          'POST',
          '/Users',
          201,
          createUserBody(user.userName, user.externalId),
        );
        ids.push(idOf(created));
      }
      for (const group of this.plan.groups) {
        await this.lookup(`/Groups?excludedAttributes=members&${eqFilter('displayName', group.displayName)}`);
        const created = await this.send('POST', '/Groups', 201, createGroupBody(group.displayName));
        const groupId = idOf(created);
        for (let i = 0; i < group.members.length; i += this.membersPerPatch) {
          const batch = group.members.slice(i, i + this.membersPerPatch).map((index) => ids[index]!);
          await this.send('PATCH', `/Groups/${groupId}`, 204, membersBody('Add', batch));
        }
      }
    } finally {
      this.agent.destroy();
    }
  }
}

function idOf(response: Response): string {
  try {
    return String((JSON.parse(response.body) as { id?: unknown }).id);
  } catch {
    return 'unknown';
  }
}

export interface CycleResult extends Measurement {
  /** Unexpected answers, for the report (at most 20). */
  problems: string[];
}

/** Runs every tenant's job at once (one connection each); the measurement covers all of them. */
export async function runCycle(
  baseUrl: string,
  plans: CyclePlan[],
  membersPerPatch: number,
  serverCpuMs: () => number,
  measurePostgres: boolean,
  serverPeak?: ServerPeak,
): Promise<CycleResult> {
  const peakReset = serverPeak?.reset() ?? false;
  const stats = {
    latencies: new LatencyRecorder(),
    statuses: {} as Record<string, number>,
    failures: [] as string[],
  };
  const cpuBefore = serverCpuMs();
  const pgBefore = measurePostgres ? postgresCpuMs() : 0;
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    plans.map((plan) => new Job(new URL(baseUrl), plan, membersPerPatch, stats).run()),
  );
  const elapsedSec = (performance.now() - started) / 1000;
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') stats.failures.push(String(outcome.reason));
  }
  const cpuMs = serverCpuMs() - cpuBefore;
  const pgMs = measurePostgres ? postgresCpuMs() - pgBefore : undefined;
  const requests = stats.latencies.count;
  return {
    connections: plans.length,
    durationSec: elapsedSec,
    requests,
    rps: requests / elapsedSec,
    latency: stats.latencies.summary(),
    statuses: stats.statuses,
    failures: stats.failures.length,
    serverCpuMsPerRequest: requests ? cpuMs / requests : undefined,
    postgresCpuMsPerRequest: pgMs !== undefined && requests ? pgMs / requests : undefined,
    serverPeakRssMb: peakReset ? serverPeak?.read() : undefined,
    problems: stats.failures,
  };
}
