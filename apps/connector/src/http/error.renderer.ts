import { HttpException, HttpStatus } from '@nestjs/common';
import { isDatabaseUnavailable, isDataException } from '#persistence';
import { ScimError, scimErrorBody, type ScimErrorBody, type ScimType } from '#scim-protocol';
import { isScimPath } from '#scim';
import { PROBLEM_CONTENT_TYPE, problemDetails, type ProblemDetails } from './problem-details.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export interface ClassifiedError {
  status: number;
  scimType?: ScimType;
  detail: string;
  /** An API's own problem code (the management API's), with its title and the field at fault. */
  code?: string;
  title?: string;
  field?: string;
  /** Set for failures that are ours, not the caller's: they are logged with their stack. */
  unexpected?: boolean;
  headers?: Record<string, string>;
}

export interface RenderedError {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  body: ScimErrorBody | ProblemDetails | Record<string, unknown>;
  classified: ClassifiedError;
}

/** Errors raised by Fastify itself (body parsing, limits) carry a status code and an FST_ code. */
function fastifyError(error: unknown): { statusCode: number; code: string; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const record = error as Error & { statusCode?: unknown; code?: unknown };
  if (typeof record.statusCode !== 'number' || typeof record.code !== 'string') return undefined;
  return { statusCode: record.statusCode, code: record.code, message: record.message };
}

/**
 * An HttpException whose response names its problem itself: a string `code` and `detail`, maybe a
 * `title` and `field` (ManagementError's body). Read by shape, so no API has to import this layer.
 */
function codedResponse(
  response: unknown,
): Pick<ClassifiedError, 'code' | 'title' | 'field' | 'detail'> | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  const { code, title, detail, field } = response as Record<string, unknown>;
  if (typeof code !== 'string' || typeof detail !== 'string') return undefined;
  return {
    code,
    detail,
    ...(typeof title === 'string' ? { title } : {}),
    ...(typeof field === 'string' ? { field } : {}),
  };
}

/**
 * The body an HttpException carries as a document of its own rather than as an error description:
 * the readiness probe's health report (a 503 that monitoring reads). It is neither coded nor one of
 * Nest's `{ statusCode, message, error }` bodies; it is sent as it is, plus the request id.
 */
function ownDocument(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof HttpException) || fastifyError(error.cause)) return undefined;
  const response = error.getResponse();
  if (response === null || typeof response !== 'object' || codedResponse(response)) return undefined;
  const record = response as Record<string, unknown>;
  return typeof record.statusCode === 'number' ? undefined : record;
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
    const coded = codedResponse(error.getResponse());
    if (coded) return { status, ...coded, headers };
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

/**
 * One rendering for every error: the RFC 7644 envelope under /scim, RFC 9457 problem details
 * (`application/problem+json`) everywhere else.
 */
export function renderError(error: unknown, url: string, requestId: string): RenderedError {
  const classified = classifyError(error);
  const { status } = classified;
  const headers = { ...classified.headers };
  if (isScimPath(url)) {
    const body = scimErrorBody(status, classified.detail, classified.scimType);
    return { status, contentType: SCIM_CONTENT_TYPE, headers, body, classified };
  }
  const own = ownDocument(error);
  if (own) {
    const body = { ...own, requestId };
    return { status, contentType: 'application/json; charset=utf-8', headers, body, classified };
  }
  const { detail, code, title, field } = classified;
  const body = problemDetails({ status, detail, code, title, field, requestId });
  return { status, contentType: PROBLEM_CONTENT_TYPE, headers, body, classified };
}
