import { describe, expect, it } from 'vitest';
import { REDACTED, storableJson, storableQuery, storableUnparsedBody } from './audit.redaction.js';

const SECRET = 'S3cr3t-Value-42';

describe('secrets outside parsed JSON', () => {
  it('drops secret-named query parameters and masks filters on secret attributes, encoded or not', () => {
    for (const raw of [
      `access_token=${SECRET}`,
      `filter=password%20eq%20%22${SECRET}%22`,
      `filter=password+eq+"${SECRET}"&count=5`,
      `attributes=userName&client_secret=${SECRET}`,
      `q=Bearer%20${SECRET}`,
    ]) {
      const stored = storableQuery(raw, 8_192);
      expect(stored, raw).not.toContain(SECRET);
      expect(stored, raw).toContain(encodeURIComponent(REDACTED));
    }
    expect(decodeURIComponent(storableQuery(`filter=password%20eq%20%22${SECRET}%22`, 8_192))).toBe(
      `filter=password eq "${REDACTED}"`,
    );
  });

  it('keeps a query with nothing to mask exactly as received', () => {
    const raw = 'filter=userName%20eq%20%22bob%40contoso.com%22&excludedAttributes=members';
    expect(storableQuery(raw, 8_192)).toBe(raw);
    expect(storableQuery('x'.repeat(10_000), 100)).toHaveLength(100);
  });

  it('masks password members of bodies that are not JSON, in any quoting', () => {
    for (const text of [
      `{'userName': 'bob', 'password': '${SECRET}'}`,
      `{userName: bob, password: ${SECRET}}`,
      `{"password" : "${SECRET}", }`,
      `password=${SECRET}&userName=bob`,
      `{"Operations":[{"op":"replace","path":"password","value":"${SECRET}"}],}`,
      `{'Operations':[{'op':'replace','path':'passwordProfile.password','value':'${SECRET}'}]`,
      `{"passwordProfile": {"password": '${SECRET}'}}`,
    ]) {
      const stored = storableUnparsedBody(text);
      expect(stored, text).not.toContain(SECRET);
      expect(stored, text).toContain(REDACTED);
    }
    expect(storableUnparsedBody(`{'userName': 'bob', 'password': 'x'`)).toContain(`'userName': 'bob'`);
  });

  it('stays linear on hostile text without separators', () => {
    // Correctness on a long run: the whole text is kept (nothing secret), cut at the limit.
    const text = `"${'a'.repeat(300_000)}`;
    expect(storableUnparsedBody(text)).toBe(text.slice(0, 64 * 1024));
  });

  it('marks a value cut before masking as truncated, even when masking shrank it under the limit', () => {
    const key = '-----BEGIN PRIVATE KEY-----';
    const stored = JSON.parse(storableJson({ text: key.repeat(20_000) })) as { $truncated?: boolean };
    expect(stored.$truncated).toBe(true);
  });
});
