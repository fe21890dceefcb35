const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SCIM ids are opaque strings: anything that is not a UUID simply matches nothing, instead of
 * reaching PostgreSQL and failing the uuid cast.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
