import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { maskSecrets } from '#audit-log';

/** The fields of the one line each request leaves (docs/operations.md#logs). */
export interface RequestLogFields {
  method: string;
  /** The path without its query string: filters carry user data, and a query may carry a token. */
  url: string;
  /** The route pattern (`/scim/:organizationId/Users/:id`); null when no route matched. */
  route: string | null;
  status: number;
  durationMs: number;
  /** The caller's organization, or the one the URL names when the caller is not known (yet). */
  organizationId: string | null;
  /** The API token (or, on the audit API, support token) that authenticated the request. */
  tokenId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function caller(request: FastifyRequest): { organizationId?: string; tokenId?: string } {
  const principal = request.scimPrincipal ?? request.managementPrincipal;
  if (principal) return { organizationId: principal.organizationId, tokenId: principal.tokenId };
  const reader = request.auditReader;
  if (reader?.kind === 'organization-admin') {
    return { organizationId: reader.organizationId, tokenId: reader.tokenId };
  }
  if (reader?.kind === 'support') return { tokenId: reader.supportTokenId };
  return {};
}

/** A refused request still names the tenant it knocked at, if the URL holds a well-formed one. */
function organizationInUrl(request: FastifyRequest): string | undefined {
  const { organizationId } = (request.params ?? {}) as { organizationId?: unknown };
  return typeof organizationId === 'string' && UUID.test(organizationId) ? organizationId : undefined;
}

export function requestLogFields(request: FastifyRequest, reply: FastifyReply): RequestLogFields {
  const known = caller(request);
  return {
    method: request.method,
    url: maskSecrets(request.url.split('?', 1)[0] ?? ''),
    route: request.routeOptions.url ?? null,
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    organizationId: known.organizationId ?? organizationInUrl(request) ?? null,
    tokenId: known.tokenId ?? null,
  };
}

/**
 * One line per request, written when the response has gone out (after the onResponse hooks),
 * instead of Fastify's `incoming request` / `request completed` pair: the completion line is the
 * one that knows the caller, the status and the duration. Fastify's other per-request lines
 * (stream errors, serializer failures) stay as they are.
 */
export class RequestLogController extends LogController {
  constructor(private readonly logger: Logger) {
    super({ disableRequestLogging: false });
  }

  override incomingRequest(): void {}

  /** Fastify's own 404 line quotes the raw URL, query string and all; the completion line says 404. */
  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error({ ...requestLogFields(request, reply), err: error }, 'request errored');
    } else if (this.logger.isLevelEnabled('info')) {
      reply.log.info(requestLogFields(request, reply), 'request completed');
    }
  }
}
