/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9). `id`, `schemas` and `meta` (and any
 * attribute defined `returned: always`) are always kept; `returned: never` attributes (password) are
 * never returned; `returned: request` ones only when asked for. Names are case-insensitive, may be
 * URN-qualified, may name a sub-attribute (`name.givenName`, `emails.value`) or a whole extension
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). Unknown names select or remove
 * the matching JSON key, so extra attributes stored for unknown schema parts behave the same way.
 * When both lists are given, `attributes` selects and `excludedAttributes` then removes.
 */
import { findAttribute, resolveAttribute } from './attribute.resolver.js';
import { type AttributePath } from './filter.ast.js';
import { FilterSyntaxError, parseAttributePathSyntax } from './filter.parser.js';
import { type JsonObject, findKey, isPlainObject } from './json.util.js';
import {
  type AttributeDefinition,
  type ResourceTypeName,
  type SchemaDefinition,
  schemasOf,
} from './schemas.definition.js';

export interface ProjectionQuery {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

const ALWAYS_KEYS = ['schemas', 'id', 'meta'];

export function project(
  resource: JsonObject,
  query: ProjectionQuery,
  resourceType: ResourceTypeName,
): JsonObject {
  const selected =
    query.attributes && query.attributes.length > 0
      ? select(resource, query.attributes, resourceType)
      : defaultProjection(resource, resourceType);
  for (const path of query.excludedAttributes ?? []) exclude(selected, path, resourceType);
  return selected;
}

/**
 * Whether storage must load `attribute` (e.g. `members`) to answer a request with this projection.
 * Without `resourceType`, names are compared without their URN prefix.
 */
export function needsAttribute(
  query: ProjectionQuery,
  attribute: string,
  resourceType?: ResourceTypeName,
): boolean {
  const target = topLevelName(attribute, resourceType);
  const definition = resourceType ? resolveAttribute(resourceType, attribute)?.attribute : undefined;
  if (definition?.returned === 'always') return true;
  if (definition?.returned === 'never') return false;
  const excluded = (query.excludedAttributes ?? []).some(
    (path) => topLevelName(path, resourceType) === target && !hasSubAttribute(path),
  );
  if (excluded) return false;
  if (query.attributes && query.attributes.length > 0) {
    return query.attributes.some((path) => {
      const top = topLevelName(path, resourceType);
      return top === target || (resourceType !== undefined && isContainerOf(path, attribute, resourceType));
    });
  }
  return definition?.returned !== 'request';
}

// ---- selection ----

function defaultProjection(resource: JsonObject, resourceType: ResourceTypeName): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const container = extensionSchema(key, resourceType);
    if (container && isPlainObject(value)) {
      const kept = filterByReturned(value, container.attributes, false);
      if (Object.keys(kept).length > 0) result[key] = kept;
      continue;
    }
    const definition = findAttribute(schemasOf(resourceType)[0]?.attributes, key);
    if (definition && !isDefaultReturned(definition)) continue;
    result[key] = value;
  }
  return result;
}

function filterByReturned(
  object: JsonObject,
  definitions: readonly AttributeDefinition[],
  requested: boolean,
): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const definition = findAttribute(definitions, key);
    if (definition && !(requested ? definition.returned !== 'never' : isDefaultReturned(definition))) {
      continue;
    }
    result[key] = value;
  }
  return result;
}

function isDefaultReturned(definition: AttributeDefinition): boolean {
  return definition.returned === 'always' || definition.returned === 'default';
}

function select(resource: JsonObject, paths: readonly string[], resourceType: ResourceTypeName): JsonObject {
  const result: JsonObject = {};
  for (const key of Object.keys(resource)) {
    const definition = findAttribute(schemasOf(resourceType)[0]?.attributes, key);
    if (ALWAYS_KEYS.includes(key.toLowerCase()) || definition?.returned === 'always') {
      result[key] = resource[key];
    }
  }
  for (const path of paths) copyPath(resource, result, path, resourceType);
  return result;
}

function copyPath(
  source: JsonObject,
  target: JsonObject,
  path: string,
  resourceType: ResourceTypeName,
): void {
  const extension = extensionSchema(path, resourceType);
  if (extension) {
    const key = findKey(source, extension.id);
    if (key !== undefined && isPlainObject(source[key])) {
      target[key] = mergeInto(target[key], filterByReturned(source[key], extension.attributes, true));
    }
    return;
  }
  const located = locate(source, path, resourceType);
  if (!located) return;
  const { container, key, subAttribute, definition } = located;
  if (definition?.returned === 'never') return;
  const value = container[key];
  if (value === undefined) return;
  const destination =
    located.containerKey === undefined ? target : ensureObject(target, located.containerKey);
  if (subAttribute === undefined) {
    destination[key] = value;
    return;
  }
  const picked = pickSubAttribute(value, subAttribute);
  if (picked !== undefined) destination[key] = mergeInto(destination[key], picked);
}

function pickSubAttribute(value: unknown, sub: string): unknown {
  const pickOne = (item: unknown): JsonObject | undefined => {
    if (!isPlainObject(item)) return undefined;
    const key = findKey(item, sub);
    return key === undefined ? {} : { [key]: item[key] };
  };
  if (Array.isArray(value)) return (value as unknown[]).map(pickOne).filter((item) => item !== undefined);
  return pickOne(value);
}

/** Merges a second selection of the same attribute (`name.givenName` and `name.familyName`). */
function mergeInto(existing: unknown, addition: unknown): unknown {
  if (existing === undefined) return addition;
  if (isPlainObject(existing) && isPlainObject(addition)) return { ...existing, ...addition };
  if (Array.isArray(existing) && Array.isArray(addition) && existing.length === addition.length) {
    return existing.map((item: unknown, index) => mergeInto(item, addition[index]));
  }
  return addition;
}

// ---- exclusion ----

function exclude(resource: JsonObject, path: string, resourceType: ResourceTypeName): void {
  const extension = extensionSchema(path, resourceType);
  if (extension) {
    const key = findKey(resource, extension.id);
    if (key !== undefined) delete resource[key];
    return;
  }
  const located = locate(resource, path, resourceType);
  if (!located) return;
  const { container, key, subAttribute, definition } = located;
  if (
    definition?.returned === 'always' ||
    (located.containerKey === undefined && ALWAYS_KEYS.includes(key.toLowerCase()))
  ) {
    return;
  }
  if (subAttribute === undefined) {
    delete container[key];
  } else {
    container[key] = omitSubAttribute(container[key], subAttribute);
  }
  if (located.containerKey !== undefined && Object.keys(container).length === 0) {
    delete resource[located.containerKey];
  }
}

function omitSubAttribute(value: unknown, sub: string): unknown {
  const omit = (item: unknown): unknown => {
    if (!isPlainObject(item)) return item;
    const copy = { ...item };
    const key = findKey(copy, sub);
    if (key !== undefined) delete copy[key];
    return copy;
  };
  return Array.isArray(value) ? (value as unknown[]).map(omit) : omit(value);
}

// ---- path location ----

interface Located {
  /** The object holding the attribute: the resource, or an extension object. */
  readonly container: JsonObject;
  /** Key of the extension object in the resource, when the attribute is in one. */
  readonly containerKey?: string;
  /** The attribute's key as present in `container` (or its canonical name if absent). */
  readonly key: string;
  readonly subAttribute?: string;
  readonly definition?: AttributeDefinition;
}

function locate(resource: JsonObject, path: string, resourceType: ResourceTypeName): Located | undefined {
  const resolved = resolveAttribute(resourceType, path);
  if (resolved) {
    const containerKey = resolved.isExtension ? findKey(resource, resolved.schemaUrn) : undefined;
    if (resolved.isExtension && containerKey === undefined) return undefined;
    const container = containerKey === undefined ? resource : resource[containerKey];
    if (!isPlainObject(container)) return undefined;
    return {
      container,
      ...(containerKey !== undefined ? { containerKey } : {}),
      key: findKey(container, resolved.attribute.name) ?? resolved.attribute.name,
      ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute.name } : {}),
      definition: resolved.subAttribute ?? resolved.attribute,
    };
  }
  const parsed = tryParse(path);
  if (!parsed) return undefined;
  const containerKey = parsed.uri === undefined ? undefined : findKey(resource, parsed.uri);
  if (parsed.uri !== undefined && containerKey === undefined) return undefined;
  const container = containerKey === undefined ? resource : resource[containerKey];
  if (!isPlainObject(container)) return undefined;
  return {
    container,
    ...(containerKey !== undefined ? { containerKey } : {}),
    key: findKey(container, parsed.name) ?? parsed.name,
    ...(parsed.subAttr !== undefined ? { subAttribute: parsed.subAttr } : {}),
  };
}

function extensionSchema(name: string, resourceType: ResourceTypeName): SchemaDefinition | undefined {
  const lower = name.trim().toLowerCase();
  return schemasOf(resourceType)
    .slice(1)
    .find((schema) => schema.id.toLowerCase() === lower);
}

function ensureObject(target: JsonObject, key: string): JsonObject {
  const existing = target[key];
  if (isPlainObject(existing)) return existing;
  const created: JsonObject = {};
  target[key] = created;
  return created;
}

function tryParse(path: string): AttributePath | undefined {
  try {
    return parseAttributePathSyntax(path);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return undefined;
    throw error;
  }
}

function topLevelName(path: string, resourceType: ResourceTypeName | undefined): string {
  if (resourceType) {
    const resolved = resolveAttribute(resourceType, path);
    if (resolved) return resolved.attributePath.toLowerCase();
  }
  const parsed = tryParse(path);
  if (!parsed) return path.trim().toLowerCase();
  if (resourceType) {
    return (parsed.uri === undefined ? parsed.name : `${parsed.uri}:${parsed.name}`).toLowerCase();
  }
  return parsed.name.toLowerCase();
}

function hasSubAttribute(path: string): boolean {
  return tryParse(path)?.subAttr !== undefined;
}

function isContainerOf(path: string, attribute: string, resourceType: ResourceTypeName): boolean {
  const extension = extensionSchema(path, resourceType);
  const resolved = resolveAttribute(resourceType, attribute);
  return extension !== undefined && resolved?.schemaUrn === extension.id;
}
