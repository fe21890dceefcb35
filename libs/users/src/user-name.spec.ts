import { describe, expect, it } from 'vitest';
import { normalizeUserName } from './user-name.js';

describe('normalizeUserName', () => {
  it('folds fullwidth forms, composes to NFC and trims, keeping case', () => {
    expect(normalizeUserName('Ａｌｉｃｅ＠ｃｏｎｔｏｓｏ．ｃｏｍ')).toBe('Alice@contoso.com');
    expect(normalizeUserName('Rene\u0301@x.test')).toBe('Ren\u00e9@x.test');
    expect(normalizeUserName('\u3000 bob@x.test \t')).toBe('bob@x.test');
    expect(normalizeUserName('日本@x.test')).toBe('日本@x.test');
  });
});
