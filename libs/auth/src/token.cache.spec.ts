import { describe, expect, it } from 'vitest';
import type { AppConfig } from '#config';
import type { DatabaseNotifications } from '#persistence';
import { TokenCache, type CachedToken } from './token.cache.js';

/** The cache's own bookkeeping; its notifications from PostgreSQL are tested end to end (token-cache.e2e-spec). */
function cacheWith(settings: { ttlMs?: number; maxEntries?: number } = {}) {
  const listeners: ((payload: string) => void)[] = [];
  const gaps: (() => void)[] = [];
  const notifications = {
    live: true,
    listen: (_channel: string, listener: (payload: string) => void) => listeners.push(listener),
    onGap: (listener: () => void) => gaps.push(listener),
  };
  const config = { tokenCache: { ttlMs: settings.ttlMs ?? 30_000, maxEntries: settings.maxEntries ?? 100 } };
  const cache = new TokenCache(notifications as unknown as DatabaseNotifications, config as AppConfig);
  // The first use subscribes (as the first request does).
  void cache.usable;
  return {
    cache,
    notifications,
    notify: (payload: string) => listeners.forEach((l) => l(payload)),
    gap: () => gaps.forEach((g) => g()),
  };
}

const token = (n: number, organizationId = 'o1'): CachedToken => ({
  tokenId: `t${n}`,
  organizationId,
  userId: `u${n}`,
  globalRole: 'DirectorySynchronizer',
});

describe('TokenCache', () => {
  it('keys entries by a digest of the whole token, so another secret with the same prefix misses', () => {
    const { cache } = cacheWith();
    const key = TokenCache.keyOf('sct_000000000000_secretA');
    cache.store(key, token(1), cache.currentGeneration, 0);
    expect(cache.get(key)?.token).toEqual(token(1));
    expect(cache.get(TokenCache.keyOf('sct_000000000000_secretB'))).toBeUndefined();
  });

  it('evicts the token or the user a notification names, in that organization only', () => {
    const { cache, notify } = cacheWith();
    cache.store('a', token(1), cache.currentGeneration, 0);
    cache.store('b', token(2), cache.currentGeneration, 0);
    cache.store('c', token(1, 'o2'), cache.currentGeneration, 0);
    notify('t:o1:t1');
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
    notify('u:o1:u2');
    expect([cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true]);
    notify('nonsense');
    expect(cache.size).toBe(0);
  });

  it('does not store an answer read before an eviction (it may be stale)', () => {
    const { cache, notify } = cacheWith();
    const generation = cache.currentGeneration;
    notify('t:o1:t9');
    cache.store('a', token(1), generation, 0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('stores and serves nothing while notifications may be missed, and forgets everything on a gap', () => {
    const { cache, notifications, gap } = cacheWith();
    cache.store('a', token(1), cache.currentGeneration, 0);
    gap();
    expect(cache.size).toBe(0);
    notifications.live = false;
    expect(cache.usable).toBe(false);
    cache.store('b', token(2), cache.currentGeneration, 0);
    expect(cache.size).toBe(0);
  });

  it('expires entries after the TTL and stays within its bound, oldest first', () => {
    const { cache } = cacheWith({ ttlMs: 1_000, maxEntries: 2 });
    cache.store('a', token(1), cache.currentGeneration, 0, 0);
    cache.store('b', token(2), cache.currentGeneration, 0, 0);
    cache.store('c', token(3), cache.currentGeneration, 0, 0);
    expect([cache.get('a', 10), cache.get('b', 10), cache.get('c', 10)].map(Boolean)).toEqual([
      false,
      true,
      true,
    ]);
    expect(cache.get('b', 1_000)).toBeUndefined();
  });

  it('is off with a TTL of 0', () => {
    const { cache } = cacheWith({ ttlMs: 0 });
    expect(cache.usable).toBe(false);
  });
});
