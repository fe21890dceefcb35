import { SCIM_ERROR_SCHEMA } from './scim.error.js';

/**
 * The single in-code definition of every schema this server speaks. Discovery documents, attribute
 * resolution, PATCH validation and projection all read from here, so they cannot drift apart.
 */

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly subAttributes?: readonly AttributeDefinition[];
  readonly referenceTypes?: readonly string[];
  readonly canonicalValues?: readonly string[];
  /**
   * Internal, not published: a readOnly fact of the server's that Entra's mapping nevertheless
   * writes (a constant). Such writes are accepted and ignored instead of refused with `mutability`,
   * so Entra's requests keep working while discovery tells the truth.
   */
  readonly writesIgnored?: boolean;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceTypeDefinition {
  readonly id: ResourceTypeName;
  readonly name: ResourceTypeName;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

export const SCHEMA_URN = {
  coreUser: 'urn:ietf:params:scim:schemas:core:2.0:User',
  coreGroup: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  signpathUser: 'urn:ietf:params:scim:schemas:extension:signpath:2.0:User',
  signpathGroup: 'urn:ietf:params:scim:schemas:extension:signpath:2.0:Group',
} as const;

export const MESSAGE_URN = {
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: SCIM_ERROR_SCHEMA,
} as const;

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attribute(
  name: string,
  type: AttributeType,
  description: string,
  options: AttributeOptions = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const str = (name: string, description: string, options?: AttributeOptions): AttributeDefinition =>
  attribute(name, 'string', description, options);
const bool = (name: string, description: string, options?: AttributeOptions): AttributeDefinition =>
  attribute(name, 'boolean', description, options);
const ref = (
  name: string,
  description: string,
  referenceTypes: readonly string[],
  options?: AttributeOptions,
): AttributeDefinition => attribute(name, 'reference', description, { referenceTypes, ...options });
const complex = (
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options?: AttributeOptions,
): AttributeDefinition => attribute(name, 'complex', description, { subAttributes, ...options });

/** The `value`/`display`/`type`/`primary` quartet RFC 7643 §2.4 gives most multi-valued attributes. */
function multiValuedComplex(
  name: string,
  description: string,
  kind: string,
  canonicalTypes: readonly string[] | undefined,
  options: {
    value?: AttributeDefinition;
    extra?: readonly AttributeDefinition[];
    mutability?: Mutability;
  } = {},
): AttributeDefinition {
  const subMutability = options.mutability ?? 'readWrite';
  const typeAttribute = str('type', `A label indicating the ${kind}'s function.`, {
    mutability: subMutability,
    ...(canonicalTypes ? { canonicalValues: canonicalTypes } : {}),
  });
  return complex(
    name,
    description,
    [
      options.value ?? str('value', `The ${kind} value.`, { mutability: subMutability }),
      str('display', `A human-readable name, primarily used for display purposes.`, {
        mutability: subMutability,
      }),
      typeAttribute,
      bool('primary', `A Boolean value indicating the 'primary' or preferred ${kind}.`, {
        mutability: subMutability,
      }),
      ...(options.extra ?? []),
    ],
    { multiValued: true, mutability: subMutability },
  );
}

/**
 * Common attributes (RFC 7643 §3.1). RFC 7643 keeps them out of resource schemas, but §3.1 allows
 * listing them and Entra only offers target attributes it can discover (externalId is a mapped,
 * matching attribute), so the core schemas below include them.
 */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  str('id', 'Unique identifier for the SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  str('externalId', 'A string identifier for the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  complex(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      str('resourceType', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'dateTime', 'The date and time the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      attribute('lastModified', 'dateTime', 'The most recent date and time the resource was modified.', {
        mutability: 'readOnly',
      }),
      ref('location', 'The URI of the resource being returned.', ['uri'], {
        caseExact: true,
        mutability: 'readOnly',
      }),
      str('version', 'The version (ETag) of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly', returned: 'always' },
  ),
];

const USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...COMMON_ATTRIBUTES,
  str('userName', 'Unique identifier for the User, typically used by the user to directly authenticate.', {
    required: true,
    uniqueness: 'server',
  }),
  complex('name', "The components of the user's real name.", [
    str(
      'formatted',
      'The full name, including all middle names, titles, and suffixes, formatted for display.',
    ),
    str('familyName', 'The family name of the User, or last name.'),
    str('givenName', 'The given name of the User, or first name.'),
    str('middleName', 'The middle name(s) of the User.'),
    str('honorificPrefix', "The honorific prefix(es) of the User, or title (e.g., 'Ms.')."),
    str('honorificSuffix', "The honorific suffix(es) of the User, or suffix (e.g., 'III')."),
  ]),
  str('displayName', 'The name of the User, suitable for display to end-users.'),
  str('nickName', 'The casual way to address the user in real life.'),
  ref('profileUrl', "A fully qualified URL pointing to a page representing the User's online profile.", [
    'external',
  ]),
  str('title', "The user's title, such as 'Vice President'."),
  str('userType', 'Used to identify the relationship between the organization and the user.'),
  str('preferredLanguage', "Indicates the User's preferred written or spoken language."),
  str('locale', "Used to indicate the User's default location for localization purposes."),
  str('timezone', "The User's time zone in the 'Olson' time zone database format."),
  bool('active', "A Boolean value indicating the User's administrative status."),
  str('password', "The User's cleartext password; never returned.", {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValuedComplex('emails', 'Email addresses for the user.', 'email address', ['work', 'home', 'other']),
  multiValuedComplex('phoneNumbers', 'Phone numbers for the User.', 'phone number', [
    'work',
    'home',
    'mobile',
    'fax',
    'pager',
    'other',
  ]),
  multiValuedComplex('ims', 'Instant messaging addresses for the User.', 'instant messaging address', [
    'aim',
    'gtalk',
    'icq',
    'xmpp',
    'msn',
    'skype',
    'qq',
    'yahoo',
  ]),
  multiValuedComplex('photos', 'URLs of photos of the User.', 'photo', ['photo', 'thumbnail'], {
    value: ref('value', 'URL of a photo of the User.', ['external']),
  }),
  complex(
    'addresses',
    'A physical mailing address for this User.',
    [
      str('formatted', 'The full mailing address, formatted for display or use with a mailing label.'),
      str('streetAddress', 'The full street address component.'),
      str('locality', 'The city or locality component.'),
      str('region', 'The state or region component.'),
      str('postalCode', 'The zip code or postal code component.'),
      str('country', 'The country name component.'),
      str('type', "A label indicating the address' function.", {
        canonicalValues: ['work', 'home', 'other'],
      }),
      bool('primary', "A Boolean value indicating the 'primary' or preferred address."),
    ],
    { multiValued: true },
  ),
  multiValuedComplex(
    'groups',
    'A list of groups to which the user belongs.',
    'group',
    ['direct', 'indirect'],
    {
      value: str('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
      extra: [
        ref('$ref', "The URI of the corresponding 'Group' resource.", ['User', 'Group'], {
          mutability: 'readOnly',
        }),
      ],
      mutability: 'readOnly',
    },
  ),
  multiValuedComplex('entitlements', 'A list of entitlements for the User.', 'entitlement', undefined),
  multiValuedComplex(
    'roles',
    'A list of roles for the User (the application roles Entra assigns).',
    'role',
    undefined,
    {
      // The product's global roles (libs/roles; a test keeps the two lists equal). The protocol
      // layer names them here rather than importing the domain.
      value: str('value', 'The role value: one of the global roles.', {
        canonicalValues: [
          'GlobalAdministrator',
          'CertificateAdministrator',
          'UserAdministrator',
          'ProjectAdministrator',
          'GlobalReader',
          'RegularUser',
        ],
      }),
    },
  ),
  multiValuedComplex(
    'x509Certificates',
    'A list of certificates issued to the User.',
    'certificate',
    undefined,
    {
      value: attribute('value', 'binary', 'The value of an X.509 certificate.'),
    },
  ),
];

const GROUP_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...COMMON_ATTRIBUTES,
  // Entra matches groups by displayName and requires it unique (not an RFC requirement).
  str('displayName', 'A human-readable name for the Group.', { required: true, uniqueness: 'server' }),
  complex(
    'members',
    'A list of members of the Group.',
    [
      str('value', 'Identifier of the member of this Group.', { mutability: 'immutable' }),
      ref(
        '$ref',
        'The URI corresponding to a SCIM resource that is a member of this Group.',
        ['User', 'Group'],
        {
          mutability: 'immutable',
        },
      ),
      str('type', 'A label indicating the type of resource, e.g., User or Group.', {
        mutability: 'immutable',
        canonicalValues: ['User', 'Group'],
      }),
      str('display', 'A human-readable name for the member.', { mutability: 'readOnly' }),
    ],
    { multiValued: true },
  ),
  // Not in RFC 7643's Group; Entra's customappsso target maps group description to it, unqualified.
  str('description', 'A description of the Group.'),
];

const ENTERPRISE_USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person.'),
  str('costCenter', 'Identifies the name of a cost center.'),
  str('organization', 'Identifies the name of an organization.'),
  str('division', 'Identifies the name of a division.'),
  str('department', 'Identifies the name of a department.'),
  complex('manager', "The User's manager.", [
    str('value', "The id of the SCIM resource representing the User's manager."),
    ref('$ref', "The URI of the SCIM resource representing the User's manager.", ['User']),
    str('displayName', "The displayName of the User's manager.", { mutability: 'readOnly' }),
  ]),
];

/** The server's own fact (SCIM writes make it true; writes of it are ignored): readOnly. */
const isDirectorySynchronized = (kind: string): AttributeDefinition =>
  bool('isDirectorySynchronized', `Marks the ${kind} as managed by directory synchronization.`, {
    mutability: 'readOnly',
    writesIgnored: true,
  });

export const SCHEMAS: readonly SchemaDefinition[] = [
  { id: SCHEMA_URN.coreUser, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  { id: SCHEMA_URN.coreGroup, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
  {
    id: SCHEMA_URN.enterpriseUser,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: ENTERPRISE_USER_ATTRIBUTES,
  },
  {
    id: SCHEMA_URN.signpathUser,
    name: 'SignPathUser',
    description: 'SignPath User extension',
    attributes: [isDirectorySynchronized('user')],
  },
  {
    id: SCHEMA_URN.signpathGroup,
    name: 'SignPathGroup',
    description: 'SignPath Group extension',
    attributes: [isDirectorySynchronized('group')],
  },
];

export const RESOURCE_TYPES: Readonly<Record<ResourceTypeName, ResourceTypeDefinition>> = {
  User: {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: SCHEMA_URN.coreUser,
    schemaExtensions: [
      { schema: SCHEMA_URN.enterpriseUser, required: false },
      { schema: SCHEMA_URN.signpathUser, required: false },
    ],
  },
  Group: {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: SCHEMA_URN.coreGroup,
    schemaExtensions: [{ schema: SCHEMA_URN.signpathGroup, required: false }],
  },
};

export function getSchema(id: string): SchemaDefinition | undefined {
  const lower = id.toLowerCase();
  return SCHEMAS.find((schema) => schema.id.toLowerCase() === lower);
}

/** Core schema first, then its extensions: the order unqualified names are resolved in. */
export function schemasOf(resourceType: ResourceTypeName): readonly SchemaDefinition[] {
  const type = RESOURCE_TYPES[resourceType];
  return [type.schema, ...type.schemaExtensions.map((e) => e.schema)].map((id) => {
    const schema = getSchema(id);
    if (!schema) throw new Error(`schema ${id} is not defined`);
    return schema;
  });
}
