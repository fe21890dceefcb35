import { describe, expect, it } from 'vitest';
import { maskSecrets, REDACTED } from '#audit-log';
import {
  API_TOKEN,
  SUPPORT_TOKEN,
  bearerToken,
  generateToken,
  parseToken,
  secretMatches,
} from './token.secret.js';

describe('token secrets', () => {
  it('generates tokens that parse back to their prefix and a secret matching the stored hash', () => {
    const generated = generateToken(API_TOKEN);
    const parsed = parseToken(API_TOKEN, generated.token);
    expect(parsed?.prefix).toBe(generated.prefix);
    expect(secretMatches(parsed!.secret, generated.secretHash)).toBe(true);
    expect(generated.secretHash.toString('utf8')).not.toContain(parsed!.secret);
  });

  it('never generates the same token twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateToken(API_TOKEN).token));
    expect(tokens.size).toBe(200);
  });

  it('rejects a wrong secret, another kind of token and malformed input', () => {
    const generated = generateToken(API_TOKEN);
    const other = parseToken(API_TOKEN, generateToken(API_TOKEN).token)!;
    expect(secretMatches(other.secret, generated.secretHash)).toBe(false);
    expect(parseToken(SUPPORT_TOKEN, generated.token)).toBeUndefined();
    expect(parseToken(API_TOKEN, `${generated.token}x`)).toBeUndefined();
    expect(parseToken(API_TOKEN, 'sct_zz_zz')).toBeUndefined();
  });

  it('reads bearer credentials case-insensitively and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('makes tokens that the audit log masks wherever they appear', () => {
    for (const kind of [API_TOKEN, SUPPORT_TOKEN]) {
      const { token } = generateToken(kind);
      expect(maskSecrets(`a ${token} b`)).toBe(`a ${REDACTED} b`);
      expect(maskSecrets(`access_token=${token}&x=1`)).not.toContain(token);
    }
  });
});
