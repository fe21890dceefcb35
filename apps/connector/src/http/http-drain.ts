import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A keep-alive socket idle this long, with no new bytes, is closed during a drain. */
export const DRAIN_IDLE_CLOSE_MS = 1_000;
const REAP_INTERVAL_MS = 100;

interface SocketState {
  /** Requests on this socket whose response has not closed yet. */
  busy: number;
  idleSince: number;
  bytesRead: number;
}

/**
 * Graceful drain of the HTTP server on SIGTERM, without resetting requests already on the wire.
 *
 * Node's `server.close()` (and Fastify's `forceCloseConnections: 'idle'`) destroy every socket
 * that is not processing a request at that instant, including one whose next request is already
 * in the kernel's buffer or being parsed: its client sees ECONNRESET. Instead, while draining:
 * - every response carries `Connection: close`, so a keep-alive socket closes after its next
 *   answer (the client opens a new connection, which the closed listener refuses cleanly);
 * - a socket is closed early only after it has been idle for DRAIN_IDLE_CLOSE_MS with no new
 *   bytes read: nothing of its client's is in flight;
 * - every remaining socket is destroyed at the grace deadline, not before.
 */
export class HttpDrain {
  private readonly sockets = new Map<Socket, SocketState>();
  private readonly open = new Set<ServerResponse>();
  private draining = false;
  private reaper: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: Server,
    private readonly idleCloseMs = DRAIN_IDLE_CLOSE_MS,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { busy: 0, idleSince: performance.now(), bytesRead: 0 });
      socket.once('close', () => this.sockets.delete(socket));
    });
    // First, so the header is set before any handler could answer.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const state = this.sockets.get(request.socket);
      if (state) state.busy += 1;
      this.open.add(response);
      if (this.draining) response.setHeader('connection', 'close');
      response.once('close', () => {
        this.open.delete(response);
        if (!state) return;
        state.busy -= 1;
        state.idleSince = performance.now();
      });
    });
  }

  /** Starts the drain: call before closing the server. Sockets left at `graceMs` are destroyed. */
  start(graceMs: number): void {
    if (this.draining) return;
    this.draining = true;
    for (const response of this.open) {
      if (!response.headersSent) response.setHeader('connection', 'close');
    }
    const closeAll = this.server.closeAllConnections.bind(this.server);
    // server.close() calls closeIdleConnections(); during a drain, the reaper below does that job.
    this.server.closeIdleConnections = () => undefined;
    this.reaper = setInterval(() => this.reapIdle(), REAP_INTERVAL_MS);
    this.reaper.unref();
    this.deadline = setTimeout(() => {
      clearInterval(this.reaper);
      closeAll();
    }, graceMs);
    this.deadline.unref();
    this.server.once('close', () => {
      clearInterval(this.reaper);
      clearTimeout(this.deadline);
    });
  }

  private reapIdle(): void {
    const now = performance.now();
    for (const [socket, state] of this.sockets) {
      const bytesRead = socket.bytesRead;
      const quiet = bytesRead === state.bytesRead;
      state.bytesRead = bytesRead;
      if (!quiet) {
        state.idleSince = now;
        continue;
      }
      if (state.busy === 0 && now - state.idleSince >= this.idleCloseMs) socket.destroy();
    }
  }
}
