/**
 * Recursive-descent parser for the RFC 7644 §3.4.2.2 filter grammar.
 *
 * Why not the npm package `scim2-parse-filter` (read at thomaspoignant/scim2-parse-filter, src/parser.ts,
 * commit 0cefe46): its regex tokenizer keeps no offsets, so errors cannot say where the filter is
 * wrong; it throws plain `Error`s; it has no length or nesting limit (deep parentheses recurse until
 * the stack overflows); it JSON-parses every value, so Entra's documented unquoted
 * `externalId eq jyoung` is rejected; it rewrites `emails[type eq "work"].value eq "x"` into
 * `emails[type eq "work"] and emails.value eq "x"`, which may match two different e-mails; and its
 * string handling doubles every backslash not followed by a quote, so `\n` or `\\` escapes decode
 * wrongly. Fixing that means rewriting most of it, so this is a small parser of our own.
 *
 * Leniency (documented in the README): operators, `and`/`or`/`not` and `true`/`false`/`null` are
 * case-insensitive; an unquoted value that is not a number or keyword is a string; `not` without
 * parentheses is accepted; any run of spaces, tabs or line breaks separates tokens.
 */
import {
  type AttributePath,
  type CompareOperator,
  type Filter,
  type FilterLiteral,
  isCompareOperator,
} from './filter.ast.js';
import { ScimError } from './scim.error.js';

export interface FilterParseOptions {
  /** Longest accepted filter, in characters. */
  readonly maxLength?: number;
  /** Deepest accepted nesting of parentheses, `not` and value filters. */
  readonly maxDepth?: number;
}

export const DEFAULT_FILTER_MAX_LENGTH = 4096;
export const DEFAULT_FILTER_MAX_DEPTH = 32;

/** A syntax problem at a character offset (0-based), before it is given a scimType. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`at position ${position}: ${reason}`);
    this.name = 'FilterSyntaxError';
  }
}

/** Parses a `filter` query parameter or `.search` filter; every failure is a 400 `invalidFilter`. */
export function parseFilter(input: string, options: FilterParseOptions = {}): Filter {
  const maxLength = options.maxLength ?? DEFAULT_FILTER_MAX_LENGTH;
  if (typeof input !== 'string') throw ScimError.invalidFilter('filter must be a string');
  if (input.length > maxLength) {
    throw ScimError.invalidFilter(
      `filter is ${input.length} characters long; at most ${maxLength} are allowed`,
    );
  }
  try {
    const parser = new Parser(input, options.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH);
    return parser.parseWholeFilter();
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw ScimError.invalidFilter(`Invalid filter ${error.message}`);
    throw error;
  }
}

/** A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or `attrPath[valFilter]` optionally followed by `.subAttr`. */
export interface ParsedPathSyntax {
  readonly attribute: AttributePath;
  readonly valueFilter?: Filter;
  /** Sub-attribute after a value filter, e.g. `value` in `emails[type eq "work"].value`. */
  readonly filterSubAttr?: string;
}

/** Throws {@link FilterSyntaxError}; callers pick the scimType (PATCH uses `invalidPath`). */
export function parsePathSyntax(input: string, options: FilterParseOptions = {}): ParsedPathSyntax {
  const maxLength = options.maxLength ?? DEFAULT_FILTER_MAX_LENGTH;
  if (input.length > maxLength) {
    throw new FilterSyntaxError(maxLength, `path is longer than ${maxLength} characters`);
  }
  return new Parser(input, options.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH).parseWholePath();
}

/** Parses a plain attribute path such as `name.givenName` or a URN-qualified name. */
export function parseAttributePathSyntax(input: string): AttributePath {
  const parser = new Parser(input, DEFAULT_FILTER_MAX_DEPTH);
  return parser.parseWholeAttributePath();
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);
const ATTRIBUTE_CHAR = /[A-Za-z0-9_\-.:$]/;
const NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const BARE_VALUE_STOP = new Set(['(', ')', '[', ']']);
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseWholeFilter(): Filter {
    this.skipWhitespace();
    if (this.atEnd()) this.fail('filter is empty');
    const filter = this.parseOr(0, false);
    this.skipWhitespace();
    if (!this.atEnd()) this.fail(`expected 'and', 'or' or end of filter, found ${this.describeHere()}`);
    return filter;
  }

  parseWholePath(): ParsedPathSyntax {
    this.skipWhitespace();
    const attribute = this.readAttributePath();
    if (this.peek() !== '[') return this.finishPath({ attribute });
    if (attribute.subAttr !== undefined) {
      this.fail('a value filter must follow an attribute, not a sub-attribute');
    }
    this.pos += 1;
    const valueFilter = this.parseOr(1, true);
    this.skipWhitespace();
    this.expect(']');
    if (this.peek() !== '.') return this.finishPath({ attribute, valueFilter });
    this.pos += 1;
    const filterSubAttr = this.readName();
    return this.finishPath({ attribute, valueFilter, filterSubAttr });
  }

  parseWholeAttributePath(): AttributePath {
    this.skipWhitespace();
    const path = this.readAttributePath();
    this.skipWhitespace();
    if (!this.atEnd()) this.fail(`unexpected ${this.describeHere()} after attribute path`);
    return path;
  }

  private finishPath(path: ParsedPathSyntax): ParsedPathSyntax {
    this.skipWhitespace();
    if (!this.atEnd()) this.fail(`unexpected ${this.describeHere()} in path`);
    return path;
  }

  // ---- logical layer: or < and < not ----

  private parseOr(depth: number, inValuePath: boolean): Filter {
    let left = this.parseAnd(depth, inValuePath);
    while (this.tryKeyword('or')) {
      const right = this.parseAnd(depth, inValuePath);
      left = { kind: 'or', left, right };
    }
    return left;
  }

  private parseAnd(depth: number, inValuePath: boolean): Filter {
    let left = this.parseUnary(depth, inValuePath);
    while (this.tryKeyword('and')) {
      const right = this.parseUnary(depth, inValuePath);
      left = { kind: 'and', left, right };
    }
    return left;
  }

  private parseUnary(depth: number, inValuePath: boolean): Filter {
    this.skipWhitespace();
    const start = this.pos;
    if (this.peek() === '(') {
      this.enter(depth + 1, start);
      this.pos += 1;
      const inner = this.parseOr(depth + 1, inValuePath);
      this.skipWhitespace();
      this.expect(')');
      return inner;
    }
    if (this.isNotKeyword()) {
      this.enter(depth + 1, start);
      this.pos += 3;
      return { kind: 'not', filter: this.parseUnary(depth + 1, inValuePath) };
    }
    return this.parseAttributeExpression(depth, inValuePath);
  }

  /** `not` is an operator unless it is used as an attribute name (`not eq "x"`). */
  private isNotKeyword(): boolean {
    if (this.wordAt(this.pos).toLowerCase() !== 'not') return false;
    let next = this.pos + 3;
    while (next < this.text.length && WHITESPACE.has(this.text.charAt(next))) next += 1;
    if (this.text.charAt(next) === '(') return true;
    if (next === this.pos + 3) return false;
    const following = this.wordAt(next).toLowerCase();
    return !(isCompareOperator(following) || following === 'pr');
  }

  // ---- attribute expressions ----

  private parseAttributeExpression(depth: number, inValuePath: boolean): Filter {
    const path = this.readAttributePath();
    if (this.peek() === '[') {
      if (inValuePath) this.fail('value filters cannot be nested');
      if (path.subAttr !== undefined) {
        this.fail('a value filter must follow an attribute, not a sub-attribute');
      }
      this.enter(depth + 1, this.pos);
      this.pos += 1;
      const inner = this.parseOr(depth + 1, true);
      this.skipWhitespace();
      this.expect(']');
      if (this.peek() !== '.') return { kind: 'valuePath', path, filter: inner };
      this.pos += 1;
      const subAttr = this.readName();
      const leaf = this.parseOperation({ name: subAttr });
      return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: leaf } };
    }
    return this.parseOperation(path);
  }

  private parseOperation(path: AttributePath): Filter {
    this.skipWhitespace();
    const operatorStart = this.pos;
    const word = this.wordAt(this.pos);
    const operator = word.toLowerCase();
    if (operator === 'pr') {
      this.pos += word.length;
      return { kind: 'present', path };
    }
    if (!isCompareOperator(operator)) {
      this.fail(
        `expected comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr), found ${this.describeHere()}`,
        operatorStart,
      );
    }
    this.pos += word.length;
    const value = this.readValue(operator);
    return { kind: 'compare', path, op: operator, value };
  }

  private readAttributePath(): AttributePath {
    const start = this.pos;
    while (this.pos < this.text.length && ATTRIBUTE_CHAR.test(this.text.charAt(this.pos))) this.pos += 1;
    const word = this.text.slice(start, this.pos);
    if (word.length === 0) this.fail(`expected attribute name, found ${this.describeHere()}`, start);
    return splitAttributePath(word, start);
  }

  private readName(): string {
    const start = this.pos;
    while (this.pos < this.text.length && ATTRIBUTE_CHAR.test(this.text.charAt(this.pos))) this.pos += 1;
    const name = this.text.slice(start, this.pos);
    if (!NAME.test(name)) this.fail(`expected sub-attribute name, found ${this.describeAt(start)}`, start);
    return name;
  }

  // ---- values ----

  private readValue(operator: CompareOperator): FilterLiteral {
    this.skipWhitespace();
    if (this.atEnd()) this.fail(`expected a value after '${operator}', found end of filter`);
    if (this.peek() === '"') return this.readString();
    const start = this.pos;
    while (
      this.pos < this.text.length &&
      !WHITESPACE.has(this.text.charAt(this.pos)) &&
      !BARE_VALUE_STOP.has(this.text.charAt(this.pos))
    ) {
      this.pos += 1;
    }
    const token = this.text.slice(start, this.pos);
    if (token.length === 0) {
      this.fail(`expected a value after '${operator}', found ${this.describeAt(start)}`, start);
    }
    return this.classifyBareValue(token, start);
  }

  private classifyBareValue(token: string, start: number): FilterLiteral {
    const lower = token.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (JSON_NUMBER.test(token)) {
      const number = Number(token);
      if (!Number.isFinite(number)) this.fail(`number ${token} is out of range`, start);
      return number;
    }
    // Unquoted strings are not RFC syntax, but Entra's own documentation shows `externalId eq jyoung`.
    return token;
  }

  private readString(): string {
    const start = this.pos;
    this.pos += 1;
    let result = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated string', start);
      const char = this.text.charAt(this.pos);
      if (char === '"') {
        this.pos += 1;
        return result;
      }
      if (char !== '\\') {
        result += char;
        this.pos += 1;
        continue;
      }
      result += this.readEscape();
    }
  }

  private readEscape(): string {
    const start = this.pos;
    const code = this.text.charAt(this.pos + 1);
    const simple = ESCAPES[code];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (code === 'u') {
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape in string', start);
      this.pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return this.fail(`invalid escape ${this.describeAt(start)} in string`, start);
  }

  // ---- scanning helpers ----

  private tryKeyword(keyword: 'and' | 'or'): boolean {
    const save = this.pos;
    this.skipWhitespace();
    const word = this.wordAt(this.pos);
    if (word.toLowerCase() === keyword) {
      this.pos += word.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  /**
   * The keyword or operator starting at `at`: a run of letters that a name character does not
   * continue, so `andx`, `eq5` or `pr.x` are not keywords. Empty when there is none.
   */
  private wordAt(at: number): string {
    let end = at;
    while (end < this.text.length && /[A-Za-z]/.test(this.text.charAt(end))) end += 1;
    if (end < this.text.length && /[0-9_\-.:$]/.test(this.text.charAt(end))) return '';
    return this.text.slice(at, end);
  }

  private enter(depth: number, at: number): void {
    if (depth > this.maxDepth) this.fail(`filter nests deeper than ${this.maxDepth} levels`, at);
  }

  private expect(char: string): void {
    if (this.peek() !== char) this.fail(`expected '${char}', found ${this.describeHere()}`);
    this.pos += 1;
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text.charAt(this.pos))) this.pos += 1;
  }

  private peek(): string {
    return this.text.charAt(this.pos);
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private describeHere(): string {
    return this.describeAt(this.pos);
  }

  private describeAt(at: number): string {
    if (at >= this.text.length) return 'end of input';
    const rest = this.text.slice(at);
    const token = /^[^\s()[\]]+/.exec(rest)?.[0] ?? rest.charAt(0);
    const shown = token.length > 24 ? `${token.slice(0, 24)}…` : token;
    return `'${shown}'`;
  }

  private fail(reason: string, at: number = this.pos): never {
    throw new FilterSyntaxError(at, reason);
  }
}

/** Splits `urn:…:User:name.givenName` into URN, attribute and sub-attribute, validating each name. */
function splitAttributePath(word: string, start: number): AttributePath {
  const colon = word.lastIndexOf(':');
  const uri = colon >= 0 ? word.slice(0, colon) : undefined;
  const rest = colon >= 0 ? word.slice(colon + 1) : word;
  if (uri !== undefined && !/^urn:/i.test(uri)) {
    throw new FilterSyntaxError(start, `'${truncate(word)}' is not a valid attribute path`);
  }
  const parts = rest.split('.');
  const [name, subAttr, ...extra] = parts;
  if (
    name === undefined ||
    !NAME.test(name) ||
    extra.length > 0 ||
    (subAttr !== undefined && !NAME.test(subAttr))
  ) {
    throw new FilterSyntaxError(start, `'${truncate(word)}' is not a valid attribute path`);
  }
  return {
    ...(uri !== undefined ? { uri } : {}),
    name,
    ...(subAttr !== undefined ? { subAttr } : {}),
  };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
