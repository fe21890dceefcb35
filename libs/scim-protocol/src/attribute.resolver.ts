import { type AttributePath } from './filter.ast.js';
import { FilterSyntaxError, parseAttributePathSyntax } from './filter.parser.js';
import {
  type AttributeDefinition,
  type ResourceTypeName,
  type SchemaDefinition,
  RESOURCE_TYPES,
  getSchema,
  schemasOf,
} from './schemas.definition.js';

export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute. */
  readonly schemaUrn: string;
  readonly isExtension: boolean;
  /** The top-level attribute (`emails` for `emails.value`). */
  readonly attribute: AttributeDefinition;
  /** Present when the path names a sub-attribute. */
  readonly subAttribute?: AttributeDefinition;
  /** The attribute the path designates: the sub-attribute if there is one. */
  readonly definition: AttributeDefinition;
  /**
   * Canonical spelling: core names unqualified (`name.givenName`), extension names URN-qualified
   * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`).
   */
  readonly path: string;
  /** Canonical path of the top-level attribute. */
  readonly attributePath: string;
}

export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  if (!attributes) return undefined;
  const lower = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === lower);
}

/**
 * Looks an attribute path up case-insensitively. Unqualified names are searched in the core schema
 * first and then in the resource type's extensions, because Entra sends e.g. `manager eq "…"`
 * unqualified although `manager` belongs to the enterprise extension.
 */
export function resolveAttribute(
  resourceType: ResourceTypeName,
  path: string | AttributePath,
): ResolvedAttribute | undefined {
  const parsed = typeof path === 'string' ? tryParsePath(path) : path;
  if (!parsed) return undefined;
  const found = findTopLevel(resourceType, parsed);
  if (!found) return undefined;
  const { schema, attribute } = found;
  const isExtension = schema.id !== RESOURCE_TYPES[resourceType].schema;
  const attributePath = isExtension ? `${schema.id}:${attribute.name}` : attribute.name;
  const base = { schemaUrn: schema.id, isExtension, attribute, attributePath };
  if (parsed.subAttr === undefined) return { ...base, definition: attribute, path: attributePath };
  const subAttribute = findAttribute(attribute.subAttributes, parsed.subAttr);
  if (!subAttribute) return undefined;
  return { ...base, subAttribute, definition: subAttribute, path: `${attributePath}.${subAttribute.name}` };
}

/** The schema a URN names, if it is one of the resource type's own schemas. */
export function schemaOfResourceType(
  resourceType: ResourceTypeName,
  urn: string,
): SchemaDefinition | undefined {
  const schema = getSchema(urn);
  if (!schema) return undefined;
  return schemasOf(resourceType).includes(schema) ? schema : undefined;
}

function findTopLevel(
  resourceType: ResourceTypeName,
  path: AttributePath,
): { schema: SchemaDefinition; attribute: AttributeDefinition } | undefined {
  if (path.uri !== undefined) {
    const schema = schemaOfResourceType(resourceType, path.uri);
    const attribute = schema && findAttribute(schema.attributes, path.name);
    return schema && attribute ? { schema, attribute } : undefined;
  }
  for (const schema of schemasOf(resourceType)) {
    const attribute = findAttribute(schema.attributes, path.name);
    if (attribute) return { schema, attribute };
  }
  return undefined;
}

function tryParsePath(path: string): AttributePath | undefined {
  try {
    return parseAttributePathSyntax(path);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return undefined;
    throw error;
  }
}
