import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScimResult, ScimTenant } from '../../users/src/scim-users.service.js';
import { isDryRunRequest } from './scim.routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** PUBLIC_BASE_URL, or the scheme and host the request came to; set for every request at onRequest. */
    publicBaseUrl: string;
  }
}

/**
 * The organization (resolved by the guard from the token) and the Tenant URL the request used,
 * dry-run included, so that `meta.location` and `Location` point where the caller is talking.
 */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): ScimTenant => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const principal = request.scimPrincipal;
  if (!principal) throw new UnauthorizedException('not authenticated');
  const dryRun = isDryRunRequest(request) ? '/dry-run' : '';
  return {
    organizationId: principal.organizationId,
    tenantUrl: `${request.publicBaseUrl}/scim/${principal.organizationId}${dryRun}`,
  };
});

/** `attributes` / `excludedAttributes` of a single-resource request. */
export function projectionOf(query: Record<string, unknown>): {
  attributes?: string[];
  excludedAttributes?: string[];
} {
  const list = (value: unknown): string[] | undefined =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean)
      : undefined;
  return { attributes: list(query.attributes), excludedAttributes: list(query.excludedAttributes) };
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Applies a service result's status and headers; returns the body for Nest to serialize. */
export function sendResult(reply: FastifyReply, result: ScimResult): unknown {
  void reply.status(result.status);
  if (result.etag) void reply.header('etag', result.etag);
  if (result.location && result.status === 201) void reply.header('location', result.location);
  return result.body;
}
