import { isUuid } from '#persistence';
import {
  AUDIT_OPERATIONS,
  AUDIT_RESOURCE_TYPES,
  type AuditOperation,
  type AuditResourceType,
} from './audit-event.types.js';
import type { ManualOperation, ManualResourceType } from './audit-sources.js';
import { storableJson, storableQuery, storableText, storableUnparsedBody } from './audit.redaction.js';
import type { RequestAudit, StoredEffect } from './request-audit.state.js';

/**
 * Largest before/after value of one changed attribute, as JSON. A bigger one (a multi-valued
 * attribute with thousands of entries) keeps a preview, so the rest of the effect (member counts,
 * consequences) always fits in the stored effect.
 */
const MAX_CHANGED_VALUE_CHARS = 8 * 1024;

function boundedEffect<T extends Pick<StoredEffect, 'changed'>>(effect: T): T {
  if (!effect.changed) return effect;
  const bounded = (value: unknown): unknown =>
    JSON.parse(storableJson(value, { maxChars: MAX_CHANGED_VALUE_CHARS })) as unknown;
  const changed = Object.fromEntries(
    Object.entries(effect.changed).map(([path, change]) => [
      path,
      { before: bounded(change.before), after: bounded(change.after) },
    ]),
  );
  return { ...effect, changed };
}

/** Longest stored text per column: enough for any real request, bounded for hostile ones. */
const TEXT_LIMITS = {
  path: 2_048,
  query: 8_192,
  userAgent: 512,
  clientAddress: 128,
  value: 1_024,
  detail: 4_096,
};

export interface ScimRequestPath {
  /** The organization id segment of the URL, as written (not yet known to exist). */
  organizationId?: string;
  dryRun: boolean;
  /** `Users`, `Groups`, `ServiceProviderConfig`, `ResourceTypes`, `Schemas`, `.search`, or anything else. */
  resource?: string;
  /** The segment after the resource (`/Users/{id}`), decoded. */
  resourceId?: string;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Splits `/scim/{organizationId}[/dry-run]/{resource}[/{id}]` (query string excluded). */
export function parseScimPath(path: string): ScimRequestPath {
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments[0] !== 'scim') return { dryRun: false };
  const organizationId = segments[1] === undefined ? undefined : decodeSegment(segments[1]);
  const dryRun = segments[2] === 'dry-run';
  const rest = segments.slice(dryRun ? 3 : 2);
  return {
    organizationId,
    dryRun,
    resource: rest[0] === undefined ? undefined : decodeSegment(rest[0]),
    resourceId: rest[1] === undefined ? undefined : decodeSegment(rest.slice(1).join('/')),
  };
}

const RESOURCE_TYPES: Readonly<Record<string, AuditResourceType>> = {
  Users: 'User',
  Groups: 'Group',
  ServiceProviderConfig: 'ServiceProviderConfig',
  ResourceTypes: 'ResourceType',
  Schemas: 'Schema',
};
const DISCOVERY = new Set(['ServiceProviderConfig', 'ResourceTypes', 'Schemas']);

/** Entra's Test connection: a filter on one attribute equal to a random GUID (reference/entra-client.md). */
const GUID_PROBE =
  /^\s*[A-Za-z][\w.:-]*\s+eq\s+"?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"?\s*$/i;

export function isTestConnectionFilter(filter: string | undefined): boolean {
  return filter !== undefined && GUID_PROBE.test(filter);
}

function filterOf(query: string | undefined): string | undefined {
  if (!query) return undefined;
  return new URLSearchParams(query).get('filter') ?? undefined;
}

/** The operation a request is, from its method and route, when the handler did not say. */
export function inferOperation(method: string, path: ScimRequestPath): AuditOperation | null {
  const { resource, resourceId } = path;
  if (resource !== undefined && DISCOVERY.has(resource)) return 'discovery';
  if (method === 'POST' && (resource === '.search' || resourceId === '.search')) return 'query';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return resourceId === undefined && (resource === 'Users' || resource === 'Groups') ? 'query' : 'read';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'replace';
    case 'PATCH':
      return 'update';
    case 'DELETE':
      return 'delete';
    default:
      return null;
  }
}

export interface RequestFacts {
  method: string;
  /** The URL as received: path and query string. */
  url: string;
  requestId: string;
  clientAddress?: string;
  userAgent?: string;
  /** The parsed body (undefined when there was none or it did not parse). */
  body: unknown;
  contentLength?: number;
  status: number;
  durationMs: number;
}

/** A row of sync_audit_events, ready for the INSERT (JSON columns as JSON text). */
export interface AuditEventRow {
  occurredAt: Date;
  /** Known to exist (the guard resolved it), or null: see `organizationCandidate`. */
  organizationId: string | null;
  /** The URL's organization id when its existence is still to be checked at insert time. */
  organizationCandidate: string | null;
  tokenId: string | null;
  userId: string | null;
  requestId: string;
  clientAddress: string | null;
  userAgent: string | null;
  method: string;
  path: string;
  query: string | null;
  dryRun: boolean;
  operation: AuditOperation | null;
  resourceType: AuditResourceType | null;
  resourceId: string | null;
  externalId: string | null;
  userName: string | null;
  displayName: string | null;
  status: number;
  outcome: 'success' | 'failure';
  scimType: string | null;
  detail: string | null;
  durationMs: number;
  requestBody: string | null;
  effect: string | null;
}

function pick<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

/** What a SCIM request was, as its audit row and the request metrics name it. */
export interface ScimRequestKind {
  dryRun: boolean;
  operation: AuditOperation | null;
  resourceType: AuditResourceType | null;
}

/** The request's operation and resource type: what the handler described, else from its route. */
export function classifyScimRequest(audit: RequestAudit, method: string, url: string): ScimRequestKind {
  const [rawPath = '', rawQuery] = splitUrl(url);
  return classify(audit, method, parseScimPath(rawPath), rawQuery);
}

function classify(
  audit: RequestAudit,
  method: string,
  path: ScimRequestPath,
  rawQuery: string | undefined,
): ScimRequestKind {
  const described = audit.described();
  let operation = described.operation ?? inferOperation(method, path);
  // Entra's probe, whether it succeeded or was refused (a wrong token fails Test connection with
  // 401, which support wants to see as such); a GUID filter that found someone is a real query.
  const resultCount = audit.resultCount();
  if (
    operation === 'query' &&
    method === 'GET' &&
    path.resourceId === undefined &&
    (path.resource === 'Users' || path.resource === 'Groups') &&
    !(resultCount !== undefined && resultCount > 0) &&
    isTestConnectionFilter(filterOf(rawQuery))
  ) {
    operation = 'test-connection';
  }

  const resourceType =
    described.resourceType ??
    (path.resource === undefined ? undefined : RESOURCE_TYPES[path.resource]) ??
    null;
  return {
    dryRun: path.dryRun,
    operation: pick(operation, AUDIT_OPERATIONS),
    resourceType: pick(resourceType, AUDIT_RESOURCE_TYPES),
  };
}

/** Everything known about a request, turned into its audit row: inferred, masked and capped. */
export function buildAuditRow(audit: RequestAudit, facts: RequestFacts): AuditEventRow {
  const [rawPath = '', rawQuery] = splitUrl(facts.url);
  const path = parseScimPath(rawPath);
  const described = audit.described();
  const outcome = facts.status < 400 ? 'success' : 'failure';
  const { operation, resourceType } = classify(audit, facts.method, path, rawQuery);
  const resourceIdFromPath =
    path.resourceId !== undefined && path.resourceId !== '.search' ? path.resourceId : undefined;
  const resourceId = described.resourceId !== undefined ? described.resourceId : (resourceIdFromPath ?? null);

  const urlOrganization =
    path.organizationId !== undefined && isUuid(path.organizationId) ? path.organizationId : null;
  const callerOrganization = audit.caller?.organizationId;
  const resolved = urlOrganization !== null && callerOrganization === urlOrganization;

  const failure = outcome === 'failure' ? audit.failure : undefined;
  const body =
    facts.body !== undefined && facts.body !== null
      ? storableJson(facts.body, { sizeBytes: facts.contentLength })
      : audit.unparsedBody !== undefined
        ? JSON.stringify({ $unparsed: storableUnparsedBody(audit.unparsedBody) })
        : null;
  // A failed request changed nothing (its transaction rolled back), so only successes carry an
  // effect; for a dry-run success it is the effect that would have happened.
  const effect = outcome === 'success' ? audit.storedEffect() : null;

  return {
    occurredAt: audit.occurredAt,
    organizationId: resolved ? urlOrganization : null,
    organizationCandidate: resolved ? null : urlOrganization,
    tokenId: audit.caller?.tokenId ?? null,
    userId: audit.caller?.userId ?? null,
    requestId: storableText(facts.requestId, TEXT_LIMITS.value) ?? '',
    clientAddress: storableText(facts.clientAddress, TEXT_LIMITS.clientAddress),
    userAgent: storableText(facts.userAgent, TEXT_LIMITS.userAgent),
    method: facts.method.slice(0, 16),
    path: storableText(rawPath, TEXT_LIMITS.path) ?? '',
    query: rawQuery === undefined || rawQuery === '' ? null : storableQuery(rawQuery, TEXT_LIMITS.query),
    dryRun: path.dryRun,
    operation,
    resourceType,
    resourceId: storableText(resourceId, TEXT_LIMITS.value),
    externalId: storableText(described.externalId, TEXT_LIMITS.value),
    userName: storableText(described.userName, TEXT_LIMITS.value),
    displayName: storableText(described.displayName, TEXT_LIMITS.value),
    status: facts.status,
    outcome,
    scimType: failure?.scimType ?? null,
    detail: failure ? storableText(failure.detail, TEXT_LIMITS.detail) : null,
    durationMs: Math.max(0, Math.round(facts.durationMs)),
    requestBody: body,
    effect: effect === null ? null : storableJson(boundedEffect(effect)),
  };
}

function splitUrl(url: string): [string, string | undefined] {
  const index = url.indexOf('?');
  return index === -1 ? [url, undefined] : [url.slice(0, index), url.slice(index + 1)];
}

/** One change made through the management API, as the management module reports it to the audit. */
export interface ManualAuditChange {
  /** When the change was made (right before its transaction commits). */
  occurredAt: Date;
  organizationId: string;
  /** The API token that made the request. */
  tokenId: string;
  /** The token's user: the acting user. */
  userId: string;
  requestId: string;
  clientAddress?: string;
  userAgent?: string;
  method: string;
  /** Without the query string. */
  path: string;
  /** The status the request answers (the change commits, so a success). */
  status: number;
  durationMs: number;
  operation: ManualOperation;
  resourceType: ManualResourceType;
  resourceId: string;
  /** A name people recognise (userName, displayName, project name), kept after a delete. */
  label?: string;
  effect?: { changed?: Record<string, { before: unknown; after: unknown }>; [key: string]: unknown };
}

/** A manual change as a row of sync_audit_events (source 'manual'), ready for the INSERT. */
export interface ManualAuditRow {
  occurredAt: Date;
  organizationId: string;
  tokenId: string;
  userId: string;
  requestId: string;
  clientAddress: string | null;
  userAgent: string | null;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  operation: ManualOperation;
  resourceType: ManualResourceType;
  resourceId: string;
  userName: string | null;
  displayName: string | null;
  /** JSON text. */
  effect: string | null;
}

/**
 * A manual change turned into its row, masked and capped exactly like a SCIM request's. The label
 * goes where the audit API looks a name up: a user's into `user_name`, any other's (group,
 * project, signing policy, permission, token) into `display_name`.
 */
export function buildManualAuditRow(change: ManualAuditChange): ManualAuditRow {
  const label = storableText(change.label, TEXT_LIMITS.value);
  const effect =
    change.effect === undefined || Object.keys(change.effect).length === 0
      ? null
      : storableJson(boundedEffect(change.effect));
  return {
    occurredAt: change.occurredAt,
    organizationId: change.organizationId,
    tokenId: change.tokenId,
    userId: change.userId,
    requestId: storableText(change.requestId, TEXT_LIMITS.value) ?? '',
    clientAddress: storableText(change.clientAddress, TEXT_LIMITS.clientAddress),
    userAgent: storableText(change.userAgent, TEXT_LIMITS.userAgent),
    method: change.method.slice(0, 16),
    path: storableText(change.path, TEXT_LIMITS.path) ?? '',
    status: change.status,
    durationMs: Math.max(0, Math.round(change.durationMs)),
    operation: change.operation,
    resourceType: change.resourceType,
    resourceId: storableText(change.resourceId, TEXT_LIMITS.value) ?? '',
    userName: change.resourceType === 'User' ? label : null,
    displayName: change.resourceType === 'User' ? null : label,
    effect,
  };
}
