import { HttpException, HttpStatus } from '@nestjs/common';
import { isDatabaseUnavailable, isDataException } from '#persistence';
import { ScimError } from '#scim-protocol';
import { isScimPath } from '#scim';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ClassifiedError {
  status: number;
  scimType?: string;
  detail: string;
  /** Set for failures that are ours, not the caller's: they are logged with their stack. */
  unexpected?: boolean;
  headers?: Record<string, string>;
}

export interface RenderedError {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  classified: ClassifiedError;
}

/** Errors raised by Fastify itself (body parsing, limits) carry a status code and an FST_ code. */
function fastifyError(error: unknown): { statusCode: number; code: string; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const record = error as Error & { statusCode?: unknown; code?: unknown };
  if (typeof record.statusCode !== 'number' || typeof record.code !== 'string') return undefined;
  return { statusCode: record.statusCode, code: record.code, message: record.message };
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof ScimError) {
    const classified: ClassifiedError = {
      status: error.status,
      scimType: error.scimType,
      detail: error.detail,
    };
    if (error.retryAfterSeconds !== undefined) {
      classified.headers = { 'retry-after': String(error.retryAfterSeconds) };
    }
    return classified;
  }
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own 4xx errors (body parsing, limits) in an HttpException.
    if (fastifyError(error.cause)) return classifyError(error.cause);
    const status = error.getStatus();
    const headers: Record<string, string> = {};
    if (status === Number(HttpStatus.UNAUTHORIZED)) headers['www-authenticate'] = 'Bearer realm="scim"';
    // e.g. a change refused because its audit row could not be written: Entra retries on its own.
    if (status === Number(HttpStatus.SERVICE_UNAVAILABLE)) headers['retry-after'] = '5';
    return { status, detail: httpExceptionDetail(error), headers };
  }
  const fastify = fastifyError(error);
  if (fastify && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { status: 413, detail: 'The request body is larger than this server accepts.' };
    }
    if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return { status: 415, detail: 'Send the body as application/scim+json or application/json.' };
    }
    const invalidJson = fastify.code.startsWith('FST_ERR_CTP') || error instanceof SyntaxError;
    return {
      status: fastify.statusCode,
      scimType: fastify.statusCode === 400 && invalidJson ? 'invalidSyntax' : undefined,
      detail: invalidJson ? `The request body is not valid JSON: ${fastify.message}` : fastify.message,
    };
  }
  // SQLSTATE class 22: the database refused a value the request carried (a number out of range, a
  // character it cannot store). The boundary check catches the known cases; this is the backstop.
  if (isDataException(error)) {
    return {
      status: 400,
      scimType: 'invalidValue',
      detail: 'A value in the request cannot be stored (it is out of range or not valid text).',
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      detail: 'The directory database is unavailable right now; retry later.',
      headers: { 'retry-after': '5' },
    };
  }
  return { status: 500, detail: 'An unexpected error occurred; it has been logged.', unexpected: true };
}

/** One rendering for every error: the RFC 7644 envelope under /scim, plain JSON elsewhere. */
export function renderError(error: unknown, url: string, requestId: string): RenderedError {
  const classified = classifyError(error);
  const headers = { ...classified.headers };
  if (isScimPath(url)) {
    const body: Record<string, unknown> = { schemas: [SCIM_ERROR_SCHEMA], status: String(classified.status) };
    if (classified.scimType) body.scimType = classified.scimType;
    body.detail = classified.detail;
    return { status: classified.status, contentType: SCIM_CONTENT_TYPE, headers, body, classified };
  }
  // Outside /scim an HttpException's own object body is the contract (e.g. the health report).
  const own = error instanceof HttpException ? error.getResponse() : undefined;
  const body =
    own !== null &&
    typeof own === 'object' &&
    !fastifyError(error instanceof HttpException ? error.cause : undefined)
      ? { ...(own as Record<string, unknown>), requestId }
      : { statusCode: classified.status, message: classified.detail, requestId };
  return {
    status: classified.status,
    contentType: 'application/json; charset=utf-8',
    headers,
    body,
    classified,
  };
}
