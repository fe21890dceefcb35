import { createHash } from 'node:crypto';
import { BoundedTokenBuckets, InFlightCounter } from './bounded-buckets.js';

/** The limits of /scim/{organizationId}/..., as configured (0 switches a limit off). */
export interface ScimLimitSettings {
  /** Requests of one organization in flight at once. */
  organizationConcurrency: number;
  /** Sustained requests per second of one organization. */
  organizationRatePerSecond: number;
  /** Requests one organization may send at once after a quiet spell. */
  organizationBurst: number;
  /** Failed authentications (401) per minute from one client address before it is refused. */
  authFailuresPerMinutePerAddress: number;
  /** Failed authentications (401) per minute with one token prefix before it is refused. */
  authFailuresPerMinutePerTokenPrefix: number;
  /** Most organizations, addresses and prefixes each limit keeps state for. */
  maxTrackedKeys: number;
}

export type LimitKind = 'authentication-failures' | 'organization-rate' | 'organization-concurrency';

export interface LimitedRequest {
  /** The organization id segment of the URL, as written (may name no organization). */
  organizationId: string | undefined;
  clientAddress: string;
  /** The `Authorization` header as received. */
  authorization: string | undefined;
}

export interface Admitted {
  admitted: true;
  /** Gives the request's concurrency slot back (idempotent). */
  release: () => void;
  /**
   * Says how authentication went (idempotent; the first call counts): a failure keeps the
   * request's reservation in the failure limits, anything else gives it back.
   */
  settleAuthentication: (failed: boolean) => void;
}

export type Admission =
  Admitted | { admitted: false; kind: LimitKind; retryAfterSeconds: number; detail: string };

export interface LimiterSizes {
  organizationRates: number;
  organizationsInFlight: number;
  failingAddresses: number;
  failingTokenPrefixes: number;
  verifiedTokens: number;
}

const API_TOKEN = /^Bearer[ ]+(sct_([0-9a-f]{12})_[A-Za-z0-9_-]{43})\s*$/i;

/** The 12-hex-digit lookup prefix of a well-formed API token in an Authorization header. */
export function tokenPrefixOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : API_TOKEN.exec(authorization)?.[2];
}

function tokenDigest(authorization: string | undefined): string | undefined {
  const token = authorization === undefined ? undefined : API_TOKEN.exec(authorization)?.[1];
  return token === undefined ? undefined : createHash('sha256').update(token).digest('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Every URL whose organization segment is not even a uuid shares one key (it can only fail). */
const NOT_AN_ORGANIZATION = '-';

const nothing = () => undefined;

/**
 * The connector's admission control for SCIM, in front of the token guard (so it protects the
 * database), per process. In order:
 * 1. a client address, or a token prefix, that failed authentication too often in the last minute
 *    is refused without a database lookup, unless it presents a token this process verified
 *    earlier (so a flood of wrong tokens from Entra's shared egress addresses, or aimed at a known
 *    prefix, does not lock out the organization that holds the real token);
 * 2. one organization's rate (token bucket);
 * 3. one organization's requests in flight.
 * State is in memory and bounded (`maxTrackedKeys` per map). With N replicas each enforces its own
 * limits, so the effective limits are N times these.
 */
export class ScimLimiter {
  private readonly rates: BoundedTokenBuckets | undefined;
  private readonly inFlight: InFlightCounter | undefined;
  private readonly failuresByAddress: BoundedTokenBuckets | undefined;
  private readonly failuresByPrefix: BoundedTokenBuckets | undefined;
  /** token prefix -> digest of the whole token last seen to authenticate (bounded, LRU). */
  private readonly verified = new Map<string, string>();

  constructor(
    readonly settings: ScimLimitSettings,
    now?: () => number,
  ) {
    const maxKeys = settings.maxTrackedKeys;
    if (settings.organizationRatePerSecond > 0) {
      this.rates = new BoundedTokenBuckets(
        {
          capacity: Math.max(1, settings.organizationBurst),
          refillPerSecond: settings.organizationRatePerSecond,
          maxKeys,
        },
        now,
      );
    }
    if (settings.organizationConcurrency > 0) {
      this.inFlight = new InFlightCounter(settings.organizationConcurrency, maxKeys);
    }
    const failures = (perMinute: number) =>
      perMinute > 0
        ? new BoundedTokenBuckets({ capacity: perMinute, refillPerSecond: perMinute / 60, maxKeys }, now)
        : undefined;
    this.failuresByAddress = failures(settings.authFailuresPerMinutePerAddress);
    this.failuresByPrefix = failures(settings.authFailuresPerMinutePerTokenPrefix);
  }

  admit(request: LimitedRequest): Admission {
    const authentication = this.reserveAuthentication(request);
    if ('admitted' in authentication) return authentication;
    const admitted = this.admitToOrganization(request);
    if (!admitted.admitted) authentication.settle(false);
    else admitted.settleAuthentication = authentication.settle;
    return admitted;
  }

  private admitToOrganization(request: LimitedRequest): Admission {
    const organization =
      request.organizationId !== undefined && UUID.test(request.organizationId)
        ? request.organizationId.toLowerCase()
        : NOT_AN_ORGANIZATION;
    const rate = this.rates?.take(organization);
    if (rate && !rate.allowed) {
      return {
        admitted: false,
        kind: 'organization-rate',
        retryAfterSeconds: rate.retryAfterSeconds,
        detail: `Too many requests for this organization: at most ${this.settings.organizationRatePerSecond} per second (bursts of ${this.settings.organizationBurst}) are served; retry after the number of seconds in Retry-After.`,
      };
    }
    if (!this.inFlight) return { admitted: true, release: nothing, settleAuthentication: nothing };
    const release = this.inFlight.acquire(organization);
    if (!release) {
      return {
        admitted: false,
        kind: 'organization-concurrency',
        retryAfterSeconds: 1,
        detail: `Too many concurrent requests for this organization: at most ${this.settings.organizationConcurrency} are served at once; retry after the number of seconds in Retry-After.`,
      };
    }
    return { admitted: true, release, settleAuthentication: nothing };
  }

  /** After the token guard accepted the request's token: it may pass the failure limits. */
  noteAuthenticated(authorization: string | undefined): void {
    if (!this.failuresByAddress && !this.failuresByPrefix) return;
    const prefix = tokenPrefixOf(authorization);
    const digest = tokenDigest(authorization);
    if (prefix === undefined || digest === undefined) return;
    this.verified.delete(prefix);
    while (this.verified.size >= this.settings.maxTrackedKeys) {
      const oldest = this.verified.keys().next();
      if (oldest.done) break;
      this.verified.delete(oldest.value);
    }
    this.verified.set(prefix, digest);
  }

  sizes(): LimiterSizes {
    return {
      organizationRates: this.rates?.size ?? 0,
      organizationsInFlight: this.inFlight?.size ?? 0,
      failingAddresses: this.failuresByAddress?.size ?? 0,
      failingTokenPrefixes: this.failuresByPrefix?.size ?? 0,
      verifiedTokens: this.verified.size,
    };
  }

  /**
   * A request that could fail authentication takes a token from its address's and its prefix's
   * failure buckets before it reaches the guard, and gets it back unless it does fail: so no more
   * than the limit of failures per minute reach the database, however many arrive at once. A
   * token this process saw succeed passes without (one hash, no database); if it fails after all
   * (revoked), the failure is still counted.
   */
  private reserveAuthentication(
    request: LimitedRequest,
  ): Extract<Admission, { admitted: false }> | { settle: (failed: boolean) => void } {
    if (!this.failuresByAddress && !this.failuresByPrefix) return { settle: nothing };
    const prefix = tokenPrefixOf(request.authorization);
    const digest = prefix === undefined ? undefined : tokenDigest(request.authorization);
    if (prefix !== undefined && this.verified.get(prefix) === digest) {
      return {
        settle: once((failed) => {
          if (!failed) return;
          this.verified.delete(prefix);
          this.failuresByAddress?.drain(request.clientAddress);
          this.failuresByPrefix?.drain(prefix);
        }),
      };
    }
    const byAddress = this.failuresByAddress?.take(request.clientAddress);
    const byPrefix =
      prefix === undefined || (byAddress && !byAddress.allowed)
        ? undefined
        : this.failuresByPrefix?.take(prefix);
    const refused = [byAddress, byPrefix].find((answer) => answer !== undefined && !answer.allowed);
    if (refused && !refused.allowed) {
      if (byAddress?.allowed) this.failuresByAddress?.giveBack(request.clientAddress);
      return {
        admitted: false,
        kind: 'authentication-failures',
        retryAfterSeconds: refused.retryAfterSeconds,
        detail:
          'Too many failed authentications from this client address or with this token; retry after the number of seconds in Retry-After with a valid bearer token.',
      };
    }
    return {
      settle: once((failed) => {
        if (failed) return;
        if (byAddress) this.failuresByAddress?.giveBack(request.clientAddress);
        if (byPrefix && prefix !== undefined) this.failuresByPrefix?.giveBack(prefix);
      }),
    };
  }
}

function once(settle: (failed: boolean) => void): (failed: boolean) => void {
  let settled = false;
  return (failed) => {
    if (settled) return;
    settled = true;
    settle(failed);
  };
}
