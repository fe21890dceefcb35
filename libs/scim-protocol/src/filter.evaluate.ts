/**
 * In-memory filter evaluation over SCIM JSON. The PATCH applier needs it to pick the elements a
 * value filter selects (`emails[type eq "work"]`); it also evaluates whole-resource filters, which
 * tests and small in-memory stores can use. Semantics mirror the SQL compiler (`filter.sql.ts`); the
 * differential test (test/filter-differential.e2e-spec.ts) holds the two to the same results.
 */
import { type ResolvedAttribute, findAttribute, resolveAttribute } from './attribute.resolver.js';
import { type AttributePath, type CompareOperator, type Filter, type FilterLiteral } from './filter.ast.js';
import { type JsonObject, getCaseInsensitive, isPlainObject } from './json.util.js';
import { type AttributeDefinition, type AttributeType, type ResourceTypeName } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

interface Operand {
  readonly values: readonly unknown[];
  readonly definition?: AttributeDefinition;
}

type Lookup = (path: AttributePath) => Operand;
type ElementsLookup = (path: AttributePath) => {
  elements: readonly unknown[];
  definition?: AttributeDefinition;
};

/**
 * Does `resource` match `filter`? Unknown attributes are read from the JSON as-is. A filter the SQL
 * compiler refuses for its operators or values (`active gt true`, `meta.created co "2011"`) is
 * refused here too, whatever the resource holds.
 */
export function matchesFilter(resource: JsonObject, filter: Filter, resourceType: ResourceTypeName): boolean {
  validate(
    filter,
    (path) => operandDefinition(resolveAttribute(resourceType, path), path),
    (path) => resolveAttribute(resourceType, path)?.attribute,
  );
  const lookup: Lookup = (path) => resourceOperand(resource, path, resourceType);
  const elements: ElementsLookup = (path) => {
    const resolved = resolveAttribute(resourceType, path);
    const raw = readTopLevel(resource, path, resolved?.isExtension ? resolved.schemaUrn : undefined);
    let items = asArray(raw);
    // `name[givenName eq "x"]` means `name.givenName eq "x"`, as in SQL: an absent `name` has absent sub-attributes.
    if (items.length === 0 && resolved?.attribute.type === 'complex' && !resolved.attribute.multiValued) {
      items = [{}];
    }
    return { elements: items, ...(resolved ? { definition: resolved.attribute } : {}) };
  };
  return evaluate(filter, lookup, elements);
}

/**
 * Does one element of a complex (usually multi-valued) attribute match a value filter? Paths in
 * the filter are sub-attribute names of `parent`; `value` on a simple element is the element itself.
 */
export function matchesValueFilter(element: unknown, filter: Filter, parent?: AttributeDefinition): boolean {
  return valueFilterMatcher(filter, parent)(element);
}

/**
 * `matchesValueFilter` for many elements: validates the filter once, then tests each element (the
 * PATCH applier scans an attribute's elements with one filter per operation).
 */
export function valueFilterMatcher(
  filter: Filter,
  parent?: AttributeDefinition,
): (element: unknown) => boolean {
  validate(
    filter,
    (path) => findAttribute(parent?.subAttributes, path.name),
    () => {
      throw ScimError.invalidFilter('value filters cannot be nested');
    },
  );
  const nested = (): never => {
    throw ScimError.invalidFilter('value filters cannot be nested');
  };
  return (element) => {
    const lookup: Lookup = (path) => {
      const definition = findAttribute(parent?.subAttributes, path.name);
      const values = isPlainObject(element)
        ? asArray(getCaseInsensitive(element, path.name))
        : path.name.toLowerCase() === 'value'
          ? asArray(element)
          : [];
      return definition ? { values, definition } : { values };
    };
    return evaluate(filter, lookup, nested);
  };
}

function evaluate(filter: Filter, lookup: Lookup, elements: ElementsLookup): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluate(filter.left, lookup, elements) && evaluate(filter.right, lookup, elements);
    case 'or':
      return evaluate(filter.left, lookup, elements) || evaluate(filter.right, lookup, elements);
    case 'not':
      return !evaluate(filter.filter, lookup, elements);
    case 'present':
      return lookup(filter.path).values.some(isPresent);
    case 'compare':
      return compareOperand(lookup(filter.path), filter.op, filter.value);
    case 'valuePath': {
      const { elements: items, definition } = elements(filter.path);
      return items.some((item) => matchesValueFilter(item, filter.filter, definition));
    }
  }
}

/**
 * Checks every comparison's operator and value against its attribute's type, before any value is
 * looked at: whether a filter is valid must not depend on the data (nor on `and`/`or` short cuts).
 */
function validate(
  filter: Filter,
  definitionOf: (path: AttributePath) => AttributeDefinition | undefined,
  parentOf: (path: AttributePath) => AttributeDefinition | undefined,
): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      validate(filter.left, definitionOf, parentOf);
      validate(filter.right, definitionOf, parentOf);
      return;
    case 'not':
      validate(filter.filter, definitionOf, parentOf);
      return;
    case 'present':
      return;
    case 'compare':
      assertComparable(definitionOf(filter.path)?.type ?? 'string', filter.op, filter.value);
      return;
    case 'valuePath': {
      const parent = parentOf(filter.path);
      validate(
        filter.filter,
        (path) => findAttribute(parent?.subAttributes, path.name),
        () => {
          throw ScimError.invalidFilter('value filters cannot be nested');
        },
      );
      return;
    }
  }
}

/** The definition that types a comparison: the sub-attribute, or `value` of a complex attribute. */
function operandDefinition(
  resolved: ResolvedAttribute | undefined,
  path: AttributePath,
): AttributeDefinition | undefined {
  if (!resolved) return undefined;
  return path.subAttr === undefined && resolved.attribute.type === 'complex'
    ? findAttribute(resolved.attribute.subAttributes, 'value')
    : resolved.definition;
}

/** Throws what the SQL compiler throws for an operator or value the attribute's type does not allow. */
function assertComparable(type: AttributeType, op: CompareOperator, expected: FilterLiteral): void {
  if (expected === null) {
    if (op !== 'eq' && op !== 'ne') {
      throw ScimError.invalidFilter(`operator '${op}' cannot compare with null`);
    }
    return;
  }
  switch (type) {
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') {
        throw ScimError.invalidFilter(`operator '${op}' is not supported on boolean attributes`);
      }
      if (toBoolean(expected) === undefined) {
        throw ScimError.invalidFilter(`${JSON.stringify(expected)} is not a boolean`);
      }
      return;
    case 'integer':
    case 'decimal':
    case 'dateTime':
      if (op === 'co' || op === 'sw' || op === 'ew') {
        throw ScimError.invalidFilter(`operator '${op}' is not supported on numbers and dates`);
      }
      if (type === 'dateTime' && filterDateTime(expected) === undefined) {
        throw ScimError.invalidFilter(`${JSON.stringify(expected)} is not an xsd:dateTime`);
      }
      if (type !== 'dateTime' && toNumber(expected) === undefined) {
        throw ScimError.invalidFilter(`${JSON.stringify(expected)} is not a number`);
      }
      return;
    default:
      return;
  }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A filter's dateTime value as milliseconds since the epoch, or undefined if it is not an
 * xsd:dateTime. SCIM JSON carries milliseconds, so comparisons are made at that precision; the SQL
 * compiler passes this instant to PostgreSQL, so both read a value without offset the same way.
 */
export function filterDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function resourceOperand(resource: JsonObject, path: AttributePath, resourceType: ResourceTypeName): Operand {
  const resolved = resolveAttribute(resourceType, path);
  const top = readTopLevel(resource, path, resolved?.isExtension ? resolved.schemaUrn : undefined);
  const subName = path.subAttr ?? (resolved?.attribute.type === 'complex' ? 'value' : undefined);
  const values =
    subName === undefined ? asArray(top) : asArray(top).flatMap((item) => subValues(item, subName));
  const definition = operandDefinition(resolved, path);
  return definition ? { values, definition } : { values };
}

function readTopLevel(resource: JsonObject, path: AttributePath, extensionUrn: string | undefined): unknown {
  const container = extensionUrn !== undefined ? getCaseInsensitive(resource, extensionUrn) : resource;
  if (!isPlainObject(container)) return undefined;
  const direct = getCaseInsensitive(container, path.name);
  if (direct !== undefined || path.uri === undefined || extensionUrn !== undefined) return direct;
  // Unknown URN-qualified attribute: stored under its URN like an extension object.
  const unknownExtension = getCaseInsensitive(resource, path.uri);
  return isPlainObject(unknownExtension) ? getCaseInsensitive(unknownExtension, path.name) : undefined;
}

function subValues(item: unknown, subName: string): unknown[] {
  if (isPlainObject(item)) return asArray(getCaseInsensitive(item, subName));
  return subName.toLowerCase() === 'value' ? asArray(item) : [];
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.values(value).some(isPresent);
  return true;
}

function compareOperand(operand: Operand, op: CompareOperator, expected: FilterLiteral): boolean {
  const type = operand.definition?.type ?? 'string';
  assertComparable(type, op, expected);
  const present = operand.values.filter(isPresent);
  if (expected === null) return op === 'eq' ? present.length === 0 : present.length > 0;
  const caseExact = operand.definition?.caseExact ?? false;
  if (op === 'ne') return !present.some((actual) => compareValue(actual, 'eq', expected, type, caseExact));
  return present.some((actual) => compareValue(actual, op, expected, type, caseExact));
}

function compareValue(
  actual: unknown,
  op: CompareOperator,
  expected: Exclude<FilterLiteral, null>,
  type: AttributeType,
  caseExact: boolean,
): boolean {
  switch (type) {
    case 'boolean':
      return compareBoolean(actual, op, expected);
    case 'integer':
    case 'decimal':
      return compareOrdered(toNumber(actual), op, toNumber(expected));
    case 'dateTime':
      return compareOrdered(toTime(actual), op, filterDateTime(expected));
    default:
      return compareString(textOf(actual), op, String(expected), caseExact);
  }
}

/** String(value), except for objects without a prototype (String() throws on them). */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function compareBoolean(
  actual: unknown,
  op: CompareOperator,
  expected: Exclude<FilterLiteral, null>,
): boolean {
  if (op !== 'eq') throw ScimError.invalidFilter(`operator '${op}' is not supported on boolean attributes`);
  const want = toBoolean(expected);
  if (want === undefined) throw ScimError.invalidFilter(`${JSON.stringify(expected)} is not a boolean`);
  return toBoolean(actual) === want;
}

export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

function toTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function compareOrdered(
  actual: number | undefined,
  op: CompareOperator,
  expected: number | undefined,
): boolean {
  if (actual === undefined || expected === undefined) return false;
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
    default:
      throw ScimError.invalidFilter(`operator '${op}' is not supported on numbers and dates`);
  }
}

/**
 * Lower case by Unicode's simple (one character to one character) mapping, as PostgreSQL's lower()
 * does: `İ` becomes `i` (not `i̇`), and a final `Σ` becomes `σ` (not `ς`).
 */
function foldCase(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(text)) return text.toLowerCase();
  let folded = '';
  for (const char of text) folded += char === '\u0130' ? 'i' : char.toLowerCase();
  return folded;
}

/** Lexical order by code point (UTF-8 byte order, PostgreSQL's "C" order), not by UTF-16 code unit. */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Code units agree with code points except that surrogates (astral characters) sort above U+E000–U+FFFF.
    const surrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;
    if (surrogate(x) !== surrogate(y)) return surrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function compareString(actual: string, op: CompareOperator, expected: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : foldCase(actual);
  const e = caseExact ? expected : foldCase(expected);
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return compareCodePoints(a, e) > 0;
    case 'ge':
      return compareCodePoints(a, e) >= 0;
    case 'lt':
      return compareCodePoints(a, e) < 0;
    case 'le':
      return compareCodePoints(a, e) <= 0;
  }
}
