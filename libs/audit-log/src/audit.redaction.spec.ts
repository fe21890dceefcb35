import { describe, expect, it } from 'vitest';
import {
  MAX_STORED_JSON_CHARS,
  maskSecrets,
  PREVIEW_CHARS,
  REDACTED,
  storableJson,
  storableText,
  storableUnparsedBody,
} from './audit.redaction.js';

// The shapes of our API and support tokens; libs/auth's spec checks that generated ones are masked.
const API = 'sct_0123456789ab_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v';
const SUPPORT = 'sst_ba9876543210_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0F9e';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('audit redaction', () => {
  it('masks our tokens, JWTs, bearer credentials and private keys inside any text', () => {
    const api = API;
    const support = SUPPORT;
    const text = `a ${api} b ${support} c ${JWT} d Bearer abcdefghijk e -----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY----- f`;
    const masked = maskSecrets(text);
    for (const secret of [api, support, JWT, 'abcdefghijk', 'MII']) expect(masked).not.toContain(secret);
    expect(masked).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED} d Bearer ${REDACTED} e ${REDACTED} f`);
  });

  it('keeps the shape of a filter on a password but not its value', () => {
    expect(maskSecrets('password eq "hunter2" and userName eq "bob"')).toBe(
      `password eq "${REDACTED}" and userName eq "bob"`,
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'userName eq "alice@example.com" and externalId eq "acme:0f1e2d3c"';
    expect(maskSecrets(text)).toBe(text);
  });

  it('redacts password-like attributes at any depth, and PATCH values whose path names one', () => {
    const stored = JSON.parse(
      storableJson({
        userName: 'bob',
        password: 'hunter2',
        'urn:example:User': { clientSecret: { nested: 'x' }, apiKey: 1, token: null },
        Operations: [
          { op: 'replace', path: 'password', value: 'n3w' },
          { op: 'replace', path: 'displayName', value: 'Bob' },
          { op: 'replace', value: { password: 'flag-form', displayName: 'Bob' } },
        ],
        note: `token ${JWT}`,
      }),
    ) as Record<string, unknown>;
    expect(stored).toEqual({
      userName: 'bob',
      password: REDACTED,
      'urn:example:User': { clientSecret: REDACTED, apiKey: REDACTED, token: null },
      Operations: [
        { op: 'replace', path: 'password', value: REDACTED },
        { op: 'replace', path: 'displayName', value: 'Bob' },
        { op: 'replace', value: { password: REDACTED, displayName: 'Bob' } },
      ],
      note: `token ${REDACTED}`,
    });
  });

  it('keeps JSON types and drops undefined members', () => {
    expect(storableJson({ a: 1, b: true, c: null, d: undefined, e: [1, undefined], f: new Date(0) })).toBe(
      '{"a":1,"b":true,"c":null,"e":[1,null],"f":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('stores a marker with the size and a redacted preview for bodies over the limit', () => {
    const members = Array.from({ length: 5_000 }, (_, index) => ({ value: `member-${index}` }));
    const stored = JSON.parse(
      storableJson({ password: 'hunter2', members }, { sizeBytes: 123_456 }),
    ) as Record<string, unknown>;
    expect(stored).toEqual({ $truncated: true, sizeBytes: 123_456, preview: expect.any(String) });
    expect((stored.preview as string).length).toBe(PREVIEW_CHARS);
    expect(stored.preview).toMatch(/^\{"password":"\[REDACTED\]","members":\[\{"value":"member-0"\}/);
  });

  it('keeps a body just under the limit whole', () => {
    const body = { text: 'x'.repeat(MAX_STORED_JSON_CHARS - 20) };
    expect(JSON.parse(storableJson(body))).toEqual(body);
  });

  it('cuts absurd nesting instead of recursing without end', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1_000; i += 1) deep = [deep];
    expect(storableJson(deep)).toContain('[too deep]');
  });

  it('turns whatever a caller sends, however large or hostile, into a correct and bounded result', () => {
    // Inputs built to make a backtracking pattern take forever (the patterns run in linear time;
    // how fast is measured by the benchmark's redaction scenario, not here).
    const KEY = '-----BEGIN PRIVATE KEY-----';
    const hostile: [name: string, text: string, masked: string][] = [
      ['a megabyte of one letter', 'x'.repeat(1_000_000), 'x'.repeat(1_000_000)],
      ['a filter attribute path without end', `${'a.'.repeat(200_000)} eq`, `${'a.'.repeat(200_000)} eq`],
      ['JWT headers without a dot', 'eyJ'.repeat(100_000), 'eyJ'.repeat(100_000)],
      ['private key headers', KEY.repeat(20_000), REDACTED.repeat(20_000)],
      ['an unterminated quoted value', `"${'p'.repeat(200_000)}`, `"${'p'.repeat(200_000)}`],
      ['only spaces', ' '.repeat(500_000), ' '.repeat(500_000)],
    ];
    for (const [name, text, masked] of hostile) {
      // Secrets masked, and nothing else touched.
      expect(maskSecrets(text) === masked, `maskSecrets of ${name}`).toBe(true);

      const unparsed = storableUnparsedBody(text);
      expect(unparsed.length, `stored unparsed body of ${name}`).toBeLessThanOrEqual(MAX_STORED_JSON_CHARS);
      expect(unparsed, `stored unparsed body of ${name}`).not.toContain(KEY);
      if (masked === text) expect(unparsed === text.slice(0, MAX_STORED_JSON_CHARS), name).toBe(true);

      const stored = storableJson({ text });
      expect(stored.length, `stored JSON of ${name}`).toBeLessThanOrEqual(MAX_STORED_JSON_CHARS);
      expect(stored, `stored JSON of ${name}`).not.toContain(KEY);
      if (masked === text) {
        const parsed = JSON.parse(stored) as { $truncated: boolean; preview: string };
        expect(parsed.$truncated, name).toBe(true);
        expect(parsed.preview.length, name).toBe(PREVIEW_CHARS);
        expect(JSON.stringify({ text }).startsWith(parsed.preview), `preview of ${name}`).toBe(true);
      }
    }

    // A huge structure: cut at the limit, its secrets redacted in what is kept.
    const members = Array.from({ length: 200_000 }, (_, index) => ({
      value: `u-${index}`,
      password: 'hunter2',
    }));
    const stored = storableJson({ members });
    expect(stored.length).toBeLessThanOrEqual(MAX_STORED_JSON_CHARS);
    const { $truncated, preview } = JSON.parse(stored) as { $truncated: boolean; preview: string };
    expect($truncated).toBe(true);
    expect(preview.length).toBe(PREVIEW_CHARS);
    expect(preview.startsWith(`{"members":[{"value":"u-0","password":"${REDACTED}"},`)).toBe(true);
    expect(preview).not.toContain('hunter2');
  });

  it('masks secret members of a body that is not JSON', () => {
    const text = `{"userName": "bob", "password": "hunter2", "x": "Bearer abcdefghijk",`;
    const stored = storableUnparsedBody(text);
    expect(stored).not.toContain('hunter2');
    expect(stored).not.toContain('abcdefghijk');
    expect(stored).toContain('"userName": "bob"');
  });

  it('replaces what PostgreSQL cannot store (NUL, lone surrogates), in values and in names', () => {
    const stored = storableJson({ 'a\u0000': 'b\u0000c', d: '\ud800x', e: 'ok \ud83d\ude00' });
    expect(JSON.parse(stored)).toEqual({ 'a\uFFFD': 'b\uFFFDc', d: '\uFFFDx', e: 'ok \ud83d\ude00' });
    expect(storableText('x\udc00', 10)).toBe('x\uFFFD');
  });

  it('caps and masks free text columns', () => {
    expect(storableText(null, 10)).toBeNull();
    expect(storableText('abcdefghijklmnop', 10)).toBe('abcdefghi…');
    expect(storableText(`?access_token=${API}`, 100)).toBe(`?access_token=${REDACTED}`);
  });
});
