/**
 * Query parameters of list/search requests (RFC 7644 §3.4.2, §3.4.3) and the ListResponse.
 *
 * Decisions: parameter names are matched case-insensitively and unknown parameters are ignored
 * (Entra's feature flags may show up in the URL); empty values count as absent; `startIndex` < 1
 * becomes 1 and negative `count` becomes 0 (RFC 7644 §3.4.2.4), `count` is capped at the configured
 * maximum; non-integer numbers are 400 `invalidValue`; a `sortBy` naming no known attribute, a
 * complex attribute without sub-attribute, or a never-returned attribute is 400 `invalidValue`
 * (RFC 7644 leaves this open; `invalidFilter` would point the client at the wrong parameter);
 * a repeated scalar parameter is 400 (`invalidFilter` for `filter`, else `invalidValue`).
 */
import { resolveAttribute } from './attribute.resolver.js';
import { type Filter } from './filter.ast.js';
import { type FilterParseOptions, parseFilter } from './filter.parser.js';
import { type JsonObject, getCaseInsensitive, isPlainObject } from './json.util.js';
import { MESSAGE_URN, type ResourceTypeName } from './schemas.definition.js';
import { ScimError } from './scim.error.js';

export type SortOrder = 'ascending' | 'descending';

export interface ListQuery {
  readonly filter?: Filter;
  /** 1-based. */
  readonly startIndex: number;
  /** 0 asks for totalResults only. */
  readonly count: number;
  /** Canonical attribute path (`name.familyName`, URN-qualified for extensions). */
  readonly sortBy?: string;
  readonly sortOrder: SortOrder;
  readonly attributes?: string[];
  readonly excludedAttributes?: string[];
}

export interface ListQueryOptions extends FilterParseOptions {
  readonly resourceType: ResourceTypeName;
  readonly defaultCount: number;
  readonly maxCount: number;
}

export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export function parseListQuery(params: QueryParams, options: ListQueryOptions): ListQuery {
  const scalar = (name: string): string | undefined => scalarParam(params, name);
  const list = (name: string): string[] | undefined => listParam(params, name);
  return buildQuery(
    {
      filter: scalar('filter'),
      startIndex: scalar('startIndex'),
      count: scalar('count'),
      sortBy: scalar('sortBy'),
      sortOrder: scalar('sortOrder'),
      attributes: list('attributes'),
      excludedAttributes: list('excludedAttributes'),
    },
    options,
  );
}

/** `POST /.search` body (RFC 7644 §3.4.3); numbers may be JSON numbers or strings. */
export function parseSearchRequest(body: unknown, options: ListQueryOptions): ListQuery {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('search request body must be a JSON object');
  const text = (name: string): string | undefined => searchScalar(body, name);
  const list = (name: string): string[] | undefined => searchList(body, name);
  return buildQuery(
    {
      filter: text('filter'),
      startIndex: text('startIndex'),
      count: text('count'),
      sortBy: text('sortBy'),
      sortOrder: text('sortOrder'),
      attributes: list('attributes'),
      excludedAttributes: list('excludedAttributes'),
    },
    options,
  );
}

export interface ListResponse<T> {
  schemas: [typeof MESSAGE_URN.listResponse];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: T[];
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return {
    schemas: [MESSAGE_URN.listResponse],
    totalResults,
    itemsPerPage: resources.length,
    startIndex,
    Resources: resources,
  };
}

interface RawQuery {
  readonly filter?: string | undefined;
  readonly startIndex?: string | undefined;
  readonly count?: string | undefined;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly attributes?: string[] | undefined;
  readonly excludedAttributes?: string[] | undefined;
}

function buildQuery(raw: RawQuery, options: ListQueryOptions): ListQuery {
  const startIndex = Math.max(1, parseInteger(raw.startIndex, 'startIndex') ?? 1);
  const requestedCount = parseInteger(raw.count, 'count') ?? options.defaultCount;
  const count = Math.min(Math.max(0, requestedCount), options.maxCount);
  const sortBy = raw.sortBy === undefined ? undefined : canonicalSortBy(raw.sortBy, options.resourceType);
  return {
    ...(raw.filter !== undefined ? { filter: parseFilter(raw.filter, options) } : {}),
    startIndex,
    count,
    ...(sortBy !== undefined ? { sortBy } : {}),
    sortOrder: parseSortOrder(raw.sortOrder),
    ...(raw.attributes && raw.attributes.length > 0 ? { attributes: raw.attributes } : {}),
    ...(raw.excludedAttributes && raw.excludedAttributes.length > 0
      ? { excludedAttributes: raw.excludedAttributes }
      : {}),
  };
}

function parseInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw ScimError.invalidValue(`'${name}' must be an integer, got ${JSON.stringify(value)}`);
  }
  const number = Number(trimmed);
  return Math.min(Math.max(number, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

function parseSortOrder(value: string | undefined): SortOrder {
  if (value === undefined) return 'ascending';
  const lower = value.trim().toLowerCase();
  if (lower === 'ascending' || lower === 'descending') return lower;
  throw ScimError.invalidValue(
    `'sortOrder' must be "ascending" or "descending", got ${JSON.stringify(value)}`,
  );
}

function canonicalSortBy(value: string, resourceType: ResourceTypeName): string {
  const resolved = resolveAttribute(resourceType, value.trim());
  if (!resolved) throw ScimError.invalidValue(`cannot sort by ${JSON.stringify(value)}: unknown attribute`);
  if (resolved.definition.type === 'complex') {
    throw ScimError.invalidValue(
      `cannot sort by '${resolved.path}': name a sub-attribute, e.g. '${resolved.path}.value'`,
    );
  }
  if (resolved.definition.returned === 'never') {
    throw ScimError.invalidValue(`cannot sort by '${resolved.path}'`);
  }
  return resolved.path;
}

function paramValues(params: QueryParams, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return values.filter((value) => value.trim() !== '');
}

function scalarParam(params: QueryParams, name: string): string | undefined {
  const values = paramValues(params, name);
  if (values.length > 1) {
    const message = `query parameter '${name}' may be given only once`;
    throw name === 'filter' ? ScimError.invalidFilter(message) : ScimError.invalidValue(message);
  }
  return values[0];
}

function listParam(params: QueryParams, name: string): string[] | undefined {
  const values = paramValues(params, name);
  return values.length === 0 ? undefined : splitAttributeList(values);
}

function splitAttributeList(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function searchScalar(body: JsonObject, name: string): string | undefined {
  const value = getCaseInsensitive(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw name === 'filter'
    ? ScimError.invalidFilter(`'filter' must be a string`)
    : ScimError.invalidValue(`'${name}' has an invalid value`);
}

function searchList(body: JsonObject, name: string): string[] | undefined {
  const value = getCaseInsensitive(body, name);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (!items.every((item): item is string => typeof item === 'string')) {
    throw ScimError.invalidValue(`'${name}' must be a list of attribute names`);
  }
  return splitAttributeList(items);
}
