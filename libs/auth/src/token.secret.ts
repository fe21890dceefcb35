import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens look like `<mark>_<prefix>_<secret>`: the mark tells what kind of token it is (and lets
 * secret scanners find leaked ones), the 12-hex-digit prefix is stored in clear as the lookup key,
 * and only a SHA-256 hash of the 256-bit secret is stored. A fast hash is right here: slow KDFs
 * protect guessable passwords, while this secret is random and long, and every request verifies it.
 */
export interface TokenKind {
  readonly mark: string;
}

export const API_TOKEN: TokenKind = { mark: 'sct' };
export const SUPPORT_TOKEN: TokenKind = { mark: 'sst' };

export interface GeneratedToken {
  readonly token: string;
  readonly prefix: string;
  readonly secretHash: Buffer;
}

export interface ParsedToken {
  readonly prefix: string;
  readonly secret: string;
}

export function generateToken(kind: TokenKind): GeneratedToken {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${kind.mark}_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function parseToken(kind: TokenKind, token: string): ParsedToken | undefined {
  const match = new RegExp(`^${kind.mark}_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`).exec(token);
  if (!match) return undefined;
  return { prefix: match[1]!, secret: match[2]! };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of the presented secret's hash with the stored one. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/** Extracts the credentials of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
