import { describe, expect, it } from 'vitest';
import { resolveAttribute } from './attribute.resolver.js';
import {
  DISCOVERY_URN,
  resourceTypeDocument,
  resourceTypesListResponse,
  schemaDocument,
  schemasListResponse,
  serviceProviderConfig,
} from './discovery.documents.js';
import { entraMappingSchema } from './entra-mapping.document.js';
import { parsePathSyntax } from './filter.parser.js';
import { type JsonObject, isPlainObject } from './json.util.js';
import { SCHEMA_URN } from './schemas.definition.js';

const options = { baseUrl: 'https://scim.example.com/scim/org-1/', maxResults: 200 };
const BASE = 'https://scim.example.com/scim/org-1';

const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary'];
const MUTABILITY = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
const RETURNED = ['always', 'never', 'default', 'request'];
const UNIQUENESS = ['none', 'server', 'global'];
const URN = /^urn:[a-z0-9][a-z0-9-]{0,31}:[^\s]+$/i;

/** Every problem RFC 7643 §7 (and Entra's "no nulls, camelCase") would have with a schema document. */
function schemaProblems(document: JsonObject): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!Array.isArray(document['schemas']) || document['schemas'][0] !== DISCOVERY_URN.schema)
    fail('schema', 'schemas');
  if (typeof document['id'] !== 'string' || !URN.test(document['id']))
    fail('schema', `id ${String(document['id'])} is not a URN`);
  if (typeof document['name'] !== 'string') fail('schema', 'name');
  if (typeof document['description'] !== 'string') fail('schema', 'description');
  const meta = document['meta'];
  if (
    !isPlainObject(meta) ||
    meta['resourceType'] !== 'Schema' ||
    meta['location'] !== `${BASE}/Schemas/${String(document['id'])}`
  ) {
    fail('schema', 'meta');
  }
  const attributes = document['attributes'];
  if (!Array.isArray(attributes) || attributes.length === 0) fail('schema', 'attributes');
  else for (const attribute of attributes) attributeProblems(attribute, String(document['id']), false, fail);
  return problems;
}

function attributeProblems(
  attribute: unknown,
  where: string,
  isSub: boolean,
  fail: (where: string, what: string) => void,
): void {
  if (!isPlainObject(attribute)) return fail(where, 'attribute is not an object');
  const name = attribute['name'];
  const here = `${where}:${String(name)}`;
  if (typeof name !== 'string' || !/^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/.test(name)) fail(here, 'name');
  if (!TYPES.includes(attribute['type'] as string)) fail(here, 'type');
  for (const key of ['multiValued', 'required']) if (typeof attribute[key] !== 'boolean') fail(here, key);
  if (typeof attribute['description'] !== 'string' || attribute['description'] === '')
    fail(here, 'description');
  const type = attribute['type'];
  if ((type === 'string' || type === 'reference') && typeof attribute['caseExact'] !== 'boolean')
    fail(here, 'caseExact');
  if (!MUTABILITY.includes(attribute['mutability'] as string)) fail(here, 'mutability');
  if (!RETURNED.includes(attribute['returned'] as string)) fail(here, 'returned');
  if (!UNIQUENESS.includes(attribute['uniqueness'] as string)) fail(here, 'uniqueness');
  if (type === 'reference') {
    const referenceTypes = attribute['referenceTypes'];
    if (!Array.isArray(referenceTypes) || referenceTypes.length === 0) fail(here, 'referenceTypes');
  }
  const canonical = attribute['canonicalValues'];
  if (
    canonical !== undefined &&
    (!Array.isArray(canonical) || !canonical.every((v) => typeof v === 'string'))
  ) {
    fail(here, 'canonicalValues');
  }
  const subAttributes = attribute['subAttributes'];
  if (type === 'complex') {
    if (isSub) fail(here, 'complex attributes cannot have complex sub-attributes');
    if (!Array.isArray(subAttributes) || subAttributes.length === 0) fail(here, 'subAttributes');
    else for (const sub of subAttributes) attributeProblems(sub, here, true, fail);
  } else if (subAttributes !== undefined) {
    fail(here, 'subAttributes on a non-complex attribute');
  }
}

function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => nullPaths(item, `${path}[${index}]`));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([key, item]) => nullPaths(item, `${path}.${key}`));
  return [];
}

describe('GET /Schemas', () => {
  const list = schemasListResponse(options);

  it('is a ListResponse of every schema', () => {
    expect(list.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(list.totalResults).toBe(5);
    expect(list.itemsPerPage).toBe(5);
    expect(list.startIndex).toBe(1);
    expect(list.Resources.map((schema) => schema['id'])).toEqual([
      SCHEMA_URN.coreUser,
      SCHEMA_URN.coreGroup,
      SCHEMA_URN.enterpriseUser,
      SCHEMA_URN.signpathUser,
      SCHEMA_URN.signpathGroup,
    ]);
    expect(JSON.stringify(list)).toContain('User Account');
  });

  it('follows RFC 7643 §7 and contains no nulls', () => {
    for (const schema of list.Resources) expect(schemaProblems(schema)).toEqual([]);
    expect(nullPaths(list)).toEqual([]);
  });

  it('describes the attributes Entra relies on', () => {
    const user = list.Resources[0]!;
    const attributes = user['attributes'] as JsonObject[];
    const byName = (name: string) => attributes.find((attribute) => attribute['name'] === name);
    expect(byName('userName')).toMatchObject({
      caseExact: false,
      uniqueness: 'server',
      required: true,
      mutability: 'readWrite',
      returned: 'default',
    });
    expect(byName('externalId')).toMatchObject({ caseExact: true });
    expect(byName('active')).toMatchObject({ type: 'boolean' });
    expect(byName('active')).not.toHaveProperty('caseExact');
    expect(byName('groups')).toMatchObject({ mutability: 'readOnly' });
    expect(byName('id')).toMatchObject({ returned: 'always', mutability: 'readOnly' });
    expect(byName('emails')?.['subAttributes']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'type', canonicalValues: ['work', 'home', 'other'] }),
      ]),
    );
    const signpath = list.Resources[3]!;
    expect(signpath['attributes']).toEqual([
      expect.objectContaining({ name: 'isDirectorySynchronized', type: 'boolean' }),
    ]);
  });

  it('serves a single schema by id, case-insensitively', () => {
    expect(schemaDocument(SCHEMA_URN.enterpriseUser.toUpperCase(), options)?.['id']).toBe(
      SCHEMA_URN.enterpriseUser,
    );
    expect(schemaDocument('urn:nope', options)).toBeUndefined();
  });
});

describe('GET /ResourceTypes', () => {
  const list = resourceTypesListResponse(options);

  it('lists User then Group with their extensions', () => {
    expect(list.totalResults).toBe(2);
    expect(list.Resources[0]).toStrictEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: SCHEMA_URN.coreUser,
      schemaExtensions: [
        { schema: SCHEMA_URN.enterpriseUser, required: false },
        { schema: SCHEMA_URN.signpathUser, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
    expect(list.Resources[1]).toMatchObject({
      id: 'Group',
      endpoint: '/Groups',
      schema: SCHEMA_URN.coreGroup,
      schemaExtensions: [{ schema: SCHEMA_URN.signpathGroup, required: false }],
    });
    expect(nullPaths(list)).toEqual([]);
  });

  it('only references schemas that /Schemas serves', () => {
    for (const type of list.Resources) {
      expect(schemaDocument(type['schema'] as string, options)).toBeDefined();
      for (const extension of type['schemaExtensions'] as JsonObject[]) {
        expect(schemaDocument(extension['schema'] as string, options)).toBeDefined();
      }
    }
    expect(resourceTypeDocument('group', options)?.['id']).toBe('Group');
    expect(resourceTypeDocument('Device', options)).toBeUndefined();
  });
});

describe('GET /ServiceProviderConfig', () => {
  it('advertises what the server supports', () => {
    const config = serviceProviderConfig(options);
    expect(config).toStrictEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
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
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
    expect(nullPaths(config)).toEqual([]);
  });
});

describe('entra mapping and discovery agree', () => {
  it('every target attribute of the Entra mapping is discoverable', () => {
    const schema = entraMappingSchema();
    const rule = (schema['synchronizationRules'] as JsonObject[])[0]!;
    for (const mapping of rule['objectMappings'] as JsonObject[]) {
      const resourceType = mapping['sourceObjectName'] === 'Group' ? 'Group' : 'User';
      for (const attribute of mapping['attributeMappings'] as JsonObject[]) {
        const target = attribute['targetAttributeName'] as string;
        const syntax = parsePathSyntax(target);
        const path = {
          ...syntax.attribute,
          ...(syntax.filterSubAttr ? { subAttr: syntax.filterSubAttr } : {}),
        };
        expect(resolveAttribute(resourceType, path), `${resourceType} ${target}`).toBeDefined();
      }
    }
  });
});
