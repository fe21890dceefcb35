import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiTokensService, SupportTokensService } from '#auth';
import type { GlobalRole } from '#roles';

/** Global roles whose API tokens may read their own organization's audit. */
export const AUDIT_READER_ROLES: readonly GlobalRole[] = ['GlobalAdministrator', 'UserAdministrator'];

export type AuditReader =
  | { kind: 'support'; supportTokenId: string; name: string }
  | {
      kind: 'organization-admin';
      organizationId: string;
      tokenId: string;
      userId: string;
      globalRole: GlobalRole;
    };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by AuditReaderGuard: who reads the audit. */
    auditReader?: AuditReader;
  }
}

/**
 * The audit API's door: a support token (any organization) or the API token of an organization
 * administrator (their own organization only; the service enforces the scope). A SCIM token
 * (Directory Synchronizer) or any other role is refused with 403: it is valid, just not for this.
 */
@Injectable()
export class AuditReaderGuard implements CanActivate {
  constructor(
    private readonly supportTokens: SupportTokensService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const authorization = request.headers.authorization;
    if (SupportTokensService.isSupportToken(authorization)) {
      const support = await this.supportTokens.authenticate(authorization);
      if (!support) throw this.unauthorized();
      request.auditReader = { kind: 'support', ...support };
      return true;
    }
    const principal = await this.apiTokens.authenticate(authorization);
    if (!principal) throw this.unauthorized();
    if (!AUDIT_READER_ROLES.includes(principal.globalRole)) {
      throw new ForbiddenException(
        `The audit API needs a support token, or the API token of an organization administrator (${AUDIT_READER_ROLES.join(' or ')}); this token's user is a ${principal.globalRole}.`,
      );
    }
    request.auditReader = { kind: 'organization-admin', ...principal };
    return true;
  }

  private unauthorized(): UnauthorizedException {
    return new UnauthorizedException(
      "A valid bearer token is required: a support token (support-tokens issue) or an organization administrator's API token.",
    );
  }
}

/** The authenticated reader of an audit route (only on routes behind AuditReaderGuard). */
export const Reader = createParamDecorator((_data: unknown, context: ExecutionContext): AuditReader => {
  const reader = context.switchToHttp().getRequest<FastifyRequest>().auditReader;
  if (!reader) throw new UnauthorizedException('not authenticated');
  return reader;
});
