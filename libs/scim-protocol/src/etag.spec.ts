import { describe, expect, it } from 'vitest';
import { assertIfMatch, etagMatches, weakEtag } from './etag.js';

describe('weakEtag', () => {
  it('wraps the version', () => {
    expect(weakEtag(3)).toBe('W/"3"');
    expect(weakEtag('a1b2')).toBe('W/"a1b2"');
    expect(() => weakEtag('a"b')).toThrow(RangeError);
    expect(() => weakEtag('a b')).toThrow(RangeError);
  });
});

describe('etagMatches', () => {
  const etag = weakEtag(7);
  it.each([
    ['W/"7"', true],
    ['"7"', true],
    ['w/"7"', true],
    ['*', true],
    ['W/"6", W/"7"', true],
    ['"a,b", "7"', true],
    ['W/"6"', false],
    ['7', false],
    ['', false],
    ['W/"70"', false],
  ])('%j → %s', (header, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });

  it('handles absent and repeated headers', () => {
    expect(etagMatches(undefined, etag)).toBe(false);
    expect(etagMatches(['W/"1"', 'W/"7"'], etag)).toBe(true);
  });
});

describe('assertIfMatch', () => {
  it('passes without a header or with a matching one, and answers 412 otherwise', () => {
    expect(() => assertIfMatch(undefined, 3, 'User x')).not.toThrow();
    expect(() => assertIfMatch('W/"3"', 3, 'User x')).not.toThrow();
    expect(() => assertIfMatch('*', 3, 'User x')).not.toThrow();
    expect(() => assertIfMatch('W/"2"', 3, 'User x')).toThrow(expect.objectContaining({ status: 412 }));
  });
});
