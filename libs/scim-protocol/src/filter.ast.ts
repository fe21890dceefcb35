/** RFC 7644 §3.4.2.2 filter syntax tree. Attribute names are kept as written; resolution happens later. */

export interface AttributePath {
  /** Schema URN prefix, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  readonly uri?: string;
  readonly name: string;
  readonly subAttr?: string;
}

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export const COMPARE_OPERATORS: readonly CompareOperator[] = [
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
];

export type FilterLiteral = string | number | boolean | null;

export interface CompareFilter {
  readonly kind: 'compare';
  readonly path: AttributePath;
  readonly op: CompareOperator;
  readonly value: FilterLiteral;
}

export interface PresentFilter {
  readonly kind: 'present';
  readonly path: AttributePath;
}

export interface AndFilter {
  readonly kind: 'and';
  readonly left: Filter;
  readonly right: Filter;
}

export interface OrFilter {
  readonly kind: 'or';
  readonly left: Filter;
  readonly right: Filter;
}

export interface NotFilter {
  readonly kind: 'not';
  readonly filter: Filter;
}

/**
 * `emails[type eq "work"]`. Paths inside `filter` are relative to the complex attribute. The
 * non-RFC form `emails[type eq "work"].value eq "x"` (Entra uses it for matching on e-mail) is
 * parsed into `emails[type eq "work" and value eq "x"]`, which means the same thing.
 */
export interface ValuePathFilter {
  readonly kind: 'valuePath';
  readonly path: AttributePath;
  readonly filter: Filter;
}

export type Filter = CompareFilter | PresentFilter | AndFilter | OrFilter | NotFilter | ValuePathFilter;

export function isCompareOperator(word: string): word is CompareOperator {
  return (COMPARE_OPERATORS as readonly string[]).includes(word);
}

export function stringifyAttributePath(path: AttributePath): string {
  const qualified = path.uri === undefined ? path.name : `${path.uri}:${path.name}`;
  return path.subAttr === undefined ? qualified : `${qualified}.${path.subAttr}`;
}

function stringifyLiteral(value: FilterLiteral): string {
  return JSON.stringify(value);
}

/**
 * Canonical text of a filter. Nested logical expressions are always parenthesised, so the text
 * re-parses to the same tree regardless of associativity.
 */
export function stringifyFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${stringifyAttributePath(filter.path)} ${filter.op} ${stringifyLiteral(filter.value)}`;
    case 'present':
      return `${stringifyAttributePath(filter.path)} pr`;
    case 'and':
    case 'or':
      return `${stringifyOperand(filter.left)} ${filter.kind} ${stringifyOperand(filter.right)}`;
    case 'not':
      return `not (${stringifyFilter(filter.filter)})`;
    case 'valuePath':
      return `${stringifyAttributePath(filter.path)}[${stringifyFilter(filter.filter)}]`;
  }
}

function stringifyOperand(filter: Filter): string {
  const text = stringifyFilter(filter);
  return filter.kind === 'and' || filter.kind === 'or' ? `(${text})` : text;
}

/**
 * The values an `eq` filter (or an `or`-chain of them) demands of one attribute, e.g. the ids in
 * `value eq "a" or value eq "b"` for name `value`. `undefined` when the filter says anything else.
 */
export function equalityValuesOfFilter(filter: Filter, name: string): string[] | undefined {
  if (filter.kind === 'or') {
    const left = equalityValuesOfFilter(filter.left, name);
    const right = equalityValuesOfFilter(filter.right, name);
    return left && right ? [...left, ...right] : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null) return undefined;
  const path = filter.path;
  const matches =
    path.subAttr === undefined && path.uri === undefined && path.name.toLowerCase() === name.toLowerCase();
  return matches ? [String(filter.value)] : undefined;
}
