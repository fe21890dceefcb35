import { Injectable } from '@nestjs/common';
import { ApiTokensService, type TokenSummary } from '#auth';
import type { IssuedTokenDto, IssueTokenDto, TokenDto } from './management-token.dto.js';
import { notFound, rethrowConflict } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';
import { requireGlobalAdministrator } from './management-users.service.js';
import { ManualChangeRecorder } from './manual-change.recorder.js';

function tokenDto(summary: TokenSummary): TokenDto {
  const { organizationId: _organizationId, ...token } = summary;
  return token;
}

/**
 * API tokens of the organization's CI users, through ApiTokensService (the CLI's `tokens issue`
 * and `tokens revoke`), scoped to the caller's organization.
 */
@Injectable()
export class ManagementTokensService {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly changes: ManualChangeRecorder,
  ) {}

  async list(organizationId: string): Promise<TokenDto[]> {
    return (await this.tokens.list(organizationId)).map(tokenDto);
  }

  async issue(principal: ManagementPrincipal, body: IssueTokenDto): Promise<IssuedTokenDto> {
    if (body.role === 'GlobalAdministrator') {
      requireGlobalAdministrator(principal, 'issue a GlobalAdministrator token', 'role');
    }
    const issued = await this.tokens
      .issue(principal.organizationId, body.role, body.name)
      .catch((error: unknown) =>
        rethrowConflict(error, {
          UQ_users_organization_lower_user_name: {
            code: 'USER_NAME_TAKEN',
            field: 'name',
            message: 'A user of this organization already has this name; choose another for the CI user.',
          },
        }),
      );
    this.changes.record({
      operation: 'issue',
      resourceType: 'ApiToken',
      resourceId: issued.tokenId,
      label: body.name,
      effect: { role: body.role, userId: issued.userId },
    });
    return issued;
  }

  /** Another organization's token id is as unknown as one that does not exist. */
  async revoke(principal: ManagementPrincipal, tokenId: string): Promise<TokenDto> {
    const token = (await this.tokens.list(principal.organizationId)).find(
      (summary) => summary.id === tokenId,
    );
    if (!token) throw notFound('Token', tokenId);
    if (token.globalRole === 'GlobalAdministrator') {
      requireGlobalAdministrator(principal, "revoke a GlobalAdministrator's token");
    }
    if (token.revokedAt !== null) return tokenDto(token);
    const revoked = await this.tokens.revoke(token.id);
    this.changes.record({
      operation: 'revoke-token',
      resourceType: 'ApiToken',
      resourceId: token.id,
      label: token.name,
      effect: { changed: { revokedAt: { before: null, after: revoked.revokedAt } } },
    });
    return tokenDto({ ...token, revokedAt: revoked.revokedAt });
  }
}
