import { describe, expect, it } from 'vitest';
import { BoundedTokenBuckets, InFlightCounter } from './bounded-buckets.js';
import { ScimLimiter } from './scim-limiter.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('BoundedTokenBuckets', () => {
  it('serves a burst, then the refill rate, and says how long to wait', () => {
    const time = clock();
    const buckets = new BoundedTokenBuckets({ capacity: 3, refillPerSecond: 0.5, maxKeys: 10 }, time.now);
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, true]);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    time.advance(2_000);
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('keeps at most maxKeys keys, dropping the least recently used', () => {
    const buckets = new BoundedTokenBuckets({ capacity: 1, refillPerSecond: 1, maxKeys: 3 }, clock().now);
    for (const key of ['a', 'b', 'c']) buckets.take(key);
    buckets.take('a');
    buckets.take('d');
    expect(buckets.size).toBe(3);
    // 'b' was dropped (a fresh bucket again), 'a' was kept (still empty).
    expect(buckets.peek('a').allowed).toBe(false);
    expect(buckets.peek('b').allowed).toBe(true);
  });
});

describe('InFlightCounter', () => {
  it('admits up to the limit, and forgets a key with nothing in flight', () => {
    const counter = new InFlightCounter(2, 10);
    const first = counter.acquire('a')!;
    const second = counter.acquire('a')!;
    expect(counter.acquire('a')).toBeUndefined();
    first();
    first();
    expect(counter.inFlight('a')).toBe(1);
    second();
    expect(counter.size).toBe(0);
  });
});

describe('ScimLimiter', () => {
  const settings = {
    organizationConcurrency: 0,
    organizationRatePerSecond: 0,
    organizationBurst: 1,
    authFailuresPerMinutePerAddress: 2,
    authFailuresPerMinutePerTokenPrefix: 0,
    maxTrackedKeys: 100,
  };
  const token = (secret: string) => `Bearer sct_0123456789ab_${secret.repeat(43)}`;

  it('lets no more requests that might fail authentication through than the limit', () => {
    const limiter = new ScimLimiter(settings, clock().now);
    const request = { organizationId: undefined, clientAddress: '10.0.0.1', authorization: undefined };
    const first = limiter.admit(request);
    const second = limiter.admit(request);
    expect(limiter.admit(request)).toMatchObject({ admitted: false, kind: 'authentication-failures' });
    // One of the two succeeded after all: its place is given back.
    if (first.admitted) first.settleAuthentication(false);
    if (second.admitted) second.settleAuthentication(true);
    expect(limiter.admit(request).admitted).toBe(true);
    expect(limiter.admit(request).admitted).toBe(false);
  });

  it('lets a token it saw succeed through a throttled address', () => {
    const limiter = new ScimLimiter(settings, clock().now);
    const good = { organizationId: undefined, clientAddress: '10.0.0.1', authorization: token('A') };
    const admitted = limiter.admit(good);
    if (admitted.admitted) admitted.settleAuthentication(false);
    limiter.noteAuthenticated(good.authorization);
    for (let i = 0; i < 2; i += 1) {
      const bad = limiter.admit({ ...good, authorization: token('B') });
      if (bad.admitted) bad.settleAuthentication(true);
    }
    expect(limiter.admit({ ...good, authorization: token('B') }).admitted).toBe(false);
    expect(limiter.admit(good).admitted).toBe(true);
  });
});
