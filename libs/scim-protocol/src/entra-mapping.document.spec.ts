import { describe, expect, it } from 'vitest';
import { entraMappingSchema } from './entra-mapping.document.js';
import { type JsonObject } from './json.util.js';

const rule = (schema: JsonObject) => (schema['synchronizationRules'] as JsonObject[])[0]!;
const objectMapping = (schema: JsonObject, source: string) =>
  (rule(schema)['objectMappings'] as JsonObject[]).find((mapping) => mapping['sourceObjectName'] === source)!;
const target = (mapping: JsonObject, name: string) =>
  (mapping['attributeMappings'] as JsonObject[]).find(
    (attribute) => attribute['targetAttributeName'] === name,
  )!;

// Copied verbatim from SignPath/website docs/assets/MicrosoftEntraIDScimConfiguration.json.
const PUBLISHED_APP_ROLE_DEFINITION =
  '{"definition":{"attributes":[{"anchor":true,"apiExpressions":[],"metadata":[],"name":"id","required":true},{"apiExpressions":[],"metadata":[],"multivalued":true,"name":"allowedMemberTypes","required":true},{"apiExpressions":[],"metadata":[],"name":"description","required":true},{"apiExpressions":[],"metadata":[],"name":"displayName","required":true},{"apiExpressions":[],"metadata":[],"name":"isEnabled","required":true,"type":"Boolean"},{"apiExpressions":[],"metadata":[],"name":"origin"},{"apiExpressions":[],"metadata":[],"name":"value"}],"metadata":[{"key":"IsSoftDeletionSupported","value":"false"},{"key":"ConnectorDataStorageRequired","value":"false"},{"key":"IsSynchronizeAllSupported","value":"false"}],"name":"AppRole","supportedApis":["AppRole"]},"mapping":{"attributeMappings":[{"defaultValue":"User","targetAttributeName":"allowedMemberTypes"},{"defaultValue":".","targetAttributeName":"description"},{"matchingPriority":1,"targetAttributeName":"displayName"},{"defaultValue":"True","targetAttributeName":"isEnabled"}],"flowTypes":"Add, Update, Delete","metadata":[{"key":"IsCustomerDefined","value":"false"},{"key":"DisableMonitoringForChanges","value":"false"},{"key":"Disposition","value":"\\"Normal\\""},{"key":"ExcludeFromReporting","value":"false"},{"key":"EscrowBehavior","value":"\\"Default\\""},{"key":"Unsynchronized","value":"false"},{"key":"OriginalJoiningProperty","value":"displayName"}],"sourceObjectName":"","targetObjectName":"AppRole"}}';

const PUBLISHED_DEFAULT_USER_MAPPING =
  '{"AttributeMappings":[{"DefaultValue":null,"ExportMissingReferences":false,"FlowBehavior":0,"FlowType":0,"MatchingPriority":2,"Source":null,"TargetAttributeName":"objectId"},{"DefaultValue":"False","ExportMissingReferences":false,"FlowBehavior":0,"FlowType":0,"MatchingPriority":0,"Source":null,"TargetAttributeName":"IsSoftDeleted"},{"DefaultValue":"True","ExportMissingReferences":false,"FlowBehavior":0,"FlowType":0,"MatchingPriority":0,"Source":null,"TargetAttributeName":"accountEnabled"},{"DefaultValue":null,"ExportMissingReferences":false,"FlowBehavior":0,"FlowType":0,"MatchingPriority":1,"Source":null,"TargetAttributeName":"displayName"},{"DefaultValue":"en-US","ExportMissingReferences":false,"FlowBehavior":0,"FlowType":0,"MatchingPriority":0,"Source":null,"TargetAttributeName":"preferredLanguage"}],"DisableMonitoringForChanges":false,"Disposition":0,"Enabled":false,"EscrowBehavior":1,"FlowTypes":7,"Internal":false,"IsCustomerDefined":false,"Name":null,"OriginalJoiningProperty":"displayName","Scope":null,"SourceObjectName":"","Synchronized":false,"TargetObjectName":"User","Unsynchronized":false}';

describe('entraMappingSchema', () => {
  const schema = entraMappingSchema();

  it('has the published rule: Entra ID → customappsso, groups then users', () => {
    expect(rule(schema)).toMatchObject({
      name: 'USERGROUP_OUTBOUND_USERGROUP',
      sourceDirectoryName: 'Microsoft Entra ID',
      targetDirectoryName: 'customappsso',
    });
    expect(
      (rule(schema)['objectMappings'] as JsonObject[]).map((mapping) => mapping['targetObjectName']),
    ).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ]);
  });

  it('maps users as SignPath documents', () => {
    const users = objectMapping(schema, 'User');
    expect(target(users, 'externalId')).toMatchObject({
      matchingPriority: 1,
      source: {
        expression: 'Append("<sso-identifier>:", [objectId])',
        name: 'Append',
        type: 'Function',
        parameters: [
          {
            key: 'source',
            value: {
              expression: '"<sso-identifier>:"',
              name: '<sso-identifier>:',
              type: 'Constant',
              parameters: [],
            },
          },
          {
            key: 'suffix',
            value: { expression: '[objectId]', name: 'objectId', type: 'Attribute', parameters: [] },
          },
        ],
      },
    });
    expect(target(users, 'userName')).toMatchObject({
      matchingPriority: 2,
      source: { expression: '[displayName]' },
    });
    expect(target(users, 'active')['source']).toMatchObject({
      expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
      name: 'Switch',
      type: 'Function',
    });
    expect(target(users, 'emails[type eq "work"].value')['source']).toMatchObject({ expression: '[mail]' });
    expect(target(users, 'roles')['source']).toMatchObject({
      expression: 'AppRoleAssignmentsComplex([appRoleAssignments])',
    });
    expect(
      target(users, 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User:isDirectorySynchronized')[
        'source'
      ],
    ).toEqual({ expression: '"true"', name: 'true', type: 'Constant', parameters: [] });
  });

  it('maps groups by displayName with members, description and the SignPath flag', () => {
    const groups = objectMapping(schema, 'Group');
    expect(
      (groups['attributeMappings'] as JsonObject[]).map((a) => [
        a['targetAttributeName'],
        a['matchingPriority'],
      ]),
    ).toEqual([
      ['displayName', 1],
      ['members', 0],
      ['description', 0],
      ['urn:ietf:params:scim:schemas:extension:signpath:2.0:Group:isDirectorySynchronized', 0],
    ]);
  });

  it('uses the organization SSO identifier when given, and refuses one that would break the expression', () => {
    const users = objectMapping(entraMappingSchema({ ssoIdentifier: 'acme-sso' }), 'User');
    expect((target(users, 'externalId')['source'] as JsonObject)['expression']).toBe(
      'Append("acme-sso:", [objectId])',
    );
    expect(() => entraMappingSchema({ ssoIdentifier: 'a"b' })).toThrow(RangeError);
  });

  it('serialises Entra metadata exactly like the published file', () => {
    const text = JSON.stringify(schema);
    expect(text).toContain(JSON.stringify(PUBLISHED_APP_ROLE_DEFINITION));
    const defaults = (rule(schema)['metadata'] as JsonObject[])[0]!['value'] as string;
    expect(defaults.startsWith(`[${PUBLISHED_DEFAULT_USER_MAPPING},`)).toBe(true);
  });

  it('describes the customappsso target the way Entra exported it', () => {
    const directories = schema['directories'] as JsonObject[];
    expect(directories.map((directory) => directory['name'])).toEqual(['Microsoft Entra ID', 'customappsso']);
    const targetObjects = directories[1]!['objects'] as JsonObject[];
    const userAttributes = (targetObjects[1]!['attributes'] as JsonObject[]).map((a) => [
      a['name'],
      a['type'],
    ]);
    expect(userAttributes).toEqual([
      ['id', 'String'],
      ['active', 'Boolean'],
      ['emails[type eq "work"].value', 'String'],
      ['userName', 'String'],
      ['externalId', 'String'],
      ['roles', 'String'],
      ['urn:ietf:params:scim:schemas:extension:signpath:2.0:User:isDirectorySynchronized', 'Boolean'],
    ]);
    const sourceUser = (directories[0]!['objects'] as JsonObject[])[0]!;
    const names = (sourceUser['attributes'] as JsonObject[]).map((a) => a['name']);
    expect(names).toEqual(
      expect.arrayContaining(['objectId', 'IsSoftDeleted', 'displayName', 'mail', 'appRoleAssignments']),
    );
    expect(names).toHaveLength(53);
  });
});
