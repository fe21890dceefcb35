/**
 * Parses an RFC 7644 §3.5.2 PatchOp body into validated, normalised operations.
 *
 * Leniency (see README): `op` and the body's keys are case-insensitive (`Add`, `Operations`,
 * `Value`); a body without `schemas` is accepted when it has `Operations` (a `schemas` that lacks
 * the PatchOp URN is rejected, because it is some other message); a path-less `add`/`replace`
 * is expanded into one operation per key of its value (dotted keys, URN-qualified keys and
 * extension objects all work); ops on `schemas` are ignored; unknown attributes and unknown
 * extension URNs are kept with `known: false`. Values are normalised per `patch.values.ts`.
 */
import { type FilterParseOptions } from './filter.parser.js';
import { type JsonObject, getCaseInsensitive, isPlainObject } from './json.util.js';
import { MAX_PATCH_OPERATIONS, assertEntryLimit, tooManyOperations } from './limits.js';
import { type PatchPath, parsePatchPath } from './patch.path.js';
import { normalizePatchValue } from './patch.values.js';
import { MESSAGE_URN, type ResourceTypeName, getSchema, schemasOf } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

export type PatchOpType = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: PatchOpType;
  /** Always present: path-less operations are expanded into one operation per attribute. */
  readonly path: PatchPath;
  /**
   * Normalised value. Absent only for `remove` without a value; `null` on add/replace means
   * "clear". A `remove` may carry a value: Entra's legacy member removal lists the members to remove.
   */
  readonly value?: unknown;
}

export interface PatchParseOptions extends FilterParseOptions {
  /**
   * Upper bound on operations per request (after expansion); RFC 7644 has none, a server needs one.
   * Defaults to MAX_PATCH_OPERATIONS (`limits.ts`).
   */
  readonly maxOperations?: number;
}

/** @deprecated use MAX_PATCH_OPERATIONS from `limits.ts`. */
export const DEFAULT_MAX_PATCH_OPERATIONS = MAX_PATCH_OPERATIONS;

export function parsePatchRequest(
  body: unknown,
  resourceType: ResourceTypeName,
  options: PatchParseOptions = {},
): PatchOperation[] {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('PATCH body must be a JSON object');
  assertPatchSchema(body);
  const operations = getCaseInsensitive(body, 'Operations');
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax("PATCH body must have an 'Operations' array");
  if (operations.length === 0) {
    throw ScimError.invalidSyntax("'Operations' must contain at least one operation");
  }
  const maxOperations = options.maxOperations ?? MAX_PATCH_OPERATIONS;
  // Refused before any operation is parsed, so an oversized request costs no more than reading it.
  if (operations.length > maxOperations) throw tooManyOperations(operations.length, maxOperations);
  const result: PatchOperation[] = [];
  operations.forEach((operation: unknown, index) => {
    result.push(...parseOperation(operation, index, resourceType, options));
    if (result.length > maxOperations) throw tooManyOperations(`more than ${maxOperations}`, maxOperations);
  });
  return result;
}

function assertPatchSchema(body: JsonObject): void {
  const schemas = getCaseInsensitive(body, 'schemas');
  if (schemas === undefined) return;
  const listed = Array.isArray(schemas) ? (schemas as unknown[]) : [schemas];
  const hasPatchOp = listed.some(
    (schema) => typeof schema === 'string' && schema.toLowerCase() === MESSAGE_URN.patchOp.toLowerCase(),
  );
  if (!hasPatchOp) {
    throw ScimError.invalidSyntax(`PATCH body 'schemas' must contain "${MESSAGE_URN.patchOp}"`);
  }
}

function parseOperation(
  operation: unknown,
  index: number,
  resourceType: ResourceTypeName,
  options: FilterParseOptions,
): PatchOperation[] {
  const where = `Operations[${index}]`;
  if (!isPlainObject(operation)) throw ScimError.invalidSyntax(`${where} must be an object`);
  const op = parseOpType(getCaseInsensitive(operation, 'op'), where);
  const rawPath = getCaseInsensitive(operation, 'path');
  const hasValue = hasCaseInsensitive(operation, 'value');
  const value = getCaseInsensitive(operation, 'value');

  if (rawPath === undefined || rawPath === null || (typeof rawPath === 'string' && rawPath.trim() === '')) {
    if (op === 'remove') throw ScimError.noTarget(`${where}: 'remove' requires a 'path'`);
    if (!hasValue) throw ScimError.invalidValue(`${where}: '${op}' requires a 'value'`);
    if (!isPlainObject(value)) {
      throw ScimError.invalidValue(
        `${where}: '${op}' without 'path' needs an object of attributes as 'value'`,
      );
    }
    return expandPathless(op, value, resourceType, options);
  }
  if (typeof rawPath !== 'string') throw ScimError.invalidPath(`${where}: 'path' must be a string`);
  if (op !== 'remove' && !hasValue) throw ScimError.invalidValue(`${where}: '${op}' requires a 'value'`);

  const extension = extensionSchemaNamed(rawPath.trim(), resourceType);
  if (extension && op === 'remove' && (!hasValue || value === null)) {
    // RFC 7644 §3.5.2.2: removing an extension's URN removes the whole extension object, i.e.
    // every attribute it defines (an emptied extension object is dropped with its last attribute).
    return (getSchema(extension)?.attributes ?? []).flatMap((attribute) =>
      buildOperation('remove', `${extension}:${attribute.name}`, undefined, resourceType, options),
    );
  }
  if (extension && op !== 'remove' && isPlainObject(value)) {
    // `path: "urn:…:enterprise:2.0:User"` with an object value addresses the whole extension.
    return expandExtension(op, extension, value, resourceType, options);
  }
  const operationValue = op === 'remove' && (!hasValue || value === null) ? undefined : value;
  return buildOperation(op, rawPath, operationValue, resourceType, options);
}

function parseOpType(op: unknown, where: string): PatchOpType {
  if (typeof op !== 'string') {
    throw ScimError.invalidSyntax(`${where}: 'op' must be one of add, replace, remove`);
  }
  const lower = op.trim().toLowerCase();
  if (lower === 'add' || lower === 'replace' || lower === 'remove') return lower;
  throw ScimError.invalidSyntax(
    `${where}: unknown op ${JSON.stringify(op)}; expected add, replace or remove`,
  );
}

function hasCaseInsensitive(object: JsonObject, name: string): boolean {
  return Object.keys(object).some((key) => key.toLowerCase() === name);
}

/** Path-less add/replace: every key of the value is itself a path (RFC 7644 §3.5.2.1/§3.5.2.3). */
function expandPathless(
  op: PatchOpType,
  value: JsonObject,
  resourceType: ResourceTypeName,
  options: FilterParseOptions,
): PatchOperation[] {
  const result: PatchOperation[] = [];
  for (const [key, item] of Object.entries(value)) {
    const urn = key.trim();
    const schema = extensionSchemaNamed(urn, resourceType);
    if ((schema || isUrnObjectKey(urn)) && isPlainObject(item)) {
      result.push(...expandExtension(op, schema ?? urn, item, resourceType, options));
      continue;
    }
    result.push(...buildOperation(op, key, item, resourceType, options));
  }
  return result;
}

function expandExtension(
  op: PatchOpType,
  urn: string,
  value: JsonObject,
  resourceType: ResourceTypeName,
  options: FilterParseOptions,
): PatchOperation[] {
  return Object.entries(value).flatMap(([key, item]) =>
    buildOperation(op, `${urn}:${key}`, item, resourceType, options),
  );
}

function buildOperation(
  op: PatchOpType,
  rawPath: string,
  value: unknown,
  resourceType: ResourceTypeName,
  options: FilterParseOptions,
): PatchOperation[] {
  const path = parsePatchPath(rawPath, resourceType, options);
  if (!path.known && path.container === undefined && path.name.toLowerCase() === 'schemas') return [];
  assertMutable(op, path, value);
  if (value === undefined) return [{ op, path }];
  // An array value is checked before normalisation; a filtered path's value is one element.
  if (!path.valueFilter && path.subAttribute === undefined) {
    assertEntryLimit(resourceType, path.name, value, path.raw);
  }
  return [{ op, path, value: normalizePatchValue(path, value) }];
}

function assertMutable(op: PatchOpType, path: PatchPath, value: unknown): void {
  if (!path.known || !path.definition) return;
  const target = path.subDefinition ?? path.definition;
  if (target.writesIgnored) return;
  if (path.definition.mutability === 'readOnly' || target.mutability === 'readOnly') {
    throw ScimError.mutability(`attribute '${path.raw}' is readOnly and cannot be modified`);
  }
  if (op === 'replace' && target.mutability === 'immutable' && path.subDefinition) {
    throw ScimError.mutability(`attribute '${path.raw}' is immutable and cannot be replaced`);
  }
  const clears = op === 'remove' || value === null;
  const wholeAttribute = !path.subDefinition && !path.valueFilter;
  if (clears && wholeAttribute && path.definition.required) {
    throw ScimError.invalidValue(`attribute '${path.raw}' is required and cannot be removed`);
  }
}

function extensionSchemaNamed(name: string, resourceType: ResourceTypeName): string | undefined {
  const lower = name.toLowerCase();
  return schemasOf(resourceType)
    .slice(1)
    .find((schema) => schema.id.toLowerCase() === lower)?.id;
}

/**
 * A key like `urn:ietf:params:scim:schemas:extension:acme:2.0:User` whose value is an object is an
 * extension object (Entra sends custom extensions that way), not an attribute named `User`:
 * schema names are capitalised, attribute names are camelCase.
 */
function isUrnObjectKey(key: string): boolean {
  return /^urn:/i.test(key) && /:[A-Z][^:]*$/.test(key);
}
