import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { BadRequestException } from '@nestjs/common';
import type { ConnectionError } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '#config';
import { describeUnstorableInput, findUnstorableInput } from '#persistence';
import { maskSecrets, noteAuditAggregation, auditedJsonParser, registerSyncAuditHooks } from '#audit-log';
import { ScimError, scimErrorBody } from '#scim-protocol';
import { isScimPath } from '#scim';
import { ScimLimiter, registerScimLimitHooks } from '#limits';
import { ConnectorMetrics } from '#metrics';
import { SCIM_CONTENT_TYPE } from './error.renderer.js';
import { PROBLEM_CONTENT_TYPE, problemDetails } from './problem-details.js';
import { sendError } from './all-exceptions.filter.js';
import { setupOpenApi } from './openapi.setup.js';
import { RequestLogController } from './request-log.js';

/**
 * A caller's request id is kept only when it looks like one: short, plain characters, and nothing
 * the audit would mask as a credential (a JWT pasted into X-Request-Id must not reach a log line).
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function acceptedRequestId(given: unknown): string | undefined {
  return typeof given === 'string' && REQUEST_ID.test(given) && maskSecrets(given) === given
    ? given
    : undefined;
}

/**
 * The 429 of a refusal. Made once per detail and wait (a few dozen in all), not per request: a
 * flood of refusals should not pay for an Error's stack trace each.
 */
const refusals = new Map<string, ScimError>();
function tooManyRequests(refusal: { detail: string; retryAfterSeconds: number }): ScimError {
  const key = `${refusal.retryAfterSeconds}|${refusal.detail}`;
  let error = refusals.get(key);
  if (!error) {
    error = ScimError.tooManyRequests(refusal.detail, refusal.retryAfterSeconds);
    if (refusals.size < 1_000) refusals.set(key, error);
  }
  return error;
}

/**
 * A percent-encoded unreserved character is that character (RFC 3986 §6.2.2.2). The router
 * decodes a path before it matches a route, so without this `/%73cim/...` would reach the SCIM
 * routes while the audit, the limits and the logs, which read the URL, saw another path. Other
 * escapes stay as they are (upper-cased, their normal form).
 */
export function normalizedUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!path.includes('%')) return url;
  const normal = path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(character) ? character : escape.toUpperCase();
  });
  return queryAt === -1 ? normal : `${normal}${url.slice(queryAt)}`;
}

/** The management and audit APIs; not their OpenAPI document and UI, which touch no database. */
function isLimitedApiPath(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

/** `/api/v1/organizations/{organizationId}/...`; the audit API's paths name none (one shared budget). */
function apiOrganizationOf(url: string): string | undefined {
  const segments = url.split('?', 1)[0]!.split('/');
  return segments[3] === 'organizations' ? segments[4] : undefined;
}

/** A hop count as the function Fastify would make of it (the adapter's option type omits numbers). */
function trustProxyOption(
  trust: AppConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address: string, hop: number) => hop < trust;
}

/**
 * Node's answer to a request it could not parse (431 for headers or a URL over the limit, 408, 400),
 * in the SCIM envelope when the request line names a /scim path and as problem details otherwise.
 * There is no request object yet: the raw bytes Node kept are all there is to go by, and there is
 * no request id to quote (nothing was logged under one).
 */
function clientErrorHandler(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line or headers are larger than this server accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'The request is not valid HTTP.'];
  // Fastify's type describes rawPacket as a serialized Buffer; at run time it is Node's Buffer.
  const raw: unknown = error.rawPacket;
  const requestLine = Buffer.isBuffer(raw) ? raw.subarray(0, 64).toString('latin1') : '';
  const scim = /^[A-Z]+ \/scim\//.test(requestLine);
  const body = JSON.stringify(scim ? scimErrorBody(status, detail) : problemDetails({ status, detail }));
  const type = scim ? SCIM_CONTENT_TYPE : PROBLEM_CONTENT_TYPE;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: ${type}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** `logger` is the process's one pino logger (logging/logger.ts): redaction and format are set there. */
export function createFastifyAdapter(config: AppConfig, logger: Logger): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    // One line per request, at completion, with the caller (http/request-log.ts).
    logController: new RequestLogController(logger),
    rewriteUrl: (request: IncomingMessage) => normalizedUrl(request.url ?? '/'),
    // Honour a caller's (or ingress's) request id when it is sane, so logs can be joined up.
    genReqId: (request: IncomingMessage) =>
      acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    bodyLimit: config.scimBodyLimitBytes,
    // `/Users/` is `/Users`: Microsoft's own SCIM Postman collection sends `GET /Users/?filter=`.
    routerOptions: { ignoreTrailingSlash: true },
    // Requests Node refuses before routing (a URL beyond the header limit) still answer in the
    // caller's format: the SCIM envelope under /scim.
    clientErrorHandler,
    // Whose X-Forwarded-For to believe for request.ip (TRUST_PROXY): the limits and the audit key
    // on the client address, which behind an ingress is only the real one when this is set.
    trustProxy: trustProxyOption(config.trustProxy),
    // Drain on shutdown without resets (see HttpDrain, started by main.ts): requests on sockets
    // that are still open are served, with `Connection: close`; Fastify must not answer them 503
    // without an audit row, nor destroy sockets whose next request is already on the wire.
    return503OnClosing: false,
    forceCloseConnections: false,
  });
}

/** Body parsing, content types and request ids (the request log line is RequestLogController's). */
export function configureFastify(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('publicBaseUrl', '');
  // Entra sends bodies as application/scim+json; parse them exactly like application/json. Both
  // parsers keep a body that does not parse on the request's audit record.
  fastify.addContentTypeParser(
    'application/scim+json',
    { parseAs: 'string' },
    auditedJsonParser(fastify.getDefaultJsonParser('error', 'ignore')),
  );
  // Nest's own application/json parser, wrapped the same way (through Nest, which would otherwise
  // add its default one at init).
  app.useBodyParser(
    'application/json',
    {},
    auditedJsonParser(fastify.getDefaultJsonParser('error', 'error')),
  );
  registerSyncAuditHooks(app, isScimPath);
  setupOpenApi(app);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    request.publicBaseUrl = config.publicBaseUrl ?? `${request.protocol}://${request.host}`;
  });
  const refusalsMetric = app.get(ConnectorMetrics).rateLimitRefusals;
  // After the audit (which records refusals) and the request id, before the body is read and
  // before the token guard's database lookup: per-organization rate and concurrency, and
  // addresses / token prefixes that keep failing authentication (docs/limits.md).
  registerScimLimitHooks(fastify, new ScimLimiter(config.scimLimits), {
    isLimited: isScimPath,
    refusalDelayMs: config.scimLimits.refusalDelayMs,
    refuse: (request, reply, refusal) => sendError(tooManyRequests(refusal), request, reply),
    onRefused: (request, refusal) => {
      refusalsMetric.inc({ kind: refusal.kind });
      noteAuditAggregation(request, refusal.kind === 'authentication-failures' ? 'source' : 'organization');
    },
  });
  // The management and audit APIs have limiters of their own with the same settings, so an
  // administrator's script can neither take Entra's budget nor flood the database unchecked.
  const apiRefusalsMetric = app.get(ConnectorMetrics).apiRateLimitRefusals;
  registerScimLimitHooks(fastify, new ScimLimiter(config.scimLimits), {
    name: 'api',
    isLimited: isLimitedApiPath,
    organizationOf: apiOrganizationOf,
    isAuthenticated: (request) =>
      request.managementPrincipal !== undefined || request.auditReader !== undefined,
    refusalDelayMs: config.scimLimits.refusalDelayMs,
    refuse: (request, reply, refusal) => sendError(tooManyRequests(refusal), request, reply),
    onRefused: (_request, refusal) => apiRefusalsMetric.inc({ kind: refusal.kind }),
  });
  // Text PostgreSQL cannot hold (U+0000, unpaired surrogates) and absurd nesting are the caller's
  // mistake: refused here, naming where, before any query could fail on them with a 500.
  fastify.addHook('preValidation', async (request) => {
    const inParameters = findUnstorableInput(request.params) ?? findUnstorableInput(request.query);
    const inBody = inParameters ? undefined : findUnstorableInput(request.body);
    const problem = inParameters ?? inBody;
    if (!problem) return;
    const detail = describeUnstorableInput(problem, inParameters ? 'parameter' : 'attribute');
    throw isScimPath(request.url) ? ScimError.invalidValue(detail) : new BadRequestException(detail);
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (isScimPath(request.url) && (type === undefined || String(type).startsWith('application/json'))) {
      void reply.header('content-type', SCIM_CONTENT_TYPE);
    }
    return payload;
  });
}
