/**
 * Token buckets keyed by a string (an organization id, a client address, a token prefix), in
 * process memory, with a hard cap on how many keys are kept.
 *
 * Why not @fastify/rate-limit: it counts every request in fixed windows, whereas failed
 * authentications must be counted only once they failed (after the guard) yet refused before the
 * next one reaches the database; it has no concurrency limit; and the per-organization, per-address
 * and per-prefix limits, their audit marks and their bounded memory are simpler to reason about as
 * one small class than as three plugin registrations with custom stores. A token bucket also lets a
 * client spend a burst and then a steady rate, which fits Entra's cycles better than fixed windows.
 *
 * Memory: a Map in least-recently-used order (a touched key is moved to the end). When a new key
 * would exceed the cap, the least recently used one is dropped. Dropping a bucket only ever gives
 * its key a fresh (full) bucket, i.e. errs on the side of letting a client through; a flood of
 * random keys therefore costs at most `maxKeys` entries, never more.
 */
export interface BucketSettings {
  /** Tokens the bucket holds when full: the burst a quiet client may spend at once. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Most keys kept at once. */
  maxKeys: number;
}

export type BucketAnswer = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** performance.now() when `tokens` was last brought up to date. */
  at: number;
}

export class BoundedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly settings: BucketSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token if there is one; otherwise says how long until there will be. */
  take(key: string): BucketAnswer {
    const bucket = this.current(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: this.secondsUntilToken(bucket) };
  }

  /** Without taking anything: is the bucket empty, and if so for how long? */
  peek(key: string): BucketAnswer {
    const bucket = this.buckets.get(key);
    if (!bucket) return { allowed: true };
    this.refill(bucket);
    if (bucket.tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: this.secondsUntilToken(bucket) };
  }

  /** Gives back a token taken earlier (a reservation that was not needed); capped at capacity. */
  giveBack(key: string): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    this.refill(bucket);
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + 1);
  }

  /** Takes a token if there is one, and never refuses (for counting events that already happened). */
  drain(key: string): void {
    const bucket = this.current(key);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  private current(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      this.refill(bucket);
    } else {
      bucket = { tokens: this.settings.capacity, at: this.now() };
      while (this.buckets.size >= this.settings.maxKeys) {
        const oldest = this.buckets.keys().next();
        if (oldest.done) break;
        this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  private refill(bucket: Bucket): void {
    const now = this.now();
    const earned = ((now - bucket.at) / 1000) * this.settings.refillPerSecond;
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + earned);
    bucket.at = now;
  }

  private secondsUntilToken(bucket: Bucket): number {
    const missing = 1 - bucket.tokens;
    return Math.max(1, Math.ceil(missing / this.settings.refillPerSecond));
  }
}

/**
 * In-flight requests per key. A key is kept only while it has requests in flight, so the map never
 * holds more entries than there are requests being served; `maxKeys` is a second bound on top.
 */
export class InFlightCounter {
  private readonly counts = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.counts.size;
  }

  /** A release function when a slot was free, undefined when the key is at its limit. */
  acquire(key: string): (() => void) | undefined {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.limit) return undefined;
    if (count === 0 && this.counts.size >= this.maxKeys) return undefined;
    this.counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }

  inFlight(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
