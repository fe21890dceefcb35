/** Weak ETags (RFC 9110 §8.8.3) built from a resource version, and If-Match / If-None-Match checks. */
import { ScimError } from './scim.error.js';

const ETAG_CHARS = /^[\x21\x23-\x7e]*$/;

/** `W/"<version>"`. The version must be made of ETag-safe characters (no quotes, spaces or controls). */
export function weakEtag(version: string | number): string {
  const text = String(version);
  if (!ETAG_CHARS.test(text)) {
    throw new RangeError(`version ${JSON.stringify(text)} cannot be used in an ETag`);
  }
  return `W/"${text}"`;
}

/**
 * Whether an `If-Match`/`If-None-Match` header value matches `etag` using weak comparison
 * (RFC 9110 §8.8.3.2: `W/"1"` and `"1"` match). `*` matches any current representation. Lists
 * (`"a", W/"b"`) match when any entry does. An absent or empty header matches nothing.
 */
export function etagMatches(header: string | readonly string[] | undefined, etag: string): boolean {
  const values = typeof header === 'string' ? [header] : (header ?? []);
  const wanted = opaqueTag(etag.trim());
  if (wanted === undefined) return false;
  return values.flatMap(splitEtagList).some((entry) => entry === '*' || opaqueTag(entry) === wanted);
}

/** Splits a header list on commas outside quotes. */
function splitEtagList(header: string): string[] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      entries.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  entries.push(current);
  return entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** `W/"x"` or `"x"` → `x`; anything malformed → undefined (never matches). */
function opaqueTag(entry: string): string | undefined {
  const match = /^(?:[Ww]\/)?"([^"]*)"$/.exec(entry);
  return match?.[1];
}

/** 412 unless `If-Match` (when sent) matches the resource's current version. */
export function assertIfMatch(ifMatch: string | undefined, version: string | number, resource: string): void {
  const etag = weakEtag(version);
  if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) {
    throw ScimError.preconditionFailed(
      `${resource} has changed: its version is ${etag}, the request expected ${ifMatch}`,
    );
  }
}
