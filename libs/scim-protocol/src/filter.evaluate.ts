/**
 * In-memory filter evaluation over SCIM JSON. The PATCH applier needs it to pick the elements a
 * value filter selects (`emails[type eq "work"]`); it also evaluates whole-resource filters, which
 * tests and small in-memory stores can use. Semantics mirror the SQL compiler (`filter.sql.ts`).
 */
import { findAttribute, resolveAttribute } from './attribute.resolver.js';
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

/** Does `resource` match `filter`? Unknown attributes are read from the JSON as-is. */
export function matchesFilter(resource: JsonObject, filter: Filter, resourceType: ResourceTypeName): boolean {
  const lookup: Lookup = (path) => resourceOperand(resource, path, resourceType);
  const elements: ElementsLookup = (path) => {
    const resolved = resolveAttribute(resourceType, path);
    const raw = readTopLevel(resource, path, resolved?.isExtension ? resolved.schemaUrn : undefined);
    return { elements: asArray(raw), ...(resolved ? { definition: resolved.attribute } : {}) };
  };
  return evaluate(filter, lookup, elements);
}

/**
 * Does one element of a complex (usually multi-valued) attribute match a value filter? Paths in
 * the filter are sub-attribute names of `parent`; `value` on a simple element is the element itself.
 */
export function matchesValueFilter(element: unknown, filter: Filter, parent?: AttributeDefinition): boolean {
  const lookup: Lookup = (path) => {
    const definition = findAttribute(parent?.subAttributes, path.name);
    const values = isPlainObject(element)
      ? asArray(getCaseInsensitive(element, path.name))
      : path.name.toLowerCase() === 'value'
        ? asArray(element)
        : [];
    return definition ? { values, definition } : { values };
  };
  return evaluate(filter, lookup, () => {
    throw ScimError.invalidFilter('value filters cannot be nested');
  });
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

function resourceOperand(resource: JsonObject, path: AttributePath, resourceType: ResourceTypeName): Operand {
  const resolved = resolveAttribute(resourceType, path);
  const top = readTopLevel(resource, path, resolved?.isExtension ? resolved.schemaUrn : undefined);
  const subName = path.subAttr ?? (resolved?.attribute.type === 'complex' ? 'value' : undefined);
  const values =
    subName === undefined ? asArray(top) : asArray(top).flatMap((item) => subValues(item, subName));
  const definition = resolved
    ? path.subAttr === undefined && resolved.attribute.type === 'complex'
      ? findAttribute(resolved.attribute.subAttributes, 'value')
      : resolved.definition
    : undefined;
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
  const present = operand.values.filter(isPresent);
  if (expected === null) {
    if (op === 'eq') return present.length === 0;
    if (op === 'ne') return present.length > 0;
    throw ScimError.invalidFilter(`operator '${op}' cannot compare with null`);
  }
  const type = operand.definition?.type ?? 'string';
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
      return compareOrdered(toTime(actual), op, toTime(expected));
    default:
      return compareString(String(actual), op, String(expected), caseExact);
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

function compareString(actual: string, op: CompareOperator, expected: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
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
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}
