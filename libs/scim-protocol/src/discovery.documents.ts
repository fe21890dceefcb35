/**
 * Discovery documents (RFC 7643 §5-§7, RFC 7644 §4), generated from `schemas.definition.ts` so they
 * always describe what the server actually accepts. No value is ever null; characteristic values
 * are the RFC's camelCase strings.
 */
import { type JsonObject } from './json.util.js';
import { type ListResponse, listResponse } from './list.query.js';
import {
  type AttributeDefinition,
  type ResourceTypeDefinition,
  type SchemaDefinition,
  RESOURCE_TYPES,
  SCHEMAS,
  getSchema,
} from './schemas.definition.js';

export const DISCOVERY_URN = {
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
} as const;

export interface DiscoveryOptions {
  /** Absolute SCIM base URL of the tenant, e.g. `https://scim.example.com/scim/<org>`; used for `meta.location`. */
  readonly baseUrl: string;
  /** Advertised as `filter.maxResults`. */
  readonly maxResults: number;
  readonly documentationUri?: string;
}

export function schemaDocuments(options: DiscoveryOptions): JsonObject[] {
  return SCHEMAS.map((schema) => schemaDocumentOf(schema, options));
}

export function schemasListResponse(options: DiscoveryOptions): ListResponse<JsonObject> {
  const documents = schemaDocuments(options);
  return listResponse(documents, documents.length, 1);
}

/** `GET /Schemas/{id}`; the id is matched case-insensitively. `undefined` means 404. */
export function schemaDocument(id: string, options: DiscoveryOptions): JsonObject | undefined {
  const schema = getSchema(id);
  return schema ? schemaDocumentOf(schema, options) : undefined;
}

export function resourceTypeDocuments(options: DiscoveryOptions): JsonObject[] {
  return Object.values(RESOURCE_TYPES).map((type) => resourceTypeDocumentOf(type, options));
}

export function resourceTypesListResponse(options: DiscoveryOptions): ListResponse<JsonObject> {
  const documents = resourceTypeDocuments(options);
  return listResponse(documents, documents.length, 1);
}

/** `GET /ResourceTypes/{name}`; `undefined` means 404. */
export function resourceTypeDocument(name: string, options: DiscoveryOptions): JsonObject | undefined {
  const type = Object.values(RESOURCE_TYPES).find(
    (candidate) => candidate.id.toLowerCase() === name.toLowerCase(),
  );
  return type ? resourceTypeDocumentOf(type, options) : undefined;
}

export function serviceProviderConfig(options: DiscoveryOptions): JsonObject {
  return {
    schemas: [DISCOVERY_URN.serviceProviderConfig],
    ...(options.documentationUri !== undefined ? { documentationUri: options.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: options.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication scheme using the OAuth Bearer Token Standard',
        specUri: 'http://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base(options)}/ServiceProviderConfig`,
    },
  };
}

function schemaDocumentOf(schema: SchemaDefinition, options: DiscoveryOptions): JsonObject {
  return {
    schemas: [DISCOVERY_URN.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${base(options)}/Schemas/${schema.id}` },
  };
}

function resourceTypeDocumentOf(type: ResourceTypeDefinition, options: DiscoveryOptions): JsonObject {
  return {
    schemas: [DISCOVERY_URN.resourceType],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
    schemaExtensions: type.schemaExtensions.map((extension) => ({
      schema: extension.schema,
      required: extension.required,
    })),
    meta: { resourceType: 'ResourceType', location: `${base(options)}/ResourceTypes/${type.id}` },
  };
}

/** RFC 7643 §7 attribute representation; `caseExact` only where case can matter. */
export function attributeDocument(attribute: AttributeDefinition): JsonObject {
  const hasCase =
    attribute.type === 'string' || attribute.type === 'reference' || attribute.type === 'binary';
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    ...(hasCase ? { caseExact: attribute.caseExact } : {}),
    ...(attribute.canonicalValues ? { canonicalValues: [...attribute.canonicalValues] } : {}),
    ...(attribute.referenceTypes ? { referenceTypes: [...attribute.referenceTypes] } : {}),
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.subAttributes ? { subAttributes: attribute.subAttributes.map(attributeDocument) } : {}),
  };
}

function base(options: DiscoveryOptions): string {
  return options.baseUrl.replace(/\/+$/, '');
}
