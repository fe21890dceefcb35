import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConnectorMetrics } from '#metrics';
import { HealthService } from './health.service.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The management listener (MANAGEMENT_PORT): `GET /metrics` (Prometheus text) and the health
 * probes, on a port of its own so that an ingress publishes the SCIM/API port alone. A plain Node
 * server: it serves three fixed paths and nothing else, never /scim or /api, and none of the main
 * port's hooks (audit, limits, body parsing) apply to it.
 *
 * Not listening until `listen()` (main.ts calls it after the main port; tests call it with port 0),
 * so building the app never claims a port. Closed after the main port, in Nest's shutdown: metrics
 * and liveness stay reachable while in-flight requests drain.
 */
@Injectable()
export class ManagementServer implements OnApplicationShutdown {
  private readonly logger = new Logger('ManagementServer');
  private server: Server | undefined;

  constructor(
    private readonly health: HealthService,
    private readonly metrics: ConnectorMetrics,
  ) {}

  /** Starts listening; resolves with the port actually bound (`0` picks a free one). */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('The management server is already listening.');
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.logger.error(
          `management request failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!response.headersSent) send(response, 500, JSON_TYPE, problem(500, 'Internal Server Error'));
        else response.destroy();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** The bound port, or undefined when not listening. */
  port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Scrapes and probes are short: idle keep-alive sockets must not hold the shutdown.
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    const known = path === '/metrics' || path === '/health/live' || path === '/health/ready';
    if (!known) return send(response, 404, JSON_TYPE, problem(404, 'Not Found'));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, JSON_TYPE, problem(405, 'Method Not Allowed'));
    }
    if (path === '/metrics')
      return send(response, 200, this.metrics.contentType, await this.metrics.scrape());
    if (path === '/health/live') return send(response, 200, JSON_TYPE, JSON.stringify(this.health.live()));
    const ready = await this.health.readyAnswer();
    return send(response, ready.status, JSON_TYPE, JSON.stringify(ready.body));
  }
}

function problem(status: number, title: string): string {
  return JSON.stringify({ type: 'about:blank', title, status });
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
