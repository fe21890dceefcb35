import type { FastifyRequest } from 'fastify';

/**
 * Every SCIM controller serves both Tenant URLs with the very same handlers; the dry-run one is
 * told apart by its matched route, never by a handler of its own.
 */
export const SCIM_TENANT_ROUTES = ['scim/:organizationId', 'scim/:organizationId/dry-run'];

export const SCIM_PATH_PREFIX = '/scim/';

export function isDryRunRequest(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/scim/:organizationId/dry-run/') ?? false;
}

export function isScimPath(url: string): boolean {
  return url === '/scim' || url.startsWith(SCIM_PATH_PREFIX) || url.startsWith('/scim?');
}
