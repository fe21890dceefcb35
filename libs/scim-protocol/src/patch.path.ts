import { findAttribute, resolveAttribute } from './attribute.resolver.js';
import { type AttributePath, type Filter, stringifyAttributePath } from './filter.ast.js';
import { type FilterParseOptions, FilterSyntaxError, parsePathSyntax } from './filter.parser.js';
import { type AttributeDefinition, type ResourceTypeName, RESOURCE_TYPES } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

/** A PATCH target (RFC 7644 §3.5.2 `path`), resolved against the schema where possible. */
export interface PatchPath {
  /** The path as the client sent it (or as derived from a path-less value key). */
  readonly raw: string;
  /**
   * Canonical top-level attribute path: `emails`, `name`,
   * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`. For unknown attributes,
   * the attribute as written.
   */
  readonly attribute: string;
  /** Attribute name without URN: the JSON key inside its container. */
  readonly name: string;
  /**
   * URN of the extension object that holds the attribute in SCIM JSON; absent for core attributes.
   * Unknown URN-qualified attributes live under their URN as written.
   */
  readonly container?: string;
  readonly valueFilter?: Filter;
  /** Canonical sub-attribute name: `givenName` in `name.givenName`, `value` in `emails[…].value`. */
  readonly subAttribute?: string;
  /** False for attributes no schema defines; their operations are kept so they can be stored as extra data. */
  readonly known: boolean;
  readonly definition?: AttributeDefinition;
  readonly subDefinition?: AttributeDefinition;
}

/** The name the first design sketch used. */
export type ParsedPath = PatchPath;

/** Parses and resolves a PATCH path. Syntax errors and impossible paths are 400 `invalidPath`. */
export function parsePatchPath(
  raw: string,
  resourceType: ResourceTypeName,
  options: FilterParseOptions = {},
): PatchPath {
  let syntax;
  try {
    syntax = parsePathSyntax(raw, options);
  } catch (error) {
    if (error instanceof FilterSyntaxError) {
      throw ScimError.invalidPath(`Invalid path ${JSON.stringify(raw)} ${error.message}`);
    }
    throw error;
  }
  const { attribute, valueFilter } = syntax;
  const topLevel: AttributePath = {
    ...(attribute.uri !== undefined ? { uri: attribute.uri } : {}),
    name: attribute.name,
  };
  const subName = attribute.subAttr ?? syntax.filterSubAttr;
  const resolved = resolveAttribute(resourceType, topLevel);

  if (!resolved) {
    const container = unknownContainer(attribute.uri, resourceType);
    return {
      raw,
      attribute: stringifyAttributePath(topLevel),
      name: attribute.name,
      ...(container !== undefined ? { container } : {}),
      ...(valueFilter ? { valueFilter } : {}),
      ...(subName !== undefined ? { subAttribute: subName } : {}),
      known: false,
    };
  }

  const definition = resolved.attribute;
  if (valueFilter) assertFilterable(definition, valueFilter, raw);
  let subDefinition: AttributeDefinition | undefined;
  if (subName !== undefined) {
    subDefinition = findAttribute(definition.subAttributes, subName);
    if (!subDefinition) {
      throw ScimError.invalidPath(`attribute '${resolved.attributePath}' has no sub-attribute '${subName}'`);
    }
  }
  return {
    raw,
    attribute: resolved.attributePath,
    name: definition.name,
    ...(resolved.isExtension ? { container: resolved.schemaUrn } : {}),
    ...(valueFilter ? { valueFilter } : {}),
    ...(subDefinition ? { subAttribute: subDefinition.name, subDefinition } : {}),
    known: true,
    definition,
  };
}

function unknownContainer(uri: string | undefined, resourceType: ResourceTypeName): string | undefined {
  if (uri === undefined) return undefined;
  return uri.toLowerCase() === RESOURCE_TYPES[resourceType].schema.toLowerCase() ? undefined : uri;
}

function assertFilterable(definition: AttributeDefinition, filter: Filter, raw: string): void {
  if (definition.type !== 'complex' && !definition.multiValued) {
    throw ScimError.invalidPath(
      `attribute '${definition.name}' does not support value filters (path ${JSON.stringify(raw)})`,
    );
  }
  for (const name of filterAttributeNames(filter)) {
    const known =
      definition.type === 'complex'
        ? findAttribute(definition.subAttributes, name) !== undefined
        : name.toLowerCase() === 'value';
    if (!known) {
      throw ScimError.invalidPath(
        `attribute '${definition.name}' has no sub-attribute '${name}' (path ${JSON.stringify(raw)})`,
      );
    }
  }
}

function filterAttributeNames(filter: Filter): string[] {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return [...filterAttributeNames(filter.left), ...filterAttributeNames(filter.right)];
    case 'not':
      return filterAttributeNames(filter.filter);
    case 'valuePath':
      return [stringifyAttributePath(filter.path)];
    case 'compare':
    case 'present':
      return [stringifyAttributePath(filter.path)];
  }
}
