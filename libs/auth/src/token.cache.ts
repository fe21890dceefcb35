import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { DatabaseNotifications } from '#persistence';
import type { GlobalRole } from '#roles';

export const TOKEN_CACHE_CHANNEL = 'token_cache';

/** What a verified token grants, as the guards use it. */
export interface CachedToken {
  tokenId: string;
  organizationId: string;
  userId: string;
  globalRole: GlobalRole;
}

interface Entry {
  readonly token: CachedToken;
  readonly expiresAt: number;
  /** When this process last stamped the token's last use (at most once a minute). */
  stampedAt: number;
}

/**
 * Verified API tokens, held in process so a request's token check costs no query. Safe because
 * every change that can end a token's validity (revocation, deletion, the user's deactivation,
 * deletion or role change) notifies `token_cache` when it commits (a trigger, whatever wrote it),
 * and each replica evicts the entries it names within milliseconds. The cache serves only while
 * the notification connection is live; when it drops (notifications may be missed) the cache is
 * emptied and every request is checked against the database until it is back. The TTL is a
 * backstop, not the mechanism. Keyed by a SHA-256 of the whole token, so a wrong secret never
 * matches an entry. Bounded: the least recently stored entry goes first.
 */
@Injectable()
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every eviction: a lookup that began before it must not store its (maybe stale) answer. */
  private generation = 0;
  private subscribed = false;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly notifications: DatabaseNotifications,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.tokenCache.ttlMs;
    this.maxEntries = config.tokenCache.maxEntries;
  }

  static keyOf(rawToken: string): string {
    return createHash('sha256').update(rawToken).digest('base64url');
  }

  /** Whether entries may be served now; also starts listening on first use (not in the CLI). */
  get usable(): boolean {
    if (this.ttlMs === 0) return false;
    if (!this.subscribed) {
      this.subscribed = true;
      this.notifications.onGap(() => this.clear());
      this.notifications.listen(TOKEN_CACHE_CHANNEL, (payload) => this.evict(payload));
    }
    return this.notifications.live;
  }

  /** The generation a lookup starts in; pass it to `store`. */
  get currentGeneration(): number {
    return this.generation;
  }

  get(key: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Keeps a token verified in the database, unless anything was evicted since the lookup began. */
  store(key: string, token: CachedToken, generation: number, stampedAt: number, now = Date.now()): void {
    if (generation !== this.generation || !this.notifications.live || this.ttlMs === 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token, expiresAt: now + this.ttlMs, stampedAt });
  }

  /** `t:<organization>:<token>` or `u:<organization>:<user>`; anything else empties the cache. */
  evict(payload: string): void {
    this.generation += 1;
    const [kind, organizationId, id] = payload.split(':');
    if ((kind !== 't' && kind !== 'u') || !organizationId || !id) {
      this.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      const { token } = entry;
      if (token.organizationId !== organizationId) continue;
      if ((kind === 't' && token.tokenId === id) || (kind === 'u' && token.userId === id)) {
        this.entries.delete(key);
      }
    }
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
