/**
 * Schema-driven normalisation of attribute values, shared by PATCH and by POST/PUT bodies. This is
 * where Entra's quirks become clean SCIM values:
 * - `"True"`/`"False"` (any case) on boolean attributes become booleans;
 * - role entries whose `value` is a JSON string (AppRoleAssignmentsComplex PATCH shape) become
 *   `{ value, display }`, and `displayName` on roles becomes `display`;
 * - a single-valued complex attribute sent as a one-element array (`manager`) is unwrapped, and an
 *   empty array clears it; a bare string becomes `{ value }`;
 * - null-valued sub-attributes (`"$ref": null`) are dropped.
 * Values of the wrong type for a known attribute are 400 `invalidValue` naming the attribute.
 */
import { findAttribute } from './attribute.resolver.js';
import { toBoolean } from './filter.evaluate.js';
import { type JsonObject, describeForError, isPlainObject, isSafeKey } from './json.util.js';
import { assertEntryLimit } from './limits.js';
import { type PatchPath } from './patch.path.js';
import {
  type AttributeDefinition,
  type ResourceTypeName,
  RESOURCE_TYPES,
  getSchema,
  schemasOf,
} from './schemas.definition.js';
import { ScimError } from './scim.error.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function invalid(label: string, value: unknown, expected: string): ScimError {
  return ScimError.invalidValue(`attribute '${label}': ${describeForError(value)} is not ${expected}`);
}

/** A simple (non-complex) value for `definition`; null passes through as "clear". */
export function normalizeScalar(definition: AttributeDefinition, value: unknown, label: string): unknown {
  if (value === null) return null;
  switch (definition.type) {
    case 'boolean': {
      const bool = toBoolean(value);
      if (bool === undefined) throw invalid(label, value, 'a boolean');
      return bool;
    }
    case 'integer': {
      const number = toFiniteNumber(value);
      if (number === undefined || !Number.isInteger(number)) throw invalid(label, value, 'an integer');
      return number;
    }
    case 'decimal': {
      const number = toFiniteNumber(value);
      if (number === undefined) throw invalid(label, value, 'a number');
      return number;
    }
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
        throw invalid(label, value, 'an xsd:dateTime');
      }
      return value;
    case 'complex':
      return normalizeComplexObject(definition, value, label);
    default:
      if (typeof value !== 'string') throw invalid(label, value, 'a string');
      return value;
  }
}

function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/** One complex value: known sub-attributes are typed and canonically named, unknown ones kept. */
function normalizeComplexObject(definition: AttributeDefinition, value: unknown, label: string): JsonObject {
  let object: unknown = value;
  if (!isPlainObject(object)) {
    // `"members": ["id"]`, `"manager": "id"`: a bare value stands for `{ value }`.
    const valueAttribute = findAttribute(definition.subAttributes, 'value');
    if (valueAttribute && (typeof value === 'string' || typeof value === 'number')) object = { value };
    else throw invalid(label, value, 'an object');
  }
  if (isRoles(definition)) object = unwrapRoleEntry(object as JsonObject);
  const result: JsonObject = {};
  for (const [key, raw] of Object.entries(object as JsonObject)) {
    if (raw === null || raw === undefined || !isSafeKey(key)) continue;
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub) {
      result[key] = raw;
      continue;
    }
    result[sub.name] = normalizeScalar(sub, raw, `${label}.${sub.name}`);
  }
  return result;
}

function isRoles(definition: AttributeDefinition): boolean {
  return definition.name === 'roles';
}

/**
 * Entra's role shapes: POST `{primary,type,displayName,value}`, PATCH `{value:"{\"id\":…,\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`.
 * The Entra app-role `id` is dropped: roles are identified by `value`.
 */
export function unwrapRoleEntry(entry: JsonObject): JsonObject {
  let merged: JsonObject = { ...entry };
  const inner = parseJsonObject(entry['value']);
  if (inner) {
    merged = { ...merged, ...inner };
    delete merged['id'];
    if (typeof merged['value'] === 'number') merged['value'] = String(merged['value']);
  }
  if (merged['displayName'] !== undefined) {
    if (merged['display'] === undefined) merged['display'] = merged['displayName'];
    delete merged['displayName'];
  }
  return merged;
}

function parseJsonObject(value: unknown): JsonObject | undefined {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** One element of a multi-valued attribute. */
export function normalizeElement(definition: AttributeDefinition, value: unknown, label: string): unknown {
  if (definition.type === 'complex') return normalizeComplexObject(definition, value, label);
  return normalizeScalar(definition, value, label);
}

/** A whole attribute value (what a path without filter or sub-attribute targets). */
export function normalizeAttributeValue(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): unknown {
  if (value === null) return null;
  if (definition.multiValued) {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    return items.filter((item) => item !== null).map((item) => normalizeElement(definition, item, label));
  }
  if (definition.type === 'complex' && Array.isArray(value)) {
    // Entra sends `manager` as `[{ "$ref": …, "value": … }]`; an empty list means "no manager".
    const items = value as unknown[];
    if (items.length === 0) return null;
    if (items.length === 1) return normalizeComplexObject(definition, items[0], label);
    throw invalid(label, value, 'a single value');
  }
  return normalizeScalar(definition, value, label);
}

/** The value of a PATCH operation, shaped by what its path targets. Unknown attributes pass through. */
export function normalizePatchValue(path: PatchPath, value: unknown): unknown {
  const definition = path.definition;
  if (!path.known || !definition) return value;
  const label = path.raw;
  if (path.subDefinition) return normalizeScalar(path.subDefinition, value, label);
  if (path.valueFilter) {
    const single: unknown = Array.isArray(value) && value.length === 1 ? (value as unknown[])[0] : value;
    return single === null ? null : normalizeElement(definition, single, label);
  }
  return normalizeAttributeValue(definition, value, label);
}

/**
 * Normalises a POST/PUT resource body: typed and canonically named known attributes, readOnly
 * attributes (`id`, `meta`, `groups`) and nulls dropped (RFC 7644 §3.3: readOnly values SHALL be
 * ignored), extension objects normalised, unknown attributes kept as sent. Required attributes
 * must be present.
 */
export function normalizeResource(resourceType: ResourceTypeName, body: unknown): JsonObject {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('the request body must be a JSON object');
  const [core, ...extensions] = schemasOf(resourceType);
  if (!core) throw new Error(`resource type ${resourceType} has no core schema`);
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined || !isSafeKey(key)) continue;
    if (key.toLowerCase() === 'schemas') {
      result['schemas'] = value;
      continue;
    }
    const extension = extensions.find((schema) => schema.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (!isPlainObject(value)) throw invalid(extension.id, value, 'an object');
      result[extension.id] = normalizeAttributes(resourceType, extension.attributes, value, extension.id);
      continue;
    }
    const qualified = qualifiedAttribute(resourceType, key);
    if (qualified) {
      const { container, definition } = qualified;
      if (definition.mutability === 'readOnly' && !definition.writesIgnored) continue;
      assertEntryLimit(resourceType, definition.name, value, key);
      const target = container === undefined ? result : ensureObject(result, container);
      target[definition.name] = normalizeAttributeValue(definition, value, key);
      continue;
    }
    // Unknown attributes are kept as sent, so their arrays are held to the same cap.
    assertEntryLimit(resourceType, key, value);
    if (isPlainObject(value)) assertEntryLimits(resourceType, value, key);
    result[key] = value;
  }
  assertRequired(core.attributes, result, resourceType);
  return result;
}

function normalizeAttributes(
  resourceType: ResourceTypeName,
  definitions: readonly AttributeDefinition[],
  values: JsonObject,
  urn: string,
): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || !isSafeKey(key)) continue;
    assertEntryLimit(resourceType, key, value, `${urn}:${key}`);
    const definition = findAttribute(definitions, key);
    if (!definition) {
      result[key] = value;
      continue;
    }
    if (definition.mutability === 'readOnly' && !definition.writesIgnored) continue;
    result[definition.name] = normalizeAttributeValue(definition, value, `${urn}:${definition.name}`);
  }
  return result;
}

/** The attributes of an unknown extension object (kept as sent) are held to the entry cap too. */
function assertEntryLimits(resourceType: ResourceTypeName, values: JsonObject, urn: string): void {
  for (const [key, value] of Object.entries(values))
    assertEntryLimit(resourceType, key, value, `${urn}:${key}`);
}

/** Top-level key → definition, accepting URN-qualified names (`urn:…:enterprise:2.0:User:employeeNumber`). */
function qualifiedAttribute(
  resourceType: ResourceTypeName,
  key: string,
): { container?: string; definition: AttributeDefinition } | undefined {
  const [core, ...extensions] = schemasOf(resourceType);
  const plain = findAttribute(core?.attributes, key);
  if (plain) return { definition: plain };
  const colon = key.lastIndexOf(':');
  if (colon < 0) return undefined;
  const schema = getSchema(key.slice(0, colon));
  if (!schema) return undefined;
  const definition = findAttribute(schema.attributes, key.slice(colon + 1));
  if (!definition) return undefined;
  if (schema.id === RESOURCE_TYPES[resourceType].schema) return { definition };
  return extensions.includes(schema) ? { container: schema.id, definition } : undefined;
}

function ensureObject(target: JsonObject, key: string): JsonObject {
  const existing = target[key];
  if (isPlainObject(existing)) return existing;
  const created: JsonObject = {};
  target[key] = created;
  return created;
}

function assertRequired(
  definitions: readonly AttributeDefinition[],
  resource: JsonObject,
  resourceType: string,
): void {
  for (const definition of definitions) {
    if (!definition.required || definition.mutability === 'readOnly') continue;
    const value = resource[definition.name];
    if (value === undefined || value === null || value === '') {
      throw ScimError.invalidValue(`attribute '${definition.name}' is required for a ${resourceType}`);
    }
  }
}
