import { setTimeout } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Admission, type Admitted, ScimLimiter } from './scim-limiter.js';

export type Refusal = Extract<Admission, { admitted: false }>;

export interface ScimLimitHookOptions {
  /** Which requests are limited (the SCIM paths, or the management and audit APIs'). */
  isLimited: (url: string) => boolean;
  /** The organization a URL names (default: the second segment, `/scim/{organizationId}/...`). */
  organizationOf?: (url: string) => string | undefined;
  /** Whether the request's guard accepted its token (default: the SCIM token guard's principal). */
  isAuthenticated?: (request: FastifyRequest) => boolean;
  /** Under which name `limiterOf` finds the limiter (default 'scim'). */
  name?: string;
  /**
   * Answers a refusal (429, Retry-After) on the reply, straight from the hook: a flood is answered
   * at the least cost per request, without a detour through the framework's error handling.
   */
  refuse: (request: FastifyRequest, reply: FastifyReply, refusal: Refusal) => void;
  /**
   * How long a refusal waits before it is answered (at most its Retry-After), so that a client
   * that ignores Retry-After and sends again at once, on the same connections, gets at most one
   * answer per connection per delay: the refusals cannot take the whole event loop from the other
   * organizations. 0 answers at once.
   */
  refusalDelayMs: number;
  /** Told of every refusal before it is answered (the audit aggregates them). */
  onRefused?: (request: FastifyRequest, refusal: Refusal) => void;
}

const limiters = new WeakMap<object, Map<string, ScimLimiter>>();

/**
 * Refusals waiting out their delay at once, in this process. Beyond it refusals are answered at
 * once: a client with thousands of connections cannot make the server hold thousands of requests.
 */
export const MAX_DELAYED_REFUSALS = 1_000;

/** A limiter registered on a Fastify instance, by name (for tests and diagnostics). */
export function limiterOf(fastify: object, name: string): ScimLimiter | undefined {
  return limiters.get(fastify)?.get(name);
}

/** The SCIM limiter registered on a Fastify instance (for tests and diagnostics). */
export function scimLimiterOf(fastify: object): ScimLimiter | undefined {
  return limiterOf(fastify, 'scim');
}

/** `/scim/{organizationId}/...`: the second segment of the path. */
export function organizationSegment(url: string): string | undefined {
  const path = url.split('?', 1)[0]!;
  const segment = path.split('/')[2];
  return segment === undefined || segment === '' ? undefined : segment;
}

function authorizationOf(request: FastifyRequest): string | undefined {
  const value: unknown = request.headers.authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * onRequest: admits the request or refuses it with 429 before the body is read and before the
 * token guard looks anything up; the admitted request's concurrency slot is given back when its
 * connection's response closes (also when the client gave up). onSend: tells the limiter how
 * authentication went (a 401 keeps the request's place in the failure limits). Register after the audit's onRequest hook, so the audit sees refusals too.
 */
export function registerScimLimitHooks(
  fastify: FastifyInstance,
  limiter: ScimLimiter,
  options: ScimLimitHookOptions,
): void {
  const named = limiters.get(fastify) ?? new Map<string, ScimLimiter>();
  named.set(options.name ?? 'scim', limiter);
  limiters.set(fastify, named);
  const organizationOf = options.organizationOf ?? organizationSegment;
  const isAuthenticated =
    options.isAuthenticated ??
    // Set by the SCIM token guard once the token is known good.
    ((request: FastifyRequest) => (request as { scimPrincipal?: unknown }).scimPrincipal !== undefined);
  let delayed = 0;
  const admitted = new WeakMap<object, Admitted>();
  fastify.addHook('onRequest', async (request, reply) => {
    if (!options.isLimited(request.url)) return;
    const admission = limiter.admit({
      organizationId: organizationOf(request.url),
      clientAddress: request.ip,
      authorization: authorizationOf(request),
    });
    if (!admission.admitted) {
      options.onRefused?.(request, admission);
      // Spread between half and all of it: refusals released together would come back together,
      // as one wave, and each wave holds up everybody's requests for its duration.
      const delayMs =
        Math.min(options.refusalDelayMs, admission.retryAfterSeconds * 1000) * (0.5 + Math.random() / 2);
      if (delayMs > 0 && delayed < MAX_DELAYED_REFUSALS) {
        delayed += 1;
        try {
          await setTimeout(delayMs);
        } finally {
          delayed -= 1;
        }
      }
      options.refuse(request, reply, admission);
      return reply;
    }
    admitted.set(request.raw, admission);
    reply.raw.once('close', () => {
      admission.release();
      // The client left before any answer: not a failed authentication.
      admission.settleAuthentication(false);
    });
  });
  // onSend, not onResponse: settled before the answer goes out, so the client's next request on
  // the same connection already meets the count.
  fastify.addHook('onSend', async (request, reply, payload) => {
    const admission = admitted.get(request.raw);
    if (!admission) return payload;
    admission.settleAuthentication(reply.statusCode === 401);
    if (isAuthenticated(request)) limiter.noteAuthenticated(authorizationOf(request));
    return payload;
  });
}
