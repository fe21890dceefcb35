import { isPlainObject, type JsonObject } from './json.util.js';
import { schemasOf, type ResourceTypeName } from './schemas.definition.js';

/**
 * Names that carry a credential wherever they appear: `password` itself, Entra's
 * `passwordProfile.password`, and custom attributes such as `initialPassword` or `clientSecret`.
 * Matched on any key at any depth, so an unknown extension cannot smuggle a secret into storage.
 */
const SECRET_NAME = /pass(word|wd|phrase)|secret/i;

/** Attribute names (lower case) the schemas of a resource type mark `returned: never`. */
function neverReturned(resourceType: ResourceTypeName): ReadonlySet<string> {
  const names = new Set<string>();
  for (const schema of schemasOf(resourceType)) {
    for (const attribute of schema.attributes) {
      if (attribute.returned === 'never') names.add(attribute.name.toLowerCase());
    }
  }
  return names;
}

const NEVER_RETURNED: Readonly<Record<ResourceTypeName, ReadonlySet<string>>> = {
  User: neverReturned('User'),
  Group: neverReturned('Group'),
};

/**
 * The resource without any secret: attributes the schema marks `returned: never` (top level and in
 * extension objects) and any key named like a credential whose value is text or a number (flags
 * such as `forceChangePasswordNextSignIn` are not secrets). The connector
 * never needs a password (users sign in through SSO), so such values are dropped before anything is
 * stored; RFC 7643 section 7 lets a service provider ignore them.
 */
export function withoutSecrets(resource: JsonObject, resourceType: ResourceTypeName): JsonObject {
  const never = NEVER_RETURNED[resourceType];
  const strip = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) return value.map((item) => strip(item, depth + 1));
    if (!isPlainObject(value)) return value;
    const kept: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      if (depth <= 1 && never.has(key.toLowerCase())) continue;
      if (SECRET_NAME.test(key) && (typeof item === 'string' || typeof item === 'number')) continue;
      kept[key] = strip(item, depth + 1);
    }
    return kept;
  };
  return strip(resource, 0) as JsonObject;
}
