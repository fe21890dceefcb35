import { Injectable, Logger } from '@nestjs/common';
import { Transactional } from '@nestjs-cls/transactional';
import { ConnectorMetrics } from '#metrics';
import { OrganizationsService } from '#organizations';
import { isUuid } from '#persistence';
import type { GlobalRole } from '#roles';
import { UsersRepository } from '#users';
import { ApiTokensRepository, type TokenSummary } from './api-tokens.repository.js';
import { TokenCache } from './token.cache.js';
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

/** Last use is written at most once a minute per token and process, off the request path. */
const LAST_USE_STAMP_INTERVAL_MS = 60_000;

@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsService,
    private readonly metrics: ConnectorMetrics,
    private readonly cache: TokenCache,
  ) {}

  private readonly logger = new Logger('ApiTokens');

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
    if (!parsed || raw === undefined) return undefined;
    const usable = this.cache.usable;
    const key = usable ? TokenCache.keyOf(raw) : '';
    if (usable) {
      const hit = this.cache.get(key);
      if (hit) {
        this.metrics.tokenCacheLookups.inc({ result: 'hit' });
        if (Date.now() - hit.stampedAt >= LAST_USE_STAMP_INTERVAL_MS) {
          hit.stampedAt = Date.now();
          this.stampLastUse(hit.token.organizationId, hit.token.tokenId);
        }
        return { ...hit.token };
      }
    }
    this.metrics.tokenCacheLookups.inc({ result: usable ? 'miss' : 'bypass' });
    const generation = this.cache.currentGeneration;
    const stored = await this.tokens.findForAuthentication(parsed.prefix);
    if (!stored || !secretMatches(parsed.secret, stored.secretHash)) return undefined;
    if (stored.revokedAt !== null || !stored.userActive) return undefined;
    const token: AuthenticatedToken = {
      tokenId: stored.id,
      organizationId: stored.organizationId,
      userId: stored.userId,
      globalRole: stored.globalRole,
    };
    const lastUsed = stored.lastUsedAt?.getTime() ?? 0;
    const stale = Date.now() - lastUsed >= LAST_USE_STAMP_INTERVAL_MS;
    if (stale) this.stampLastUse(token.organizationId, token.tokenId);
    // Only a lookup made while notifications were already live may be kept: a revocation that
    // committed before the LISTEN began would never evict it.
    if (usable) this.cache.store(key, token, generation, stale ? Date.now() : lastUsed);
    return { ...token };
  }

  /** Not awaited: a request never waits for (or fails on) its token's last-use stamp. */
  private stampLastUse(organizationId: string, tokenId: string): void {
    this.tokens.touch(organizationId, tokenId).catch((error: unknown) => {
      this.logger.warn(
        `last use of token ${tokenId} not recorded: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}
