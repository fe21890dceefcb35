import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Measurement } from './http-load.js';
import { ConnectorProcess } from './server.js';
import { LatencyRecorder } from './stats.js';

/**
 * Where the database can be made to go away for one connector: a loopback TCP proxy in front of
 * PostgreSQL that forwards, refuses (nothing listens), or hangs (takes connections, says nothing).
 */
class DatabaseSwitch {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  /** Starts forwarding; returns the port to connect to. */
  async forward(): Promise<number> {
    return this.listen((client) => {
      const upstream = connect(this.targetPort, this.host);
      this.keep(upstream);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  /** Takes every connection and never answers: a hung database. */
  async hang(): Promise<void> {
    await this.refuse();
    await this.listen(() => undefined);
  }

  /** Drops every connection and listens no more: connections are refused. */
  async refuse(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    await this.refuse();
    await this.forward();
  }

  private keep(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private async listen(onConnection: (client: Socket) => void): Promise<number> {
    const server = createServer((client) => {
      this.keep(client);
      onConnection(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
    const address = server.address();
    this.port = address && typeof address === 'object' ? address.port : this.port;
    return this.port;
  }
}

/** `count` readiness requests one after the other, each answer's status checked. */
async function readinessRun(baseUrl: string, count: number, expected: number): Promise<Measurement> {
  const latencies = new LatencyRecorder();
  const statuses: Record<string, number> = {};
  let failures = 0;
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    const sent = performance.now();
    let status: string;
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      await response.arrayBuffer();
      status = String(response.status);
    } catch {
      status = 'error';
    }
    latencies.record(performance.now() - sent);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== String(expected)) failures += 1;
  }
  const durationSec = (performance.now() - started) / 1000;
  return {
    connections: 1,
    durationSec,
    requests: count,
    rps: count / durationSec,
    latency: latencies.summary(),
    statuses,
    failures,
  };
}

export interface ReadinessResult {
  up: Measurement;
  refused: Measurement;
  hung: Measurement;
  /** Whether readiness answered 200 again once the database was back, without a restart. */
  recovered: boolean;
}

/**
 * `GET /health/ready` of a second connector (production settings) whose database connection goes
 * through a switch: with the database up (the baseline), refusing connections, and hung. The main
 * connector is not involved, so no other scenario's figures change.
 */
export async function measureReadiness(
  databaseUrl: string,
  samples: { up: number; refused: number; hung: number },
): Promise<ReadinessResult> {
  const url = new URL(databaseUrl);
  const database = new DatabaseSwitch(url.hostname, Number(url.port || 5432));
  url.hostname = '127.0.0.1';
  url.port = String(await database.forward());
  let server: ConnectorProcess | undefined;
  try {
    server = await ConnectorProcess.start({ databaseUrl: url.toString() });
    const up = await readinessRun(server.baseUrl, samples.up, 200);
    await database.refuse();
    const refused = await readinessRun(server.baseUrl, samples.refused, 503);
    await database.hang();
    const hung = await readinessRun(server.baseUrl, samples.hung, 503);
    await database.restore();
    const after = await readinessRun(server.baseUrl, 1, 200);
    return { up, refused, hung, recovered: after.failures === 0 };
  } finally {
    await server?.stop();
    await database.refuse();
  }
}
