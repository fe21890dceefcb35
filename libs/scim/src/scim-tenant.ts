import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScimCall } from '#scim-protocol';
import { isDryRunRequest } from './scim.routes.js';

export type { ScimCall };

declare module 'fastify' {
  interface FastifyRequest {
    /** PUBLIC_BASE_URL, or the scheme and host the request came to; set for every request at onRequest. */
    publicBaseUrl: string;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function list(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The organization (resolved by the guard from the token), the Tenant URL the request used (dry-run
 * included, so `meta.location` and `Location` point where the caller is talking), the projection and
 * the precondition headers.
 */
export const Scim = createParamDecorator((_data: unknown, context: ExecutionContext): ScimCall => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const principal = request.scimPrincipal;
  if (!principal) throw new UnauthorizedException('not authenticated');
  const dryRun = isDryRunRequest(request) ? '/dry-run' : '';
  const query = (request.query ?? {}) as ScimCall['query'];
  return {
    tenant: {
      organizationId: principal.organizationId,
      tenantUrl: `${request.publicBaseUrl}/scim/${principal.organizationId}${dryRun}`,
    },
    query,
    projection: { attributes: list(query.attributes), excludedAttributes: list(query.excludedAttributes) },
    ifMatch: header(request, 'if-match'),
    ifNoneMatch: header(request, 'if-none-match'),
  };
});

/**
 * The response's connection, for work that must end when it closes (a heavy read's slot). Not
 * `@Res()`: the handler never writes the response; ScimResultInterceptor renders its result.
 */
export const Connection = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ServerResponse =>
    context.switchToHttp().getResponse<FastifyReply>().raw,
);
