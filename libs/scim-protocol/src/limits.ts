/**
 * Size limits the SCIM protocol layer enforces on request bodies, in one place. They are fixed (not
 * configurable): they are sized from what Microsoft Entra ID sends, with two orders of magnitude to
 * spare, and exist so that no single request can hold the event loop (a PATCH of 10,000 filtered
 * `emails` adds used to take 35 s of CPU). Over a limit the client gets 400 `invalidValue` naming
 * the limit: RFC 7644 §3.12's `tooMany` is about a filter yielding too many results, while
 * `invalidValue` is "the value specified was not compatible with the operation or attribute", and
 * both limits are about the request's values. See docs/limits.md.
 */
import { ScimError } from './scim.error.js';
import { type ResourceTypeName } from './schemas.definition.js';

/**
 * Operations per PATCH request, counted after path-less operations are expanded into one operation
 * per attribute.
 *
 * Why 1,000: Entra sends one operation per changed attribute of a user (its largest documented user
 * PATCH has six, `entra-client.md` §3.3 P5), and group membership changes as one `Add`/`Remove`
 * operation of `members` carrying many values (G5/G6), whose values are not operations and are
 * bounded by the body size limit instead. Only the flag form's member removal
 * (`members[value eq "<id>"]`, G7) spends one operation per member; the reference documents no
 * batch size for it, and 1,000 removals in one request leaves a wide margin over any observed
 * shape. Peers cap similar requests: Zitadel accepts at most 100 operations per Bulk request
 * (`peers.md`), IBM Verify at most 2,500 member modifications per group PATCH. At 1,000 operations
 * on attributes of at most 100 entries, the largest accepted PATCH costs well under a second of CPU.
 */
export const MAX_PATCH_OPERATIONS = 1_000;

/**
 * Entries in one multi-valued attribute of a resource (`emails`, `phoneNumbers`, `addresses`,
 * `roles`, `ims`, `photos`, `entitlements`, `x509Certificates`, and any array an unknown attribute
 * holds), except a group's `members`: a group may have 100,000 members, which are kept in SQL and
 * never held as a JSON array (member values per request are bounded by the body size limit).
 *
 * Why 100: Entra maps one work e-mail, a few phone numbers and addresses, and the user's app roles
 * (the connector knows six) per user; nothing in the directory model needs more than a handful.
 * 100 keeps every scan of an attribute in PATCH application short: an operation visits at most
 * 100 elements (a few passes), whatever the number of operations before it.
 */
export const MAX_MULTI_VALUED_ENTRIES = 100;

/** Whether `attribute` of `resourceType` is held to MAX_MULTI_VALUED_ENTRIES (all but Group `members`). */
export function isEntryLimited(resourceType: ResourceTypeName, attribute: string): boolean {
  return !(resourceType === 'Group' && attribute.toLowerCase() === 'members');
}

/** 400 `invalidValue` for a multi-valued attribute that would hold `count` entries. */
export function tooManyEntries(label: string, count: number): ScimError {
  return ScimError.invalidValue(
    `attribute '${label}' would hold ${count} entries; a multi-valued attribute holds at most ` +
      `${MAX_MULTI_VALUED_ENTRIES} (MAX_MULTI_VALUED_ENTRIES)`,
  );
}

/**
 * Refuses an array value of more than MAX_MULTI_VALUED_ENTRIES entries for `attribute` (POST/PUT
 * attributes, PATCH values), unless the attribute is exempt.
 */
export function assertEntryLimit(
  resourceType: ResourceTypeName,
  attribute: string,
  value: unknown,
  label: string = attribute,
): void {
  if (!Array.isArray(value) || value.length <= MAX_MULTI_VALUED_ENTRIES) return;
  if (!isEntryLimited(resourceType, attribute)) return;
  throw tooManyEntries(label, value.length);
}

/** 400 `invalidValue` for a PATCH request with more than `max` operations. */
export function tooManyOperations(count: number | string, max: number = MAX_PATCH_OPERATIONS): ScimError {
  return ScimError.invalidValue(
    `PATCH request has ${count} operations; at most ${max} are accepted per request ` +
      '(MAX_PATCH_OPERATIONS, counted after expanding operations without a path)',
  );
}
