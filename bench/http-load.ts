import { setTimeout } from 'node:timers/promises';
import autocannon from 'autocannon';
import { postgresCpuMs } from './proc.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

/** What one measured run produced; shared by HTTP scenarios and database baselines. */
export interface Measurement {
  connections: number;
  durationSec: number;
  requests: number;
  rps: number;
  latency: LatencySummary;
  /** Responses by status code (HTTP) or completed/failed (baselines). */
  statuses: Record<string, number>;
  /** Responses with an unexpected status, plus connection errors and timeouts. */
  failures: number;
  /** CPU ms per request of the connector process (undefined for baselines). */
  serverCpuMsPerRequest?: number;
  /** CPU ms per request of the PostgreSQL server's processes (when it runs on this machine). */
  postgresCpuMsPerRequest?: number;
  /** The connector's peak RSS during this run (VmHWM, reset before it). */
  serverPeakRssMb?: number;
  /** Every latency, for merging runs; not written to the results file. */
  samples?: Float64Array;
}

/** Two runs of the same thing as one (latency percentiles over both runs' samples). */
export function mergeMeasurements(a: Measurement, b: Measurement): Measurement {
  const samples = new Float64Array([...(a.samples ?? []), ...(b.samples ?? [])]);
  const requests = a.requests + b.requests;
  const perRequest = (x?: number, y?: number) =>
    x === undefined || y === undefined ? undefined : (x * a.requests + y * b.requests) / requests;
  const peaks = [a.serverPeakRssMb, b.serverPeakRssMb].filter((peak) => peak !== undefined);
  const statuses = { ...a.statuses };
  for (const [status, count] of Object.entries(b.statuses))
    statuses[status] = (statuses[status] ?? 0) + count;
  return {
    connections: a.connections,
    durationSec: a.durationSec + b.durationSec,
    requests,
    rps: requests / (a.durationSec + b.durationSec),
    latency: LatencyRecorder.of(samples).summary(),
    statuses,
    failures: a.failures + b.failures,
    serverCpuMsPerRequest: perRequest(a.serverCpuMsPerRequest, b.serverCpuMsPerRequest),
    postgresCpuMsPerRequest: perRequest(a.postgresCpuMsPerRequest, b.postgresCpuMsPerRequest),
    serverPeakRssMb: peaks.length ? Math.max(...peaks) : undefined,
    samples,
  };
}

export interface HttpLoad {
  baseUrl: string;
  connections: number;
  durationSec: number;
  /** The sequence of requests one connection repeats; called once per connection. */
  requestsFor: (connection: number) => autocannon.Request[];
  expectStatus: readonly number[];
  serverCpuMs: () => number;
  measurePostgres: boolean;
  /** Resets the server's peak RSS before the run and reads it after. */
  serverPeak?: ServerPeak;
  /** Requests per second over all connections (paced, like a client with a steady rate); unset: flat out. */
  overallRate?: number;
}

export interface ServerPeak {
  reset(): boolean;
  /** MB */
  read(): number;
}

/** Runs autocannon against the connector and measures it (latencies from every response, in ms). */
export async function runHttpLoad(load: HttpLoad): Promise<Measurement> {
  const latencies = new LatencyRecorder();
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  let connection = 0;
  const peakReset = load.serverPeak?.reset() ?? false;
  const cpuBefore = load.serverCpuMs();
  const pgBefore = load.measurePostgres ? postgresCpuMs() : 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.baseUrl,
        connections: load.connections,
        duration: load.durationSec,
        timeout: 60,
        ...(load.overallRate === undefined ? {} : { overallRate: load.overallRate }),
        setupClient: (client) => client.setRequests(load.requestsFor(connection++)),
      },
      (error: unknown, outcome: autocannon.Result) => (error ? reject(toError(error)) : resolve(outcome)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.record(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (!load.expectStatus.includes(statusCode)) unexpected += 1;
    });
  });
  const elapsedSec = (performance.now() - started) / 1000;
  // Let the work of the last responses finish (a read's audit row is written after its response).
  await setTimeout(200);
  const cpuMs = load.serverCpuMs() - cpuBefore;
  const pgMs = load.measurePostgres ? postgresCpuMs() - pgBefore : undefined;
  const requests = latencies.count;
  if (result.errors > 0) statuses.errors = result.errors;
  if (result.timeouts > 0) statuses.timeouts = result.timeouts;
  return {
    connections: load.connections,
    durationSec: elapsedSec,
    requests,
    rps: requests / elapsedSec,
    latency: latencies.summary(),
    statuses,
    failures: unexpected + result.errors + result.timeouts,
    serverCpuMsPerRequest: requests ? cpuMs / requests : undefined,
    postgresCpuMsPerRequest: pgMs !== undefined && requests ? pgMs / requests : undefined,
    serverPeakRssMb: peakReset ? load.serverPeak?.read() : undefined,
    samples: latencies.samples(),
  };
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
