/**
 * Compiles a filter AST to a parameterised PostgreSQL boolean expression. Pure: the caller says
 * where each filterable attribute lives (a column map) and gets `{ sql, params }` back. Filter values
 * only ever travel as `$n` parameters; the SQL text contains nothing but the caller's column
 * expressions, fixed keywords and placeholders.
 */
import { type ResolvedAttribute, findAttribute, resolveAttribute } from './attribute.resolver.js';
import { filterDateTime, toBoolean } from './filter.evaluate.js';
import {
  type AttributePath,
  type CompareOperator,
  type Filter,
  type FilterLiteral,
  equalityValuesOfFilter,
  stringifyAttributePath,
} from './filter.ast.js';
import { type AttributeDefinition, type ResourceTypeName } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

/** `uuid` is for uuid-typed columns: a value that is not a UUID simply matches nothing instead of failing in PostgreSQL. */
export type SqlValueType = 'string' | 'boolean' | 'integer' | 'decimal' | 'dateTime' | 'uuid';

/** An attribute stored in a scalar column (or any scalar SQL expression). */
export interface ColumnMapping {
  readonly column: string;
  /** Defaults to the attribute's schema type, else `string`. */
  readonly type?: SqlValueType;
  /** Defaults to the attribute's schema `caseExact`, else false (compare with `lower()`). */
  readonly caseExact?: boolean;
}

/**
 * A multi-valued complex attribute stored as a jsonb array of objects. With `key` the entry maps
 * one sub-attribute (`'emails.value': { jsonArray: 'u.emails', key: 'value' }`); without it the
 * entry maps the whole array (`emails: { jsonArray: 'u.emails' }`) and sub-attributes are read by
 * their own names.
 */
export interface JsonArrayMapping {
  readonly jsonArray: string;
  readonly key?: string;
  readonly type?: SqlValueType;
  readonly caseExact?: boolean;
}

/** The attribute is compiled by the caller, e.g. Group `members` as `EXISTS (… group_members …)`. */
export interface CustomMapping {
  readonly custom: CustomFilterCompiler;
}

export type FilterColumn = ColumnMapping | JsonArrayMapping | CustomMapping;

/** Keys are attribute paths (`userName`, `name.givenName`, `emails.value`, URN-qualified names); case-insensitive. */
export type FilterColumnMap = Readonly<Record<string, FilterColumn>>;

/** What a custom compiler is asked to translate. `attribute` is the canonical attribute name. */
export type CustomFilterRequest =
  /** `members eq "x"` (no subAttr) or `members.value eq "x"` (subAttr `value`). */
  | {
      readonly kind: 'compare';
      readonly attribute: string;
      readonly subAttr?: string;
      readonly op: CompareOperator;
      readonly value: FilterLiteral;
    }
  /** `members pr` / `members.value pr`. */
  | { readonly kind: 'present'; readonly attribute: string; readonly subAttr?: string }
  /** `members[value eq "x"]`; paths inside `filter` are relative to the attribute. */
  | { readonly kind: 'valuePath'; readonly attribute: string; readonly filter: Filter };

export interface CustomFilterContext {
  /** Registers a parameter and returns its placeholder (`$n`). Never splice values into SQL. */
  param(value: unknown): string;
}

/** Returns a boolean SQL expression, or throws a `ScimError` (invalidFilter) for what it does not support. */
export type CustomFilterCompiler = (request: CustomFilterRequest, context: CustomFilterContext) => string;

export interface CompileFilterOptions {
  readonly resourceType: ResourceTypeName;
  readonly columns: FilterColumnMap;
  /** Parameters the surrounding query already uses; the first placeholder is `$<paramOffset + 1>`. */
  readonly paramOffset?: number;
}

export interface SqlFragment {
  /** A self-contained boolean expression; safe to combine with `AND` (wrap it when combining with `OR`). */
  readonly sql: string;
  readonly params: unknown[];
}

export function compileFilterToSql(filter: Filter, options: CompileFilterOptions): SqlFragment {
  const compiler = new SqlCompiler(options);
  const sql = compiler.compile(filter);
  return { sql, params: compiler.params };
}

/**
 * The ids a membership-style request tests for equality: `x eq "id"`, `x.value eq "id"`,
 * `x[value eq "id"]`, and `or`-chains of those inside a value filter. `undefined` for anything else.
 */
export function equalityValues(request: CustomFilterRequest, subAttr = 'value'): string[] | undefined {
  const wanted = subAttr.toLowerCase();
  if (request.kind === 'compare') {
    const onValue = request.subAttr === undefined || request.subAttr.toLowerCase() === wanted;
    return onValue && request.op === 'eq' && request.value !== null ? [String(request.value)] : undefined;
  }
  if (request.kind === 'valuePath') return equalityValuesOfFilter(request.filter, wanted);
  return undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

const ELEMENT_ALIAS = 'e';
const JSON_KEY = /^[A-Za-z0-9_$-]+$/;

interface ScalarTarget {
  readonly kind: 'scalar';
  /** SQL expression yielding the value; already cast for non-string types. */
  readonly expression: string;
  readonly type: SqlValueType;
  readonly caseExact: boolean;
  /** Set when the expression reads an array element: the leaf must be wrapped in EXISTS. */
  readonly array?: string;
}

type LeafTarget =
  | ScalarTarget
  | { readonly kind: 'wholeArray'; readonly array: string }
  | {
      readonly kind: 'custom';
      readonly compile: CustomFilterCompiler;
      readonly attribute: string;
      readonly subAttr?: string;
    };

/** While compiling inside `attr[...]`, leaves read from the element alias of this array. */
interface ElementScope {
  readonly attributePath: string;
  readonly display: string;
  readonly parent?: AttributeDefinition;
  readonly wholeArray?: string;
  array?: string;
  usesColumns: boolean;
}

class SqlCompiler {
  readonly params: unknown[] = [];
  private readonly offset: number;
  private readonly resourceType: ResourceTypeName;
  private readonly columns: ReadonlyMap<string, FilterColumn>;

  constructor(options: CompileFilterOptions) {
    this.offset = options.paramOffset ?? 0;
    if (!Number.isInteger(this.offset) || this.offset < 0) {
      throw new Error('paramOffset must be a non-negative integer');
    }
    this.resourceType = options.resourceType;
    this.columns = normaliseColumnMap(options.columns, options.resourceType);
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.offset + this.params.length}`;
  }

  compile(filter: Filter, scope?: ElementScope): string {
    switch (filter.kind) {
      case 'and':
        return `${this.compile(filter.left, scope)} AND ${this.compile(filter.right, scope)}`;
      case 'or':
        return `(${this.compile(filter.left, scope)} OR ${this.compile(filter.right, scope)})`;
      case 'not':
        // IS NOT TRUE rather than NOT: a NULL column must make `not (x eq "a")` true, not unknown.
        return `(${this.compile(filter.filter, scope)}) IS NOT TRUE`;
      case 'present':
        return this.present(
          scope ? this.elementTarget(filter.path, scope) : this.leafTarget(filter.path),
          scope,
        );
      case 'compare':
        return this.compare(
          scope ? this.elementTarget(filter.path, scope) : this.leafTarget(filter.path),
          filter.op,
          filter.value,
          stringifyAttributePath(filter.path),
          scope,
        );
      case 'valuePath':
        if (scope) throw ScimError.invalidFilter('value filters cannot be nested');
        return this.valuePath(filter.path, filter.filter);
    }
  }

  // ---- attribute lookup ----

  private leafTarget(path: AttributePath): LeafTarget {
    const resolved = resolveAttribute(this.resourceType, path);
    const display = stringifyAttributePath(path);
    const attribute = resolved?.attributePath ?? stringifyAttributePath({ ...path, subAttr: undefined });
    const subAttr = resolved?.subAttribute?.name ?? path.subAttr;

    const exact = this.columns.get((resolved?.path ?? display).toLowerCase());
    if (exact) return this.targetFor(exact, valueDefinition(resolved, path), attribute, subAttr);

    if (subAttr !== undefined) {
      // A known attribute with an unknown sub-attribute must not silently read a random jsonb key.
      const knownParent = resolveAttribute(this.resourceType, { ...path, subAttr: undefined });
      if (!resolved && knownParent) throw notFilterable(display);
      const parent = this.columns.get(attribute.toLowerCase());
      if (parent && 'custom' in parent) return { kind: 'custom', compile: parent.custom, attribute, subAttr };
      if (parent && 'jsonArray' in parent && parent.key === undefined) {
        return this.elementScalar(parent.jsonArray, subAttr, resolved?.definition, parent);
      }
      throw notFilterable(display);
    }
    // Comparing a complex attribute without a sub-attribute means its `value` (`emails co "x"`, `manager eq "id"`).
    const valueMapping = this.columns.get(`${attribute.toLowerCase()}.value`);
    if (!valueMapping) throw notFilterable(display);
    const valueAttribute = findAttribute(resolved?.attribute.subAttributes, 'value');
    return this.targetFor(valueMapping, valueAttribute, attribute, 'value');
  }

  private targetFor(
    mapping: FilterColumn,
    definition: AttributeDefinition | undefined,
    attribute: string,
    subAttr: string | undefined,
  ): LeafTarget {
    if ('custom' in mapping) {
      return {
        kind: 'custom',
        compile: mapping.custom,
        attribute,
        ...(subAttr !== undefined ? { subAttr } : {}),
      };
    }
    if ('jsonArray' in mapping) {
      return mapping.key === undefined
        ? { kind: 'wholeArray', array: mapping.jsonArray }
        : this.elementScalar(mapping.jsonArray, mapping.key, definition, mapping);
    }
    const type = mapping.type ?? sqlTypeOf(definition);
    return {
      kind: 'scalar',
      expression: castExpression(mapping.column, type, false),
      type,
      caseExact: mapping.caseExact ?? definition?.caseExact ?? false,
    };
  }

  private elementScalar(
    array: string,
    key: string,
    definition: AttributeDefinition | undefined,
    mapping: { readonly type?: SqlValueType; readonly caseExact?: boolean },
  ): ScalarTarget {
    if (!JSON_KEY.test(key)) throw new Error(`column map: invalid jsonb key ${JSON.stringify(key)}`);
    const type = mapping.type ?? sqlTypeOf(definition);
    return {
      kind: 'scalar',
      expression: castExpression(`${ELEMENT_ALIAS}->>'${key}'`, type, true),
      type,
      caseExact: mapping.caseExact ?? definition?.caseExact ?? false,
      array,
    };
  }

  /** A leaf inside `attr[...]`: its path is a sub-attribute name of `attr`. */
  private elementTarget(path: AttributePath, scope: ElementScope): ScalarTarget {
    const display = `${scope.display}.${stringifyAttributePath(path)}`;
    if (path.uri !== undefined || path.subAttr !== undefined) throw notFilterable(display);
    const definition = findAttribute(scope.parent?.subAttributes, path.name);
    if (scope.parent && !definition) throw notFilterable(display);
    const subName = definition?.name ?? path.name;
    const mapping = this.columns.get(`${scope.attributePath}.${subName}`.toLowerCase());
    let target: ScalarTarget;
    if (mapping && 'column' in mapping) {
      target = this.targetFor(mapping, definition, scope.attributePath, subName) as ScalarTarget;
      scope.usesColumns = true;
    } else if (mapping && 'jsonArray' in mapping && mapping.key !== undefined) {
      target = this.elementScalar(mapping.jsonArray, mapping.key, definition, mapping);
    } else if (!mapping && scope.wholeArray !== undefined) {
      target = this.elementScalar(scope.wholeArray, subName, definition, {});
    } else {
      throw notFilterable(display);
    }
    if (target.array !== undefined) {
      if (scope.array !== undefined && scope.array !== target.array) {
        throw ScimError.invalidFilter(
          `sub-attributes of '${scope.display}' are stored apart and cannot be filtered together`,
        );
      }
      scope.array = target.array;
    }
    if (scope.usesColumns && scope.array !== undefined) {
      throw ScimError.invalidFilter(
        `sub-attributes of '${scope.display}' are stored apart and cannot be filtered together`,
      );
    }
    return target;
  }

  // ---- leaves ----

  private valuePath(path: AttributePath, inner: Filter): string {
    const resolved = resolveAttribute(this.resourceType, path);
    const display = stringifyAttributePath(path);
    const attributePath = resolved?.attributePath ?? display;
    const mapping = this.columns.get(attributePath.toLowerCase());
    if (mapping && 'custom' in mapping) {
      return this.custom(mapping.custom, { kind: 'valuePath', attribute: attributePath, filter: inner });
    }
    const scope: ElementScope = {
      attributePath,
      display,
      ...(resolved ? { parent: resolved.attribute } : {}),
      ...(mapping && 'jsonArray' in mapping && mapping.key === undefined
        ? { wholeArray: mapping.jsonArray }
        : {}),
      usesColumns: false,
    };
    const condition = this.compile(inner, scope);
    if (scope.array === undefined) return `(${condition})`;
    return existsElement(scope.array, condition);
  }

  private present(target: LeafTarget | ScalarTarget, scope: ElementScope | undefined): string {
    switch (target.kind) {
      case 'custom':
        return this.custom(target.compile, {
          kind: 'present',
          attribute: target.attribute,
          ...(target.subAttr !== undefined ? { subAttr: target.subAttr } : {}),
        });
      case 'wholeArray':
        return `coalesce(jsonb_array_length(${target.array}), 0) > 0`;
      case 'scalar':
        return this.wrapElement(target, scalarPresent(target), scope);
    }
  }

  private compare(
    target: LeafTarget | ScalarTarget,
    op: CompareOperator,
    value: FilterLiteral,
    display: string,
    scope: ElementScope | undefined,
  ): string {
    if (target.kind === 'custom') {
      return this.custom(target.compile, {
        kind: 'compare',
        attribute: target.attribute,
        ...(target.subAttr !== undefined ? { subAttr: target.subAttr } : {}),
        op,
        value,
      });
    }
    if (target.kind === 'wholeArray') {
      const element = this.elementScalar(target.array, 'value', undefined, {});
      return this.compare(element, op, value, display, scope);
    }
    // On array elements `eq null` means "no element has a value" and `ne null` "some element has one".
    if (value === null && (op === 'eq' || op === 'ne') && target.array !== undefined && scope === undefined) {
      const some = existsElement(target.array, scalarPresent(target));
      return op === 'ne' ? some : `NOT ${some}`;
    }
    // For array elements `ne` means "no element equals", matching the in-memory evaluator.
    if (op === 'ne' && target.array !== undefined && scope === undefined) {
      return `NOT ${this.wrapElement(target, this.scalarCondition(target, 'eq', value, display), scope)}`;
    }
    return this.wrapElement(target, this.scalarCondition(target, op, value, display), scope);
  }

  private wrapElement(target: ScalarTarget, condition: string, scope: ElementScope | undefined): string {
    return target.array !== undefined && scope === undefined
      ? existsElement(target.array, condition)
      : condition;
  }

  private scalarCondition(
    target: ScalarTarget,
    op: CompareOperator,
    value: FilterLiteral,
    display: string,
  ): string {
    const column = target.expression;
    if (value === null) {
      // `eq null` is "not present" and `ne null` "present" (RFC 7643 §2.5: unassigned is null).
      if (op === 'eq') return scalarAbsent(target);
      if (op === 'ne') return scalarPresent(target);
      throw ScimError.invalidFilter(`operator '${op}' cannot compare attribute '${display}' with null`);
    }
    switch (target.type) {
      case 'boolean':
        return this.booleanCondition(column, op, value, display);
      case 'integer':
      case 'decimal':
        assertOrderedOperator(op, display, 'numbers');
        return orderedCondition(column, op, this.param(toNumberOrFail(value, display)));
      case 'dateTime':
        assertOrderedOperator(op, display, 'dates');
        return dateTimeCondition(column, op, `${this.param(toDateTimeOrFail(value, display))}::timestamptz`);
      case 'uuid':
        return this.uuidCondition(column, op, String(value), target.caseExact);
      case 'string':
        return this.stringCondition(column, op, String(value), target.caseExact);
    }
  }

  private booleanCondition(
    column: string,
    op: CompareOperator,
    value: Exclude<FilterLiteral, null>,
    display: string,
  ): string {
    if (op !== 'eq' && op !== 'ne') {
      throw ScimError.invalidFilter(`operator '${op}' is not supported on boolean attribute '${display}'`);
    }
    const bool = toBoolean(value);
    if (bool === undefined) {
      throw ScimError.invalidFilter(
        `attribute '${display}' is boolean; ${JSON.stringify(value)} is not a boolean`,
      );
    }
    return op === 'eq' ? `${column} = ${this.param(bool)}` : `${column} IS DISTINCT FROM ${this.param(bool)}`;
  }

  private uuidCondition(column: string, op: CompareOperator, value: string, caseExact: boolean): string {
    if (op === 'eq' || op === 'ne') {
      // A non-UUID can equal no row; don't let PostgreSQL's uuid cast turn it into a 500. PostgreSQL
      // prints uuids in lower case, so for a caseExact attribute (`id`) an upper-case one equals none.
      const equalsNone = !isUuid(value) || (caseExact && value !== value.toLowerCase());
      if (equalsNone) return op === 'eq' ? 'FALSE' : `${column} IS NOT NULL`;
      return op === 'eq'
        ? `${column} = ${this.param(value)}`
        : `${column} IS DISTINCT FROM ${this.param(value)}`;
    }
    return this.stringCondition(`${column}::text`, op, value, caseExact);
  }

  /**
   * An empty string is no value, as for `pr` and in the in-memory evaluator: it equals nothing,
   * contains nothing and sorts nowhere. A non-empty pattern or value already excludes '' except
   * for `lt`/`le`, which need saying so.
   */
  private stringCondition(column: string, op: CompareOperator, value: string, caseExact: boolean): string {
    if (value === '') {
      if (op === 'eq' || op === 'lt' || op === 'le') return 'FALSE';
      if (op === 'ne') return 'TRUE';
      return `(${column} IS NOT NULL AND ${column} <> '')`;
    }
    const lhs = caseExact ? column : `lower(${column})`;
    const rhs = (placeholder: string): string => (caseExact ? placeholder : `lower(${placeholder})`);
    switch (op) {
      case 'eq':
        return `${lhs} = ${rhs(this.param(value))}`;
      case 'ne':
        return `${lhs} IS DISTINCT FROM ${rhs(this.param(value))}`;
      case 'co':
        return `${lhs} LIKE ${rhs(this.param(`%${escapeLike(value)}%`))}`;
      case 'sw':
        return `${lhs} LIKE ${rhs(this.param(`${escapeLike(value)}%`))}`;
      case 'ew':
        return `${lhs} LIKE ${rhs(this.param(`%${escapeLike(value)}`))}`;
      case 'gt':
        return `${lhs} > ${rhs(this.param(value))}`;
      case 'ge':
        return `${lhs} >= ${rhs(this.param(value))}`;
      case 'lt':
        return `(${lhs} < ${rhs(this.param(value))} AND ${column} <> '')`;
      case 'le':
        return `(${lhs} <= ${rhs(this.param(value))} AND ${column} <> '')`;
    }
  }

  private custom(compile: CustomFilterCompiler, request: CustomFilterRequest): string {
    return `(${compile(request, { param: (value) => this.param(value) })})`;
  }
}

type OrderedOperator = Exclude<CompareOperator, 'co' | 'sw' | 'ew'>;

function assertOrderedOperator(
  op: CompareOperator,
  display: string,
  what: string,
): asserts op is OrderedOperator {
  if (op === 'co' || op === 'sw' || op === 'ew') {
    throw ScimError.invalidFilter(`operator '${op}' is not supported on ${what} (attribute '${display}')`);
  }
}

const ORDERED_SQL: Readonly<Record<OrderedOperator, string>> = {
  eq: '=',
  ne: 'IS DISTINCT FROM',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

function orderedCondition(column: string, op: OrderedOperator, placeholder: string): string {
  return `${column} ${ORDERED_SQL[op]} ${placeholder}`;
}

/**
 * SCIM JSON shows dateTimes to the millisecond while timestamptz columns hold microseconds, so a
 * column is compared as if truncated to its millisecond (written as ranges, which keep indexes usable).
 */
function dateTimeCondition(column: string, op: OrderedOperator, start: string): string {
  const end = `${start} + interval '1 millisecond'`;
  const within = `(${column} >= ${start} AND ${column} < ${end})`;
  switch (op) {
    case 'eq':
      return within;
    case 'ne':
      return `${within} IS NOT TRUE`;
    case 'gt':
      return `${column} >= ${end}`;
    case 'ge':
      return `${column} >= ${start}`;
    case 'lt':
      return `${column} < ${start}`;
    case 'le':
      return `${column} < ${end}`;
  }
}

/** `pr` of one value: not null, and for strings not empty. */
function scalarPresent(target: ScalarTarget): string {
  return target.type === 'string'
    ? `(${target.expression} IS NOT NULL AND ${target.expression} <> '')`
    : `${target.expression} IS NOT NULL`;
}

function scalarAbsent(target: ScalarTarget): string {
  return target.type === 'string'
    ? `(${target.expression} IS NULL OR ${target.expression} = '')`
    : `${target.expression} IS NULL`;
}

function existsElement(array: string, condition: string): string {
  return `EXISTS (SELECT 1 FROM jsonb_array_elements(${array}) AS ${ELEMENT_ALIAS} WHERE ${condition})`;
}

/** Backslash is PostgreSQL's default LIKE escape character. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function castExpression(expression: string, type: SqlValueType, fromJsonText: boolean): string {
  if (!fromJsonText) return expression;
  switch (type) {
    case 'boolean':
      return `(${expression})::boolean`;
    case 'integer':
    case 'decimal':
      return `(${expression})::numeric`;
    case 'dateTime':
      return `(${expression})::timestamptz`;
    default:
      return expression;
  }
}

function sqlTypeOf(definition: AttributeDefinition | undefined): SqlValueType {
  switch (definition?.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
      return 'integer';
    case 'decimal':
      return 'decimal';
    case 'dateTime':
      return 'dateTime';
    default:
      return 'string';
  }
}

/** The definition that types a comparison: the sub-attribute, or `value` of a complex attribute. */
function valueDefinition(
  resolved: ResolvedAttribute | undefined,
  path: AttributePath,
): AttributeDefinition | undefined {
  if (!resolved) return undefined;
  if (path.subAttr === undefined && resolved.attribute.type === 'complex') {
    return findAttribute(resolved.attribute.subAttributes, 'value');
  }
  return resolved.definition;
}

function toNumberOrFail(value: Exclude<FilterLiteral, null>, display: string): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(number)) {
    throw ScimError.invalidFilter(
      `attribute '${display}' is numeric; ${JSON.stringify(value)} is not a number`,
    );
  }
  return number;
}

/** The instant as the in-memory evaluator reads it (milliseconds; no offset means the server's time zone). */
function toDateTimeOrFail(value: Exclude<FilterLiteral, null>, display: string): string {
  const time = filterDateTime(value);
  if (time === undefined) {
    throw ScimError.invalidFilter(
      `attribute '${display}' is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime`,
    );
  }
  return new Date(time).toISOString();
}

function notFilterable(display: string): ScimError {
  return ScimError.invalidFilter(`attribute '${display}' is not filterable`);
}

/**
 * Column maps are module constants, so their resolved form is kept per map and resource type:
 * resolving every key's schema path again on each request was a measurable share of a GET
 * (docs/performance.md).
 */
const normalisedColumnMaps = new WeakMap<
  FilterColumnMap,
  Map<ResourceTypeName, ReadonlyMap<string, FilterColumn>>
>();

function normaliseColumnMap(
  columns: FilterColumnMap,
  resourceType: ResourceTypeName,
): ReadonlyMap<string, FilterColumn> {
  let byType = normalisedColumnMaps.get(columns);
  if (!byType) {
    byType = new Map();
    normalisedColumnMaps.set(columns, byType);
  }
  let normalised = byType.get(resourceType);
  if (!normalised) {
    normalised = resolveColumnMap(columns, resourceType);
    byType.set(resourceType, normalised);
  }
  return normalised;
}

function resolveColumnMap(
  columns: FilterColumnMap,
  resourceType: ResourceTypeName,
): ReadonlyMap<string, FilterColumn> {
  const map = new Map<string, FilterColumn>();
  for (const [key, mapping] of Object.entries(columns)) {
    const kinds = ['column', 'jsonArray', 'custom'].filter((kind) => kind in mapping);
    if (kinds.length !== 1) {
      throw new Error(`column map entry ${key} must have exactly one of column, jsonArray, custom`);
    }
    const canonical = resolveAttribute(resourceType, key)?.path ?? key;
    map.set(canonical.toLowerCase(), mapping);
  }
  return map;
}
