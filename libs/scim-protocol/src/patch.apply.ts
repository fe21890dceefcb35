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
 * - at most one element of a multi-valued attribute keeps `primary: true`: the last one written.
 */
import { matchesValueFilter } from './filter.evaluate.js';
import { type Filter } from './filter.ast.js';
import { type JsonObject, findKey, isPlainObject, jsonEqual } from './json.util.js';
import { type PatchOperation } from './patch.parser.js';
import { type PatchPath } from './patch.path.js';
import { normalizeScalar } from './patch.values.js';
import { findAttribute } from './attribute.resolver.js';
import { type AttributeDefinition, type ResourceTypeName } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

export function applyPatchToJson(
  resource: JsonObject,
  operations: readonly PatchOperation[],
  _resourceType: ResourceTypeName,
): JsonObject {
  const result = structuredClone(resource);
  for (const operation of operations) applyOperation(result, operation);
  return result;
}

function applyOperation(resource: JsonObject, operation: PatchOperation): void {
  const { path } = operation;
  const container = containerOf(resource, path, operation.op !== 'remove');
  if (!container) return;
  const key = findKey(container, path.name) ?? path.name;
  if (operation.op === 'remove') {
    remove(container, key, path, operation.value);
  } else {
    write(container, key, path, operation.op, operation.value);
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
  container: JsonObject,
  key: string,
  path: PatchPath,
  op: 'add' | 'replace',
  value: unknown,
): void {
  if (path.valueFilter) {
    writeFiltered(container, key, path, path.valueFilter, op, value);
  } else if (path.subAttribute !== undefined) {
    writeSubAttribute(container, key, path, path.subAttribute, value);
  } else {
    writeWhole(container, key, path, op, value);
  }
  if (container[key] === undefined || isEmptyValue(container[key])) delete container[key];
  renameToCanonical(container, key, path);
}

function writeWhole(
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
    if (op === 'replace') {
      container[key] = dedupe(incoming);
    } else {
      container[key] = appendWithoutDuplicates(
        Array.isArray(current) ? (current as unknown[]) : [],
        incoming,
      );
    }
    enforceSinglePrimary(container[key] as unknown[], incoming);
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
  container: JsonObject,
  key: string,
  path: PatchPath,
  sub: string,
  value: unknown,
): void {
  const current = container[key];
  if (Array.isArray(current) || (current === undefined && path.definition?.multiValued === true)) {
    const items = (Array.isArray(current) ? (current as unknown[]) : []).map((item) =>
      isPlainObject(item) ? setOrDelete({ ...item }, sub, value) : item,
    );
    container[key] = items.length > 0 || value === null ? items : [{ [sub]: value }];
    return;
  }
  container[key] = setOrDelete(isPlainObject(current) ? { ...current } : {}, sub, value);
}

function writeFiltered(
  container: JsonObject,
  key: string,
  path: PatchPath,
  filter: Filter,
  op: 'add' | 'replace',
  value: unknown,
): void {
  const current = container[key];
  const single = isPlainObject(current) && path.definition?.multiValued !== true;
  const items: unknown[] = Array.isArray(current) ? [...(current as unknown[])] : single ? [current] : [];
  const sub = path.subAttribute;
  const written: unknown[] = [];
  let matched = false;
  items.forEach((item, index) => {
    if (!matchesValueFilter(item, filter, path.definition)) return;
    matched = true;
    const updated = updateElement(item, sub, op, value);
    items[index] = updated;
    written.push(updated);
  });
  if (!matched && value !== null) {
    const created = createFromFilter(filter, path, sub, value);
    // A write that changes what the filter tests (`emails[type eq "home"].type` = "work") describes
    // no element; creating one anyway would add another on every retry of the request.
    if (matchesValueFilter(created, filter, path.definition)) {
      items.push(created);
      written.push(created);
    }
  }
  const kept = items.filter((item) => !isEmptyValue(item));
  container[key] = single ? kept[0] : kept;
  if (!single) enforceSinglePrimary(kept, written);
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

function remove(container: JsonObject, key: string, path: PatchPath, value: unknown): void {
  const current = container[key];
  if (current === undefined) return;
  if (path.valueFilter) {
    removeFiltered(container, key, path, path.valueFilter);
  } else if (path.subAttribute !== undefined) {
    const sub = path.subAttribute;
    container[key] = Array.isArray(current)
      ? (current as unknown[]).map((item) =>
          isPlainObject(item) ? setOrDelete({ ...item }, sub, null) : item,
        )
      : isPlainObject(current)
        ? setOrDelete({ ...current }, sub, null)
        : current;
  } else if (value !== undefined && Array.isArray(current)) {
    const listed = Array.isArray(value) ? (value as unknown[]) : [value];
    container[key] = (current as unknown[]).filter((item) => !listed.some((entry) => sameValue(item, entry)));
  } else {
    delete container[key];
  }
  const after = container[key];
  if (Array.isArray(after)) container[key] = after.filter((item) => !isEmptyValue(item));
  if (isEmptyValue(container[key])) delete container[key];
}

function removeFiltered(container: JsonObject, key: string, path: PatchPath, filter: Filter): void {
  const current = container[key];
  const sub = path.subAttribute;
  const strip = (item: unknown): unknown =>
    matchesValueFilter(item, filter, path.definition)
      ? sub === undefined
        ? undefined
        : isPlainObject(item)
          ? setOrDelete({ ...item }, sub, null)
          : item
      : item;
  if (Array.isArray(current)) {
    container[key] = (current as unknown[]).map(strip).filter((item) => item !== undefined);
  } else {
    container[key] = strip(current);
  }
}

// ---- helpers ----

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

function appendWithoutDuplicates(current: readonly unknown[], incoming: readonly unknown[]): unknown[] {
  const result = [...current];
  for (const item of incoming) {
    const index = result.findIndex((existing) => sameValue(existing, item));
    if (index < 0) {
      result.push(item);
      continue;
    }
    const existing = result[index];
    result[index] = isPlainObject(existing) && isPlainObject(item) ? mergeObject(existing, item) : item;
  }
  return result;
}

function dedupe(items: readonly unknown[]): unknown[] {
  return appendWithoutDuplicates([], items);
}

function enforceSinglePrimary(items: unknown[], written: readonly unknown[]): void {
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
