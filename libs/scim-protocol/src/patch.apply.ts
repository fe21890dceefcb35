/**
 * Applies parsed PATCH operations to a SCIM JSON resource (RFC 7644 §3.5.2), returning a new
 * object. The Users service uses it for the parts it keeps as JSON; group membership is handled in
 * SQL instead (see `patch.membership.ts`).
 *
 * Decisions where the RFC leaves room or Entra disagrees with it:
 * - add to a multi-valued attribute appends, skipping values already present; an element with the
 *   same `value` (and `type`, when both have one) is replaced rather than duplicated;
 * - add/replace on a value filter that matches nothing creates the element from the filter's `eq`
 *   terms (Entra sends `emails[type eq "work"].value` for users without a work e-mail); if the
 *   filter cannot describe an element (`or`, `co`, …) that is 400 `noTarget`; if the write would
 *   make that element fail the filter (`emails[type eq "home"].type` = "work") nothing is created,
 *   so that add and replace stay idempotent when Entra retries them;
 * - add/replace with `null` clears the target;
 * - remove is idempotent: removing something absent, or a filter that matches nothing, is a no-op,
 *   because Entra retries requests that partly succeeded (a missing `path` is still `noTarget`,
 *   which the parser reports);
 * - remove with a value on a multi-valued attribute removes only the listed values (Entra's legacy
 *   member removal), matched by `value` when the elements have one;
 * - at most one element of a multi-valued attribute keeps `primary: true`: the last one written;
 * - a write that grows a multi-valued attribute beyond MAX_MULTI_VALUED_ENTRIES (`limits.ts`) is
 *   400 `invalidValue` (group `members` excepted); an attribute already stored larger may shrink.
 *
 * Cost: the resource is cloned once per request and every operation then mutates that working copy
 * in place: an operation visits the elements of the one attribute it targets (at most
 * MAX_MULTI_VALUED_ENTRIES, or what was stored) and copies none of them, so a request costs time
 * linear in its operations times the attribute's size, never quadratic in the operations.
 */
import { valueFilterMatcher } from './filter.evaluate.js';
import { type Filter } from './filter.ast.js';
import { type JsonObject, findKey, isPlainObject, jsonEqual } from './json.util.js';
import { MAX_MULTI_VALUED_ENTRIES, isEntryLimited, tooManyEntries } from './limits.js';
import { type PatchOperation } from './patch.parser.js';
import { type PatchPath } from './patch.path.js';
import { normalizeScalar } from './patch.values.js';
import { findAttribute } from './attribute.resolver.js';
import { type AttributeDefinition, type ResourceTypeName } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

/** What one `applyPatchToJson` call did, for tests and benchmarks of its cost. */
export interface PatchApplyStats {
  /** Elements of multi-valued attributes visited: scanned, compared or compacted. */
  elementVisits: number;
  /** Elements copied to make an attribute's array mutable: at most its size once per request. */
  elementCopies: number;
}

export function applyPatchToJson(
  resource: JsonObject,
  operations: readonly PatchOperation[],
  resourceType: ResourceTypeName,
  stats: PatchApplyStats = { elementVisits: 0, elementCopies: 0 },
): JsonObject {
  const result = structuredClone(resource);
  const work = new Work(resourceType, stats);
  for (const operation of operations) applyOperation(work, result, operation);
  return result;
}

/** The state of one request's application: which arrays it may mutate, and the work it did. */
class Work {
  private readonly owned = new WeakSet<unknown[]>();

  constructor(
    private readonly resourceType: ResourceTypeName,
    private readonly stats: PatchApplyStats,
  ) {}

  /** A new array this request owns. */
  own(items: unknown[]): unknown[] {
    this.owned.add(items);
    return items;
  }

  /**
   * `container[key]` (an array) as an array this request may mutate in place: copied at most once
   * per request, so later operations on the same attribute copy nothing.
   */
  mutable(container: JsonObject, key: string): unknown[] {
    const current = container[key];
    if (Array.isArray(current) && this.owned.has(current)) return current;
    const copy = this.own(Array.isArray(current) ? [...(current as unknown[])] : []);
    this.stats.elementCopies += copy.length;
    container[key] = copy;
    return copy;
  }

  visit(count = 1): void {
    this.stats.elementVisits += count;
  }

  /** Refuses growing an attribute beyond the cap; one already larger (`floor`) may stay so. */
  checkSize(path: PatchPath, length: number, floor: number): void {
    if (length <= MAX_MULTI_VALUED_ENTRIES || length <= floor) return;
    if (isEntryLimited(this.resourceType, path.name)) throw tooManyEntries(path.attribute, length);
  }
}

function applyOperation(work: Work, resource: JsonObject, operation: PatchOperation): void {
  const { path } = operation;
  const container = containerOf(resource, path, operation.op !== 'remove');
  if (!container) return;
  const key = findKey(container, path.name) ?? path.name;
  if (operation.op === 'remove') {
    remove(work, container, key, path, operation.value);
  } else {
    write(work, container, key, path, operation.op, operation.value);
  }
  pruneEmpty(resource, container, path);
}

function containerOf(resource: JsonObject, path: PatchPath, create: boolean): JsonObject | undefined {
  if (path.container === undefined) return resource;
  const key = findKey(resource, path.container) ?? path.container;
  const existing = resource[key];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const created: JsonObject = {};
  resource[key] = created;
  return created;
}

function pruneEmpty(resource: JsonObject, container: JsonObject, path: PatchPath): void {
  if (path.container === undefined || container === resource || Object.keys(container).length > 0) return;
  const key = findKey(resource, path.container);
  if (key !== undefined) delete resource[key];
}

// ---- add / replace ----

function write(
  work: Work,
  container: JsonObject,
  key: string,
  path: PatchPath,
  op: 'add' | 'replace',
  value: unknown,
): void {
  if (path.valueFilter) {
    writeFiltered(work, container, key, path, path.valueFilter, op, value);
  } else if (path.subAttribute !== undefined) {
    writeSubAttribute(work, container, key, path, path.subAttribute, value);
  } else {
    writeWhole(work, container, key, path, op, value);
  }
  if (container[key] === undefined || isEmptyValue(container[key])) delete container[key];
  renameToCanonical(container, key, path);
}

function writeWhole(
  work: Work,
  container: JsonObject,
  key: string,
  path: PatchPath,
  op: 'add' | 'replace',
  value: unknown,
): void {
  if (value === null) {
    delete container[key];
    return;
  }
  const current = container[key];
  if (isMultiValued(path, current, value)) {
    const incoming = Array.isArray(value) ? (value as unknown[]) : [value];
    const items = op === 'add' && Array.isArray(current) ? work.mutable(container, key) : work.own([]);
    appendWithoutDuplicates(work, path, items, incoming);
    container[key] = items;
    enforceSinglePrimary(work, items, incoming);
    return;
  }
  if (isComplex(path) && isPlainObject(value)) {
    // RFC 7644 §3.5.2.1/3: sub-attributes in the value are set, the others are left alone.
    container[key] = mergeObject(isPlainObject(current) ? current : {}, value);
    return;
  }
  container[key] = value;
}

function writeSubAttribute(
  work: Work,
  container: JsonObject,
  key: string,
  path: PatchPath,
  sub: string,
  value: unknown,
): void {
  const current = container[key];
  if (Array.isArray(current) || (current === undefined && path.definition?.multiValued === true)) {
    const items = Array.isArray(current) ? work.mutable(container, key) : work.own([]);
    work.visit(items.length);
    items.forEach((item, index) => {
      if (isPlainObject(item)) items[index] = setOrDelete({ ...item }, sub, value);
    });
    container[key] = items.length > 0 || value === null ? items : work.own([{ [sub]: value }]);
    return;
  }
  container[key] = setOrDelete(isPlainObject(current) ? { ...current } : {}, sub, value);
}

function writeFiltered(
  work: Work,
  container: JsonObject,
  key: string,
  path: PatchPath,
  filter: Filter,
  op: 'add' | 'replace',
  value: unknown,
): void {
  const current = container[key];
  const single = isPlainObject(current) && path.definition?.multiValued !== true;
  const items: unknown[] = single
    ? [current]
    : Array.isArray(current)
      ? work.mutable(container, key)
      : work.own([]);
  const before = items.length;
  const sub = path.subAttribute;
  const matches = matcherOf(filter, path.definition);
  const written: unknown[] = [];
  let matched = false;
  work.visit(items.length);
  items.forEach((item, index) => {
    if (!matches(item)) return;
    matched = true;
    const updated = updateElement(item, sub, op, value);
    items[index] = updated;
    written.push(updated);
  });
  if (!matched && value !== null) {
    const created = createFromFilter(filter, path, sub, value);
    // A write that changes what the filter tests (`emails[type eq "home"].type` = "work") describes
    // no element; creating one anyway would add another on every retry of the request.
    if (matches(created)) {
      if (!single) work.checkSize(path, items.length + 1, before);
      items.push(created);
      written.push(created);
    }
  }
  retain(work, items, (item) => !isEmptyValue(item));
  container[key] = single ? items[0] : items;
  if (!single) enforceSinglePrimary(work, items, written);
}

function updateElement(
  item: unknown,
  sub: string | undefined,
  op: 'add' | 'replace',
  value: unknown,
): unknown {
  if (sub !== undefined) return isPlainObject(item) ? setOrDelete({ ...item }, sub, value) : item;
  if (value === null) return undefined;
  if (op === 'replace' || !isPlainObject(item) || !isPlainObject(value)) return value;
  return mergeObject(item, value);
}

/**
 * Builds the element a filter describes: `type eq "work" and primary eq true` → `{type:"work", primary:true}`.
 * Anything but `and`-ed `eq` terms cannot describe one element, so that is `noTarget`.
 */
function createFromFilter(
  filter: Filter,
  path: PatchPath,
  sub: string | undefined,
  value: unknown,
): JsonObject {
  const template = templateOf(filter, path.definition);
  if (!template) {
    throw ScimError.noTarget(`no value matches '${path.raw}' and the filter does not describe one to create`);
  }
  if (sub !== undefined) return { ...template, [sub]: value };
  return isPlainObject(value) ? { ...template, ...value } : { ...template, value };
}

function templateOf(filter: Filter, definition: AttributeDefinition | undefined): JsonObject | undefined {
  if (filter.kind === 'and') {
    const left = templateOf(filter.left, definition);
    const right = templateOf(filter.right, definition);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.path.subAttr !== undefined) return undefined;
  const sub = findAttribute(definition?.subAttributes, filter.path.name);
  const name = sub?.name ?? filter.path.name;
  if (filter.value === null) return {};
  const value = sub ? tryNormalize(sub, filter.value) : filter.value;
  return value === undefined ? undefined : { [name]: value };
}

function tryNormalize(definition: AttributeDefinition, value: unknown): unknown {
  try {
    return normalizeScalar(definition, value, definition.name);
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}

// ---- remove ----

function remove(work: Work, container: JsonObject, key: string, path: PatchPath, value: unknown): void {
  const current = container[key];
  if (current === undefined) return;
  if (path.valueFilter) {
    removeFiltered(work, container, key, path, path.valueFilter);
  } else if (path.subAttribute !== undefined) {
    const sub = path.subAttribute;
    if (Array.isArray(current)) {
      const items = work.mutable(container, key);
      work.visit(items.length);
      items.forEach((item, index) => {
        if (isPlainObject(item)) items[index] = setOrDelete({ ...item }, sub, null);
      });
    } else if (isPlainObject(current)) {
      container[key] = setOrDelete({ ...current }, sub, null);
    }
  } else if (value !== undefined && Array.isArray(current)) {
    const listed = Array.isArray(value) ? (value as unknown[]) : [value];
    const items = work.mutable(container, key);
    work.visit(items.length * listed.length);
    retain(work, items, (item) => !listed.some((entry) => sameValue(item, entry)));
  } else {
    delete container[key];
  }
  if (Array.isArray(container[key])) {
    retain(work, work.mutable(container, key), (item) => !isEmptyValue(item));
  }
  if (isEmptyValue(container[key])) delete container[key];
}

function removeFiltered(
  work: Work,
  container: JsonObject,
  key: string,
  path: PatchPath,
  filter: Filter,
): void {
  const current = container[key];
  const sub = path.subAttribute;
  const matches = matcherOf(filter, path.definition);
  const strip = (item: unknown): unknown =>
    matches(item)
      ? sub === undefined
        ? undefined
        : isPlainObject(item)
          ? setOrDelete({ ...item }, sub, null)
          : item
      : item;
  if (Array.isArray(current)) {
    const items = work.mutable(container, key);
    work.visit(items.length);
    items.forEach((item, index) => {
      items[index] = strip(item);
    });
    retain(work, items, (item) => item !== undefined);
  } else {
    container[key] = strip(current);
  }
}

// ---- helpers ----

/**
 * `matchesValueFilter` for one operation's scan: the filter is validated once, on the first element
 * tested (so an attribute without elements still raises nothing, as before).
 */
function matcherOf(filter: Filter, definition: AttributeDefinition | undefined): (item: unknown) => boolean {
  let matcher: ((item: unknown) => boolean) | undefined;
  return (item) => (matcher ??= valueFilterMatcher(filter, definition))(item);
}

/** Keeps, in place and in order, the elements `keep` accepts. */
function retain(work: Work, items: unknown[], keep: (item: unknown) => boolean): void {
  work.visit(items.length);
  let kept = 0;
  for (const item of items) {
    if (keep(item)) items[kept++] = item;
  }
  items.length = kept;
}

function isMultiValued(path: PatchPath, current: unknown, value: unknown): boolean {
  if (path.definition) return path.definition.multiValued;
  return Array.isArray(current) || Array.isArray(value);
}

function isComplex(path: PatchPath): boolean {
  return path.definition ? path.definition.type === 'complex' : true;
}

function mergeObject(base: JsonObject, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const existing = findKey(merged, key);
    if (existing !== undefined && existing !== key) delete merged[existing];
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function setOrDelete(object: JsonObject, key: string, value: unknown): JsonObject {
  const existing = findKey(object, key);
  if (existing !== undefined) delete object[existing];
  if (value !== null && value !== undefined) object[key] = value;
  return object;
}

/** Elements are the same value when their `value`s (and `type`s, when both have one) are equal. */
function sameValue(a: unknown, b: unknown): boolean {
  if (isPlainObject(a) && isPlainObject(b) && a['value'] !== undefined && b['value'] !== undefined) {
    const sameType = a['type'] === undefined || b['type'] === undefined || jsonEqual(a['type'], b['type']);
    return jsonEqual(a['value'], b['value']) && sameType;
  }
  return jsonEqual(a, b);
}

/**
 * Adds `incoming` to `items` in place, merging into an element with the same value instead of
 * duplicating it. Refuses (before scanning further) growth beyond the cap.
 */
function appendWithoutDuplicates(
  work: Work,
  path: PatchPath,
  items: unknown[],
  incoming: readonly unknown[],
): void {
  const floor = items.length;
  for (const item of incoming) {
    work.visit(items.length);
    const index = items.findIndex((existing) => sameValue(existing, item));
    if (index < 0) {
      work.checkSize(path, items.length + 1, floor);
      items.push(item);
      continue;
    }
    const existing = items[index];
    items[index] = isPlainObject(existing) && isPlainObject(item) ? mergeObject(existing, item) : item;
  }
}

function enforceSinglePrimary(work: Work, items: unknown[], written: readonly unknown[]): void {
  work.visit(items.length);
  const primaries = items.filter((item) => isPlainObject(item) && item['primary'] === true);
  if (primaries.length <= 1) return;
  const keep =
    [...written].reverse().find((item) => primaries.some((primary) => sameValue(primary, item))) ??
    primaries[primaries.length - 1];
  items.forEach((item, index) => {
    if (isPlainObject(item) && item['primary'] === true && !sameValue(item, keep)) {
      items[index] = { ...item, primary: false };
    }
  });
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Stored JSON may spell a key differently (`UserName`); the patched value uses the schema's spelling. */
function renameToCanonical(container: JsonObject, key: string, path: PatchPath): void {
  if (!path.known || key === path.name || container[key] === undefined) return;
  container[path.name] = container[key];
  delete container[key];
}
