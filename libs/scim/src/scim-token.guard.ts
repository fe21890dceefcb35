import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { noteAuditCaller } from '#audit-log';
import { ApiTokensService, type AuthenticatedToken } from '#auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by ScimTokenGuard: who is calling, for which organization. */
    scimPrincipal?: AuthenticatedToken;
  }
}

/**
 * Guards `/scim/{organizationId}/...`: a valid, unrevoked token of an active user of that very
 * organization holding the Directory Synchronizer role. The organization is resolved here once,
 * from the token, and handed on with the principal.
 */
@Injectable()
export class ScimTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.tokens.authenticate(request.headers.authorization);
    // Recorded even when refused below (403), so the audit shows whose token knocked.
    noteAuditCaller(request, principal);
    if (!principal) {
      throw new UnauthorizedException(
        'A valid bearer token is required: send "Authorization: Bearer <token>" with an unrevoked token of the organization\'s Directory Synchronizer user.',
      );
    }
    const { organizationId } = request.params as { organizationId?: string };
    if (organizationId !== principal.organizationId) {
      throw new ForbiddenException('This token belongs to another organization than the one in the URL.');
    }
    if (principal.globalRole !== 'DirectorySynchronizer') {
      throw new ForbiddenException(
        `SCIM requests need a token of a user with the DirectorySynchronizer role; this token's user is a ${principal.globalRole}.`,
      );
    }
    request.scimPrincipal = principal;
    return true;
  }
}

/** The authenticated caller of a SCIM route (only on routes behind ScimTokenGuard). */
export const ScimPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedToken => {
    const principal = context.switchToHttp().getRequest<FastifyRequest>().scimPrincipal;
    if (!principal) throw new UnauthorizedException('not authenticated');
    return principal;
  },
);
