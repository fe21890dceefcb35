import { Logger, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import type { DatabaseConnectionSettings } from './data-source.options.js';

type Listener = (payload: string) => void;

const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/**
 * A connection that died without a word (a network partition, a frozen server) looks live until
 * something is sent on it: a query this often proves it is, so notifications can be missed for at
 * most this long plus the query's timeout before the cache stops serving.
 */
export const NOTIFICATIONS_HEARTBEAT_MS = 5_000;

/**
 * PostgreSQL LISTEN/NOTIFY for the process: one dedicated connection (outside the pool, which it
 * would otherwise hold forever), opened on first use, so a process that never listens (the CLI)
 * never opens it. A notification is delivered when the notifying transaction commits, to every
 * replica on the database.
 *
 * `live` says whether every notification since the listeners subscribed has been seen: it is false
 * until LISTEN succeeded and again from the moment the connection fails. A cache that relies on
 * notifications must serve nothing while it is false, and is told to forget everything
 * (`onGap`) whenever notifications may have been missed.
 */
export class DatabaseNotifications implements OnModuleDestroy {
  private readonly logger = new Logger('DatabaseNotifications');
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly gapListeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RECONNECT_FIRST_MS;
  private closed = false;
  private connected = false;

  constructor(private readonly settings: Pick<DatabaseConnectionSettings, 'url' | 'connectTimeoutMs'>) {}

  get live(): boolean {
    return this.connected;
  }

  /** Subscribes to a channel (a plain identifier) and starts listening if not yet. */
  listen(channel: string, listener: Listener): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    // A new channel on a live connection needs its own LISTEN: reconnecting is the simple way.
    if (this.connected) this.restart();
    else this.ensureConnected();
  }

  /** Called whenever notifications may have been missed (the connection failed or restarted). */
  onGap(listener: () => void): void {
    this.gapListeners.add(listener);
  }

  private ensureConnected(): void {
    if (this.closed || this.connecting || this.client) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.settings.url,
      connectionTimeoutMillis: this.settings.connectTimeoutMs,
      application_name: 'scim-connector-notifications',
      keepAlive: true,
    });
    // Without a listener an 'error' event (the server going away) would end the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      for (const listener of this.listeners.get(message.channel) ?? []) {
        try {
          listener(message.payload ?? '');
        } catch (error) {
          this.logger.error(`notification listener failed: ${String(error)}`);
        }
      }
    });
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.listeners.keys()) await client.query(`LISTEN ${channel}`);
      if (this.client !== client) return;
      this.connected = true;
      this.retryDelayMs = RECONNECT_FIRST_MS;
      this.heartbeat(client);
    } catch (error) {
      this.lost(client, error);
    }
  }

  private heartbeat(client: pg.Client): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      if (this.client !== client) return;
      const timeout = setTimeout(
        () => this.lost(client, new Error('heartbeat unanswered')),
        this.settings.connectTimeoutMs,
      );
      timeout.unref();
      client.query('SELECT 1').then(
        () => {
          clearTimeout(timeout);
          this.heartbeat(client);
        },
        (error: unknown) => {
          clearTimeout(timeout);
          this.lost(client, error);
        },
      );
    }, NOTIFICATIONS_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    clearTimeout(this.heartbeatTimer);
    this.gap();
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.closed) return;
    if (error !== undefined) this.logger.warn(`notification connection lost: ${messageOf(error)}`);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.ensureConnected(), this.retryDelayMs);
    this.reconnectTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RECONNECT_MAX_MS);
  }

  private restart(): void {
    const client = this.client;
    if (client) this.lost(client);
  }

  private gap(): void {
    for (const listener of this.gapListeners) listener();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
