import { Injectable } from '@nestjs/common';
import { Transactional } from '@nestjs-cls/transactional';
import { ConnectorMetrics } from '#metrics';
import { OrganizationsService } from '#organizations';
import { isUuid } from '#persistence';
import type { GlobalRole } from '#roles';
import { UsersRepository } from '#users';
import { ApiTokensRepository, type TokenSummary } from './api-tokens.repository.js';
import { API_TOKEN, bearerToken, generateToken, parseToken, secretMatches } from './token.secret.js';

export interface IssuedToken {
  /** The secret; shown once and never stored. */
  token: string;
  tokenId: string;
  userId: string;
}

export interface AuthenticatedToken {
  tokenId: string;
  organizationId: string;
  userId: string;
  globalRole: GlobalRole;
}

export class TokenNotFoundError extends Error {}

@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsService,
    private readonly metrics: ConnectorMetrics,
  ) {}

  /** Creates a CI user holding `role` and an API token for it, in one transaction. */
  @Transactional()
  async issue(organizationId: string, role: GlobalRole, name?: string): Promise<IssuedToken> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new TokenNotFoundError(`organization ${organizationId} does not exist`);
    const generated = generateToken(API_TOKEN);
    const userName = name?.trim() || `ci-${role}-${generated.prefix}`;
    const user = await this.users.insert({
      organizationId,
      kind: 'ci',
      userName,
      displayName: userName,
      externalId: null,
      globalRole: role,
    });
    const token = await this.tokens.insert({
      organizationId,
      userId: user.id,
      name: userName,
      prefix: generated.prefix,
      secretHash: generated.secretHash,
    });
    return { token: generated.token, tokenId: token.id, userId: user.id };
  }

  async revoke(tokenId: string): Promise<{ id: string; organizationId: string; revokedAt: Date }> {
    const revoked = isUuid(tokenId) ? await this.tokens.revoke(tokenId) : undefined;
    if (!revoked) throw new TokenNotFoundError(`token ${tokenId} does not exist`);
    return revoked;
  }

  async list(organizationId: string): Promise<TokenSummary[]> {
    if (!(await this.organizations.findById(organizationId))) {
      throw new TokenNotFoundError(`organization ${organizationId} does not exist`);
    }
    return this.tokens.listByOrganization(organizationId);
  }

  /**
   * Resolves an Authorization header to the token's organization, user and role; undefined for a
   * missing, malformed, unknown or revoked token, a wrong secret, or a deactivated user.
   */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedToken | undefined> {
    const token = await this.verify(authorization);
    this.metrics.tokenVerifications.inc({ result: token ? 'valid' : 'invalid' });
    return token;
  }

  private async verify(authorization: string | undefined): Promise<AuthenticatedToken | undefined> {
    const raw = bearerToken(authorization);
    const parsed = raw === undefined ? undefined : parseToken(API_TOKEN, raw);
    if (!parsed) return undefined;
    const stored = await this.tokens.findForAuthentication(parsed.prefix);
    if (!stored || !secretMatches(parsed.secret, stored.secretHash)) return undefined;
    if (stored.revokedAt !== null || !stored.userActive) return undefined;
    if (stored.lastUsedAt === null || Date.now() - stored.lastUsedAt.getTime() > 60_000) {
      await this.tokens.touch(stored.organizationId, stored.id);
    }
    return {
      tokenId: stored.id,
      organizationId: stored.organizationId,
      userId: stored.userId,
      globalRole: stored.globalRole,
    };
  }
}
