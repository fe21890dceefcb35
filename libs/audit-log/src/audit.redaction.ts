/**
 * What may be stored of a request: bodies are kept for support ("what exactly arrived"), but never
 * a password or anything that looks like a credential, and never more than a bounded size, so one
 * huge membership PATCH cannot bloat the audit table.
 */

/** Largest request body (or effect) stored, as JSON text; larger ones keep a marker and a preview. */
export const MAX_STORED_JSON_CHARS = 64 * 1024;
/** Characters of a too-large body kept as its preview. */
export const PREVIEW_CHARS = 4 * 1024;
export const REDACTED = '[REDACTED]';
/** Deeper structures are cut: legitimate SCIM bodies nest a few levels at most. */
const MAX_DEPTH = 32;

/** Attribute names whose values are never stored (password, secrets, tokens, keys). */
const SECRET_NAME = /pass(?:word|wd)|secret|token|credential|api[-_]?key|private[-_]?key/i;

/**
 * Secret-looking text wherever it appears inside a string. Callers control this text, so every
 * pattern runs in linear time (no nested or overlapping quantifiers to backtrack through).
 */
const SECRET_PATTERNS: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // Our own tokens: API (sct_) and support (sst_) tokens.
  [/\b(?:sct|sst)_[0-9a-f]{12}_[A-Za-z0-9_-]*/g, REDACTED],
  // JWTs (e.g. an Entra access token pasted somewhere): a base64url header starting with '{"', a dot.
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [
    /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s]*(?:-----END [A-Z ]{0,40}PRIVATE KEY-----)?/g,
    REDACTED,
  ],
  // A SCIM filter comparing a password attribute: keep the shape, drop the value. The attribute
  // starts at a token boundary (lookbehind) and is checked by the callback, not by the pattern.
  [
    /(?<![\w.:-])([\w.:-]+)(\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)"(?:[^"\\]|\\.)*"/gi,
    (match: string, attribute: string, operator: string) =>
      SECRET_NAME.test(attribute) ? `${attribute}${operator}"${REDACTED}"` : match,
  ],
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text with what PostgreSQL refuses in text and jsonb (NUL, lone surrogates) replaced by
 * U+FFFD: one odd character must not cost the row.
 */
export function storableCharacters(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** Masks secret-looking parts of free text (paths, queries, details, names); storable as is. */
export function maskSecrets(text: string): string {
  let masked = storableCharacters(text);
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    masked =
      typeof replacement === 'string'
        ? masked.replace(pattern, replacement)
        : masked.replace(pattern, replacement);
  }
  return masked;
}

/** Masked and cut to `max` characters; null stays null. */
export function storableText(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined) return null;
  const masked = maskSecrets(text);
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked;
}

/**
 * A name followed by `:` or `=` and a value, in text that is not valid JSON: `"password": "x"`,
 * `'password': 'x'`, `password: x`, `password=x`. The name starts at a token boundary (lookbehind),
 * so the scan stays linear on hostile text; the value is double-quoted, single-quoted or bare.
 */
const LOOSE_MEMBER =
  /(?<![\w.:$-])(["']?)([\w.:$-]+)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[^\s,;{}&[\]"']+)/g;
/** A PATCH operation naming a secret in its `path`, in any quoting: then every `value` is one. */
const SECRET_PATH = /["']?path["']?\s*[:=]\s*["']?[^"'\s,}]*(?:pass(?:word|wd)|secret|token|credential)/i;

/**
 * A body that was not valid JSON, as text: secret-named members (in any quoting) and secret-looking
 * text masked, cut to the storage limit.
 */
export function storableUnparsedBody(text: string): string {
  const kept = text.slice(0, MAX_STORED_JSON_CHARS * 2);
  const secretValues = SECRET_PATH.test(kept);
  const masked = maskSecrets(
    kept.replace(LOOSE_MEMBER, (member: string, quote: string, name: string, separator: string) =>
      SECRET_NAME.test(name) || (secretValues && name.toLowerCase() === 'value')
        ? `${quote}${name}${quote}${separator}"${REDACTED}"`
        : member,
    ),
  );
  return masked.length > MAX_STORED_JSON_CHARS ? masked.slice(0, MAX_STORED_JSON_CHARS) : masked;
}

/**
 * A request's query string as stored: parameters named like a secret (`access_token=`,
 * `password=`) lose their value, and every other value is decoded and masked like free text (a
 * `filter=password eq "..."` keeps its shape, not its value). A query with nothing to mask is kept
 * byte for byte, as received.
 */
export function storableQuery(rawQuery: string, max: number): string {
  const parameters = [...new URLSearchParams(rawQuery)];
  let changed = false;
  const kept = parameters.map(([name, value]) => {
    const safe = SECRET_NAME.test(name) ? REDACTED : maskSecrets(value);
    const safeName = maskSecrets(name);
    if (safe !== value || safeName !== name) changed = true;
    return `${encodeURIComponent(safeName)}=${encodeURIComponent(safe)}`;
  });
  const text = changed ? kept.join('&') : maskSecrets(rawQuery);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

class TooLarge extends Error {}

function isSecretPatchOperation(object: Record<string, unknown>): boolean {
  // {"op":"replace","path":"password","value":"..."} names the secret in `path`, not in a key.
  return typeof object.path === 'string' && SECRET_NAME.test(object.path);
}

/**
 * Writes `value` as JSON with secrets redacted into `out`, stopping (TooLarge) once past `limit`
 * characters, so the cost is bounded by the limit, not by the body. What was written before the
 * stop stays in `out.parts`.
 */
function writeRedacted(value: unknown, limit: number, out: { parts: string[]; length: number }): void {
  const emit = (text: string) => {
    out.parts.push(text);
    out.length += text.length;
    if (out.length > limit) throw new TooLarge();
  };
  const write = (node: unknown, depth: number): void => {
    if (node === null || node === undefined) return emit('null');
    // A string longer than what is left cannot fit anyway: mask only what can be kept.
    if (typeof node === 'string') {
      const room = limit - out.length + 1;
      emit(JSON.stringify(maskSecrets(node.slice(0, room))));
      // Cut before masking: even if masking shrank it below the limit, the value is not whole.
      if (node.length > room) throw new TooLarge();
      return;
    }
    if (typeof node === 'number') return emit(Number.isFinite(node) ? String(node) : 'null');
    if (typeof node === 'boolean') return emit(node ? 'true' : 'false');
    if (typeof node === 'bigint') return emit(JSON.stringify(node.toString()));
    if (node instanceof Date) return emit(JSON.stringify(node.toISOString()));
    if (typeof node !== 'object') return emit('null');
    if (depth >= MAX_DEPTH) return emit(JSON.stringify('[too deep]'));
    if (Array.isArray(node)) {
      emit('[');
      node.forEach((item, index) => {
        if (index > 0) emit(',');
        write(item, depth + 1);
      });
      return emit(']');
    }
    const object = node as Record<string, unknown>;
    const secretOperation = isSecretPatchOperation(object);
    emit('{');
    let first = true;
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue;
      if (!first) emit(',');
      first = false;
      emit(`${JSON.stringify(storableCharacters(key))}:`);
      const secret = SECRET_NAME.test(key) || (secretOperation && key.toLowerCase() === 'value');
      if (secret && item !== null) emit(JSON.stringify(REDACTED));
      else write(item, depth + 1);
    }
    return emit('}');
  };
  write(value, 0);
}

/** The redacted JSON text of `value` if it fits in `limit` characters; otherwise its start. */
function redactedJson(value: unknown, limit: number): { text: string; complete: boolean } {
  const out = { parts: [] as string[], length: 0 };
  try {
    writeRedacted(value, limit, out);
    return { text: out.parts.join(''), complete: true };
  } catch (error) {
    if (!(error instanceof TooLarge)) throw error;
    return { text: out.parts.join('').slice(0, limit), complete: false };
  }
}

/**
 * JSON text to store for a body or an effect: the value with secrets redacted, or, when that is
 * longer than `maxChars`, `{"$truncated": true, "sizeBytes": <size>, "preview": "<start>"}`.
 */
export function storableJson(
  value: unknown,
  options: { maxChars?: number; sizeBytes?: number } = {},
): string {
  const full = redactedJson(value, options.maxChars ?? MAX_STORED_JSON_CHARS);
  if (full.complete) return full.text;
  return JSON.stringify({
    $truncated: true,
    sizeBytes: options.sizeBytes ?? null,
    preview: full.text.slice(0, PREVIEW_CHARS),
  });
}
