/**
 * The provisioning schema customers paste into Entra's "Review your schema" editor.
 *
 * Reproduces the structure of SignPath's published file (repo SignPath/website,
 * docs/assets/MicrosoftEntraIDScimConfiguration.json, 2024-06 version): one synchronization rule
 * `USERGROUP_OUTBOUND_USERGROUP` from "Microsoft Entra ID" to `customappsso` with a Group and a
 * User object mapping, plus the two directory descriptions. Identifiers, versions and the source
 * directory's attribute list are copied from that file; it is an Entra export, so its nulls and
 * PascalCase values are Entra's format, not SCIM's.
 *
 * One deliberate difference: the published file maps `externalId` from `[objectId]` and its setup
 * guide tells the admin to change that to `Append("<sso-identifier>:", [objectId])`. Here the
 * Append expression is generated, with the organization's SSO identifier when the caller knows it
 * and the placeholder `<sso-identifier>` otherwise.
 */
import { type JsonObject } from './json.util.js';
import { SCHEMA_URN } from './schemas.definition.js';

export interface EntraMappingOptions {
  /** Prefix of every externalId (`<sso-identifier>:<objectId>`); defaults to the placeholder. */
  readonly ssoIdentifier?: string;
}

export const SSO_IDENTIFIER_PLACEHOLDER = '<sso-identifier>';

const VERSION = 'Date:2024-06-19T14:53:12.7416198Z, ActivityId:d0147501-641d-43af-86e6-8139fda68d3e';
const SOURCE_DIRECTORY = 'Microsoft Entra ID';
const TARGET_DIRECTORY = 'customappsso';

export function entraMappingSchema(options: EntraMappingOptions = {}): JsonObject {
  const ssoIdentifier = options.ssoIdentifier ?? SSO_IDENTIFIER_PLACEHOLDER;
  if (/["\\\r\n]/.test(ssoIdentifier)) {
    throw new RangeError('ssoIdentifier cannot contain quotes, backslashes or newlines');
  }
  return {
    '@odata.context':
      "https://graph.microsoft.com/beta/$metadata#servicePrincipals('2045d3ad-b99c-43cb-9500-c2d43c11ab0d')/synchronization/jobs('scim.4e3cbf0ec6524caebd1fca7a38924e91.62a7b0b0-6944-459f-8069-2a9db95822aa')/schema/$entity",
    id: 'scim.4e3cbf0ec6524caebd1fca7a38924e91.62a7b0b0-6944-459f-8069-2a9db95822aa',
    version: VERSION,
    synchronizationRules: [synchronizationRule(ssoIdentifier)],
    'directories@odata.context':
      "https://graph.microsoft.com/beta/$metadata#servicePrincipals('21236dad-c2dd-4115-a7c5-ba2e8492383f')/synchronization/jobs('scim.a11566781e524385a43bc0a5b414d402.15d09d02-dedc-41b2-99ee-ea459511be5c')/schema/directories",
    directories: [sourceDirectory(), targetDirectory()],
  };
}

// ---- synchronization rule ----

function synchronizationRule(ssoIdentifier: string): JsonObject {
  return {
    containerFilter: null,
    editable: true,
    groupFilter: null,
    id: '03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8',
    name: 'USERGROUP_OUTBOUND_USERGROUP',
    priority: 1,
    sourceDirectoryName: SOURCE_DIRECTORY,
    targetDirectoryName: TARGET_DIRECTORY,
    metadata: [
      { key: 'defaultSourceObjectMappings', value: JSON.stringify(defaultSourceObjectMappings()) },
      { key: 'supportsProvisionOnDemand', value: 'true' },
    ],
    objectMappings: [groupObjectMapping(), userObjectMapping(ssoIdentifier)],
  };
}

function groupObjectMapping(): JsonObject {
  return {
    enabled: true,
    flowTypes: 'Add,Update,Delete',
    name: 'Provision Azure Active Directory Groups',
    scope: null,
    sourceObjectName: 'Group',
    targetObjectName: SCHEMA_URN.coreGroup,
    attributeMappings: [
      attributeMapping('displayName', attributeSource('displayName'), {
        defaultValue: null,
        matchingPriority: 1,
      }),
      attributeMapping('members', attributeSource('members'), { defaultValue: null }),
      attributeMapping('description', attributeSource('description')),
      attributeMapping(`${SCHEMA_URN.signpathGroup}:isDirectorySynchronized`, constantSource('true')),
    ],
    metadata: objectMappingMetadata('displayName'),
  };
}

function userObjectMapping(ssoIdentifier: string): JsonObject {
  return {
    enabled: true,
    flowTypes: 'Add,Update,Delete',
    name: 'Provision Azure Active Directory Users',
    scope: null,
    sourceObjectName: 'User',
    targetObjectName: SCHEMA_URN.enterpriseUser,
    attributeMappings: [
      attributeMapping('active', isSoftDeletedSwitch()),
      attributeMapping('emails[type eq "work"].value', attributeSource('mail')),
      attributeMapping('userName', attributeSource('displayName'), {
        defaultValue: null,
        matchingPriority: 2,
      }),
      attributeMapping('externalId', appendSource(`${ssoIdentifier}:`, 'objectId'), { matchingPriority: 1 }),
      attributeMapping(
        'roles',
        functionSource('AppRoleAssignmentsComplex', [['source', attributeSource('appRoleAssignments')]]),
      ),
      attributeMapping(`${SCHEMA_URN.signpathUser}:isDirectorySynchronized`, constantSource('true')),
    ],
    metadata: objectMappingMetadata('userName'),
  };
}

function attributeMapping(
  targetAttributeName: string,
  source: JsonObject,
  options: { defaultValue?: string | null; matchingPriority?: number } = {},
): JsonObject {
  return {
    defaultValue: options.defaultValue === undefined ? '' : options.defaultValue,
    exportMissingReferences: false,
    flowBehavior: 'FlowWhenChanged',
    flowType: 'Always',
    matchingPriority: options.matchingPriority ?? 0,
    targetAttributeName,
    source,
  };
}

function attributeSource(name: string): JsonObject {
  return { expression: `[${name}]`, name, type: 'Attribute', parameters: [] };
}

function constantSource(value: string): JsonObject {
  return { expression: `"${value}"`, name: value, type: 'Constant', parameters: [] };
}

function functionSource(name: string, parameters: readonly (readonly [string, JsonObject])[]): JsonObject {
  const expression = `${name}(${parameters.map(([, value]) => String(value['expression'])).join(', ')})`;
  return {
    expression,
    name,
    type: 'Function',
    parameters: parameters.map(([key, value]) => ({ key, value })),
  };
}

/** `Append(source, suffix)`: `Append("acme-sso:", [objectId])`. */
function appendSource(prefix: string, attribute: string): JsonObject {
  return functionSource('Append', [
    ['source', constantSource(prefix)],
    ['suffix', attributeSource(attribute)],
  ]);
}

/** `Switch([IsSoftDeleted], , "False", "True", "True", "False")`: soft-deleted or out of scope → inactive. */
function isSoftDeletedSwitch(): JsonObject {
  const switchValues = ['False', 'True', 'True', 'False'].map(
    (value) => ['switchValue', constantSource(value)] as const,
  );
  const source = functionSource('Switch', [['source', attributeSource('IsSoftDeleted')], ...switchValues]);
  // Entra writes the empty default argument as `, ,`.
  return { ...source, expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")' };
}

function objectMappingMetadata(originalJoiningProperty: string): JsonObject[] {
  return [
    { key: 'IsCustomerDefined', value: 'false' },
    { key: 'DisableMonitoringForChanges', value: 'false' },
    { key: 'Disposition', value: '"Normal"' },
    { key: 'ExcludeFromReporting', value: 'false' },
    { key: 'EscrowBehavior', value: '"Default"' },
    { key: 'Unsynchronized', value: 'false' },
    { key: 'OriginalJoiningProperty', value: originalJoiningProperty },
  ];
}

/** The rule's `defaultSourceObjectMappings` metadata, in Entra's PascalCase serialisation. */
function defaultSourceObjectMappings(): JsonObject[] {
  const mapping = (
    target: string,
    joining: string,
    attributes: readonly (readonly [string, string | null, number])[],
  ): JsonObject => ({
    AttributeMappings: attributes.map(([name, defaultValue, priority]) => ({
      DefaultValue: defaultValue,
      ExportMissingReferences: false,
      FlowBehavior: 0,
      FlowType: 0,
      MatchingPriority: priority,
      Source: null,
      TargetAttributeName: name,
    })),
    DisableMonitoringForChanges: false,
    Disposition: 0,
    Enabled: false,
    EscrowBehavior: 1,
    FlowTypes: 7,
    Internal: false,
    IsCustomerDefined: false,
    Name: null,
    OriginalJoiningProperty: joining,
    Scope: null,
    SourceObjectName: '',
    Synchronized: false,
    TargetObjectName: target,
    Unsynchronized: false,
  });
  return [
    mapping('User', 'displayName', [
      ['objectId', null, 2],
      ['IsSoftDeleted', 'False', 0],
      ['accountEnabled', 'True', 0],
      ['displayName', null, 1],
      ['preferredLanguage', 'en-US', 0],
    ]),
    mapping('Group', 'displayName', [
      ['displayName', null, 1],
      ['mailEnabled', 'False', 0],
      ['securityEnabled', 'True', 0],
    ]),
    mapping('ServicePrincipal', 'displayName', [['displayName', null, 1]]),
    mapping('Application', 'appId', [['appId', null, 1]]),
    mapping('AppRole', 'displayName', [
      ['allowedMemberTypes', 'User', 0],
      ['description', '.', 0],
      ['displayName', null, 1],
      ['isEnabled', 'True', 0],
    ]),
    mapping('AppRoleAssignment', 'id', [['id', null, 1]]),
  ];
}

// ---- directories ----

interface DirectoryAttribute {
  readonly name: string;
  readonly type?: 'String' | 'Boolean' | 'Reference';
  readonly required?: boolean;
  readonly multivalued?: boolean;
  readonly anchor?: boolean;
  readonly readOnly?: boolean;
  readonly metadata?: readonly JsonObject[];
  readonly references?: readonly string[];
}

function directoryAttribute(attribute: DirectoryAttribute): JsonObject {
  return {
    anchor: attribute.anchor ?? false,
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    multivalued: attribute.multivalued ?? false,
    mutability: attribute.readOnly ? 'ReadOnly' : 'ReadWrite',
    name: attribute.name,
    required: attribute.required ?? false,
    type: attribute.type ?? 'String',
    apiExpressions: [],
    metadata: attribute.metadata ?? [],
    referencedObjects: (attribute.references ?? []).map((name) => ({
      referencedObjectName: name,
      referencedProperty: null,
    })),
  };
}

function directoryObject(
  name: string,
  attributes: readonly DirectoryAttribute[],
  metadata: readonly (readonly [string, string])[],
): JsonObject {
  return {
    name,
    supportedApis: [name],
    attributes: attributes.map(directoryAttribute),
    metadata: metadata.map(([key, value]) => ({ key, value })),
  };
}

const objectMetadata = (
  softDeletion: boolean,
  storage: boolean,
  synchronizeAll: boolean,
): [string, string][] => [
  ['IsSoftDeletionSupported', String(softDeletion)],
  ['ConnectorDataStorageRequired', String(storage)],
  ['IsSynchronizeAllSupported', String(synchronizeAll)],
];
const SOFT_DELETED: [string, string] = ['PropertyNameSoftDeleted', 'IsSoftDeleted'];

const extensionAttributes = (): DirectoryAttribute[] =>
  Array.from({ length: 15 }, (_, index) => ({ name: `extensionAttribute${index + 1}` }));

/** Entra's serialisation of the AppRole complex type, nested inside other attributes' metadata. */
function appRoleDefinition(): JsonObject {
  const attribute = (name: string, extra: JsonObject = {}): JsonObject => ({
    apiExpressions: [],
    metadata: [],
    ...extra,
    name,
  });
  return {
    definition: {
      attributes: [
        { anchor: true, apiExpressions: [], metadata: [], name: 'id', required: true },
        { apiExpressions: [], metadata: [], multivalued: true, name: 'allowedMemberTypes', required: true },
        { ...attribute('description'), required: true },
        { ...attribute('displayName'), required: true },
        { ...attribute('isEnabled'), required: true, type: 'Boolean' },
        attribute('origin'),
        attribute('value'),
      ],
      metadata: objectMetadata(false, false, false).map(([key, value]) => ({ key, value })),
      name: 'AppRole',
      supportedApis: ['AppRole'],
    },
    mapping: {
      attributeMappings: [
        { defaultValue: 'User', targetAttributeName: 'allowedMemberTypes' },
        { defaultValue: '.', targetAttributeName: 'description' },
        { matchingPriority: 1, targetAttributeName: 'displayName' },
        { defaultValue: 'True', targetAttributeName: 'isEnabled' },
      ],
      flowTypes: 'Add, Update, Delete',
      metadata: objectMappingMetadata('displayName'),
      sourceObjectName: '',
      targetObjectName: 'AppRole',
    },
  };
}

function appRoleAssignmentDefinition(): JsonObject {
  const attribute = (name: string, required = false): JsonObject => ({
    apiExpressions: [],
    metadata: [],
    name,
    ...(required ? { required: true } : {}),
  });
  return {
    definition: {
      attributes: [
        { anchor: true, apiExpressions: [], metadata: [], name: 'objectId' },
        attribute('id', true),
        {
          apiExpressions: [],
          metadata: [complexObjectDefinition(appRoleDefinition())],
          name: 'entitlement',
          required: true,
        },
        attribute('principalId', true),
        attribute('principalType', true),
        attribute('resourceId', true),
        attribute('resourceDisplayName', true),
        attribute('servicePrincipalApplicationIdentifier'),
        attribute('displayName'),
        attribute('value'),
      ],
      metadata: [...objectMetadata(true, false, false), SOFT_DELETED].map(([key, value]) => ({ key, value })),
      name: 'AppRoleAssignment',
      supportedApis: ['AppRoleAssignment'],
    },
    mapping: {
      attributeMappings: [{ matchingPriority: 1, targetAttributeName: 'id' }],
      flowTypes: 'Add, Update, Delete',
      metadata: objectMappingMetadata('id'),
      sourceObjectName: '',
      targetObjectName: 'AppRoleAssignment',
    },
  };
}

function complexObjectDefinition(definition: JsonObject): JsonObject {
  return { key: 'ComplexObjectDefinition', value: JSON.stringify(definition) };
}

function sourceDirectory(): JsonObject {
  const appRoleAssignments: DirectoryAttribute = {
    name: 'appRoleAssignments',
    type: 'Reference',
    metadata: [complexObjectDefinition(appRoleAssignmentDefinition())],
  };
  const appRoles: DirectoryAttribute = {
    name: 'appRoles',
    required: true,
    metadata: [complexObjectDefinition(appRoleDefinition())],
  };
  const user = directoryObject(
    'User',
    [
      { name: 'objectId', anchor: true },
      { name: 'IsSoftDeleted', type: 'Boolean', required: true },
      { name: 'accountEnabled', type: 'Boolean', required: true },
      ...['streetAddress', 'city', 'state', 'postalCode', 'country', 'companyName', 'department'].map(
        (name) => ({ name }),
      ),
      ...['employeeId', 'employeeHireDate', 'employeeLeaveDateTime', 'employeeType'].map((name) => ({
        name,
      })),
      { name: 'employeeOrgData.costCenter' },
      { name: 'employeeOrgData.division' },
      { name: 'dirSyncEnabled', type: 'Boolean' },
      { name: 'displayName', required: true },
      { name: 'immutableId' },
      appRoleAssignments,
      ...extensionAttributes(),
      { name: 'facsimileTelephoneNumber' },
      { name: 'givenName' },
      { name: 'jobTitle' },
      { name: 'mail' },
      { name: 'mailNickname', required: true },
      { name: 'manager', type: 'Reference', references: ['User'] },
      { name: 'mobile' },
      { name: 'onPremisesSecurityIdentifier' },
      { name: 'originalUserPrincipalName' },
      { name: 'otherMails', multivalued: true },
      { name: 'passwordProfile.password', required: true, metadata: [{ key: 'Secret', value: 'true' }] },
      { name: 'physicalDeliveryOfficeName' },
      { name: 'preferredLanguage', required: true },
      { name: 'proxyAddresses', multivalued: true },
      { name: 'surname', required: true },
      { name: 'telephoneNumber' },
      { name: 'usageLocation' },
      { name: 'userPrincipalName', required: true },
    ],
    [...objectMetadata(true, true, true), ['PropertyNameAccountEnabled', 'accountEnabled'], SOFT_DELETED],
  );
  const group = directoryObject(
    'Group',
    [
      { name: 'objectId', anchor: true },
      { name: 'displayName', required: true },
      appRoleAssignments,
      { name: 'mail' },
      { name: 'description' },
      { name: 'isPublic', type: 'Boolean' },
      { name: 'mailEnabled', type: 'Boolean', required: true },
      { name: 'mailNickname', required: true },
      { name: 'onPremisesSecurityIdentifier' },
      { name: 'visibility' },
      {
        name: 'members',
        type: 'Reference',
        multivalued: true,
        metadata: [{ key: 'IsContainer', value: 'true' }],
        references: ['Group', 'User'],
      },
      { name: 'proxyAddresses', multivalued: true },
      { name: 'securityEnabled', type: 'Boolean', required: true },
      { name: 'groupTypes', multivalued: true },
      { name: 'creationOptions', multivalued: true },
      ...extensionAttributes(),
    ],
    [...objectMetadata(false, true, true), SOFT_DELETED],
  );
  const servicePrincipal = directoryObject(
    'ServicePrincipal',
    [
      { name: 'objectId', anchor: true },
      { name: 'displayName', required: true },
      { name: 'appId', required: true },
      appRoles,
      { name: 'microsoftFirstParty', type: 'Boolean' },
      { name: 'homepage' },
      { name: 'appMetadata', readOnly: true },
      { name: 'tags', multivalued: true },
      { name: 'applicationTemplateId' },
    ],
    [...objectMetadata(false, false, false), SOFT_DELETED],
  );
  const application = directoryObject(
    'Application',
    [
      { name: 'objectId', anchor: true },
      { name: 'appId', required: true },
      { name: 'appMetadata', readOnly: true },
      { name: 'displayName' },
      appRoles,
      { name: 'homepage' },
      { name: 'identifierUris', multivalued: true, required: true },
      { name: 'replyUrls', multivalued: true, required: true },
    ],
    objectMetadata(false, false, false),
  );
  const appRole = directoryObject(
    'AppRole',
    [
      { name: 'id', anchor: true, required: true },
      { name: 'allowedMemberTypes', multivalued: true, required: true },
      { name: 'description', required: true },
      { name: 'displayName', required: true },
      { name: 'isEnabled', type: 'Boolean', required: true },
      { name: 'origin' },
      { name: 'value' },
    ],
    objectMetadata(false, false, false),
  );
  const appRoleAssignment = directoryObject(
    'AppRoleAssignment',
    [
      { name: 'objectId', anchor: true },
      { name: 'id', required: true },
      { name: 'entitlement', required: true, metadata: [complexObjectDefinition(appRoleDefinition())] },
      { name: 'principalId', required: true },
      { name: 'principalType', required: true },
      { name: 'resourceId', required: true },
      { name: 'resourceDisplayName', required: true },
      { name: 'servicePrincipalApplicationIdentifier' },
      { name: 'displayName' },
      { name: 'value' },
    ],
    [...objectMetadata(true, false, false), SOFT_DELETED],
  );
  return {
    id: '66e4a8cc-1b7b-435e-95f8-f06cea133828',
    discoveryDateTime: null,
    discoverabilities: 'AttributeNames,AttributeDataTypes',
    name: SOURCE_DIRECTORY,
    readOnly: true,
    version: VERSION,
    objects: [user, group, servicePrincipal, application, appRole, appRoleAssignment],
  };
}

function targetDirectory(): JsonObject {
  const id: DirectoryAttribute = { name: 'id', anchor: true, required: true };
  const group = directoryObject(
    SCHEMA_URN.coreGroup,
    [
      id,
      { name: 'displayName', required: true },
      {
        name: 'members',
        type: 'Reference',
        multivalued: true,
        metadata: [{ key: 'IsContainer', value: 'true' }],
        references: [SCHEMA_URN.enterpriseUser, SCHEMA_URN.coreGroup],
      },
      { name: 'description' },
      { name: `${SCHEMA_URN.signpathGroup}:isDirectorySynchronized`, type: 'Boolean' },
    ],
    objectMetadata(false, true, false),
  );
  const user = directoryObject(
    SCHEMA_URN.enterpriseUser,
    [
      id,
      { name: 'active', type: 'Boolean' },
      { name: 'emails[type eq "work"].value' },
      { name: 'userName', required: true },
      { name: 'externalId' },
      { name: 'roles', multivalued: true },
      { name: `${SCHEMA_URN.signpathUser}:isDirectorySynchronized`, type: 'Boolean' },
    ],
    objectMetadata(false, true, false),
  );
  return {
    id: '09760868-cafb-47ac-9031-0a3262300427',
    discoveryDateTime: null,
    discoverabilities: 'None',
    name: TARGET_DIRECTORY,
    readOnly: false,
    version: VERSION,
    objects: [group, user],
  };
}
