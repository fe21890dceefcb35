import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiTokensService, type AuthenticatedToken } from '#auth';
import type { GlobalRole } from '#roles';
import { ManagementError } from './management.errors.js';

export type ManagementPrincipal = AuthenticatedToken;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by ManagementGuard: the organization's user calling the management API. */
    managementPrincipal?: ManagementPrincipal;
  }
}

const ROLES = 'management:roles';
const ALLOW_SELF = 'management:allow-self';

/** The global roles that may call a route (on the handler, or on the controller for all its routes). */
export const Roles = (...roles: readonly GlobalRole[]) => SetMetadata(ROLES, roles);

/**
 * Any user of the organization (but the Directory Synchronizer) may also call this route about
 * itself: the route's `:id` is the caller's own user id.
 */
export const AllowSelf = () => SetMetadata(ALLOW_SELF, true);

/**
 * The management API's door. In order: a valid token of an active user (401 otherwise: unknown,
 * revoked, malformed, or its user deactivated), of the organization in the URL (403), whose
 * global role the route allows (403). The Directory Synchronizer's token is for SCIM only (403).
 */
@Injectable()
export class ManagementGuard implements CanActivate {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.tokens.authenticate(request.headers.authorization);
    if (!principal) {
      throw new ManagementError(
        401,
        'UNAUTHENTICATED',
        'A valid bearer token is required: send "Authorization: Bearer <token>" with an unrevoked API token of an active user of this organization.',
      );
    }
    const params = request.params as { organizationId?: string; id?: string };
    if (params.organizationId !== principal.organizationId) {
      throw new ManagementError(
        403,
        'WRONG_ORGANIZATION',
        'This token belongs to another organization than the one in the URL.',
      );
    }
    if (principal.globalRole === 'DirectorySynchronizer') {
      throw new ManagementError(
        403,
        'ROLE_NOT_ALLOWED',
        "The Directory Synchronizer's token is for SCIM provisioning only; use the token of an administrator for the management API.",
      );
    }
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<readonly GlobalRole[] | undefined>(ROLES, targets) ?? [];
    const self = this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_SELF, targets) === true;
    if (!roles.includes(principal.globalRole) && !(self && params.id === principal.userId)) {
      throw new ManagementError(
        403,
        'ROLE_NOT_ALLOWED',
        `A ${principal.globalRole} may not ${request.method === 'GET' ? 'read' : 'change'} this; it needs one of: ${roles.join(', ')}${self ? ' (or be the user itself)' : ''}.`,
      );
    }
    request.managementPrincipal = principal;
    return true;
  }
}

/** The authenticated caller of a management route. */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ManagementPrincipal => {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().managementPrincipal;
    if (!principal) throw new ManagementError(401, 'UNAUTHENTICATED', 'not authenticated');
    return principal;
  },
);
