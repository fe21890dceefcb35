import { Injectable } from '@nestjs/common';
import { bearerToken, generateToken, parseToken, secretMatches, SUPPORT_TOKEN } from './token.secret.js';
import { isUuid } from '#persistence';
import { SupportTokensRepository, type SupportTokenSummary } from './support-tokens.repository.js';

export class SupportTokenNotFoundError extends Error {}
export class SupportTokenInputError extends Error {}

export interface AuthenticatedSupportToken {
  supportTokenId: string;
  name: string;
}

/** Support staff's credentials for the audit API: issued and revoked with the operator CLI. */
@Injectable()
export class SupportTokensService {
  constructor(private readonly tokens: SupportTokensRepository) {}

  async issue(name: string): Promise<{ token: string; tokenId: string }> {
    const holder = name.trim();
    if (!holder || holder.length > 200) {
      throw new SupportTokenInputError('--name must have 1 to 200 characters (who holds the token)');
    }
    const generated = generateToken(SUPPORT_TOKEN);
    const { id } = await this.tokens.insert({
      name: holder,
      prefix: generated.prefix,
      secretHash: generated.secretHash,
    });
    return { token: generated.token, tokenId: id };
  }

  async revoke(id: string): Promise<{ id: string; revokedAt: Date }> {
    const revoked = isUuid(id) ? await this.tokens.revoke(id) : undefined;
    if (!revoked) throw new SupportTokenNotFoundError(`support token ${id} does not exist`);
    return revoked;
  }

  list(): Promise<SupportTokenSummary[]> {
    return this.tokens.list();
  }

  /** True when the header carries a support token at all (valid or not): `sst_...`. */
  static isSupportToken(authorization: string | undefined): boolean {
    return bearerToken(authorization)?.startsWith(`${SUPPORT_TOKEN.mark}_`) ?? false;
  }

  /** The holder of a valid, unrevoked support token; undefined otherwise. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedSupportToken | undefined> {
    const raw = bearerToken(authorization);
    const parsed = raw === undefined ? undefined : parseToken(SUPPORT_TOKEN, raw);
    if (!parsed) return undefined;
    const stored = await this.tokens.findForAuthentication(parsed.prefix);
    if (!stored || !secretMatches(parsed.secret, stored.secretHash) || stored.revokedAt !== null)
      return undefined;
    if (stored.lastUsedAt === null || Date.now() - stored.lastUsedAt.getTime() > 60_000) {
      await this.tokens.touch(stored.id);
    }
    return { supportTokenId: stored.id, name: stored.name };
  }
}
