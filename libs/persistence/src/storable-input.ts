/**
 * What PostgreSQL cannot hold, found before a request reaches any query: U+0000 (refused in `text`
 * and `jsonb`, SQLSTATE 22021 / 22P05), UTF-16 halves without their pair (refused in `jsonb`, and
 * silently replaced by U+FFFD in `text`), and JSON nested deeper than any SCIM or management body
 * needs (deep structures overflow recursive code further in: class-transformer, JSON.stringify).
 */

/** Deeper bodies are refused: SCIM resources nest four levels at most, management bodies two. */
export const MAX_JSON_DEPTH = 32;

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface UnstorableInput {
  /** Where: `userName`, `members[2].value`, `emails[0]` (a key), or a query parameter's name. */
  readonly location: string;
  readonly reason: 'nul' | 'surrogate' | 'depth';
}

function problemIn(text: string): UnstorableInput['reason'] | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'nul' : 'surrogate';
}

/**
 * The first unstorable text or too-deep nesting in `value` (a parsed JSON body, query or path
 * parameters), or undefined. Iterative, so a hostile depth cannot overflow the stack here.
 */
export function findUnstorableInput(value: unknown, root = ''): UnstorableInput | undefined {
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      const reason = problemIn(node);
      if (reason) return { location: path || 'value', reason };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { location: path || 'body', reason: 'depth' };
    if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index -= 1) {
        stack.push({ node: node[index], path: `${path}[${index}]`, depth: depth + 1 });
      }
      continue;
    }
    const entries = Object.entries(node as Record<string, unknown>);
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, item] = entries[index]!;
      const keyProblem = problemIn(key);
      const child = path ? `${path}.${printable(key)}` : printable(key);
      if (keyProblem) return { location: child, reason: keyProblem };
      stack.push({ node: item, path: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A location as it can be shown back in an error (and stored in the audit): no NUL, no half pairs. */
function printable(key: string): string {
  return key.replace(new RegExp(UNSTORABLE.source, 'g'), '\uFFFD').slice(0, 100);
}

/** The message a client reads for such input. */
export function describeUnstorableInput(problem: UnstorableInput, kind: 'attribute' | 'parameter'): string {
  const where = `${kind} '${problem.location}'`;
  if (problem.reason === 'depth') return `${where} is nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (problem.reason === 'nul') return `${where} contains the character U+0000, which cannot be stored`;
  return `${where} contains an unpaired UTF-16 surrogate (invalid Unicode), which cannot be stored`;
}

/** SQLSTATE class 22 (data exception): a value the database refused, i.e. the caller's input. */
export function isDataException(error: unknown): boolean {
  let current: unknown = error;
  for (let hops = 0; hops < 3 && typeof current === 'object' && current !== null; hops += 1) {
    const record = current as { code?: unknown; driverError?: unknown };
    if (typeof record.code === 'string') return /^22[0-9A-Z]{3}$/.test(record.code);
    current = record.driverError;
  }
  return false;
}
