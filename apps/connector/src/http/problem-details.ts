import { STATUS_CODES } from 'node:http';

/**
 * RFC 9457 problem details: the error format of everything outside /scim (the management API, the
 * audit API, unknown routes). /scim keeps the RFC 7644 envelope (`scimErrorBody`, #scim-protocol).
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Problem types are identifiers (RFC 9457 §3.1.1), one per `code`, compared as strings; they are
 * not promised to resolve to a page. Kept stable: clients may branch on them as on `code`.
 */
export const PROBLEM_TYPE_BASE = 'https://scim-connector.dev/problems/';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Extension member: the stable code `type` is made of (`USER_NOT_FOUND`, `NOT_FOUND`). */
  code: string;
  /** Extension member: the request field at fault, when an API names one. */
  field?: string;
  /** Extension member: also the `X-Request-Id` header. Absent only where Node refused the request before it had one. */
  requestId?: string;
}

/**
 * Codes and titles of errors that carry no code of their own (an unknown route, a guard's 401, a body
 * that is not JSON, the database away). Written out rather than derived from Node's reason phrases,
 * which change between versions (413 is "Payload Too Large" in Node, "Content Too Large" in RFC
 * 9110): a code must not change with the runtime.
 */
const GENERIC_PROBLEMS: Readonly<Record<number, { code: string; title: string }>> = {
  400: { code: 'BAD_REQUEST', title: 'Bad request' },
  401: { code: 'UNAUTHORIZED', title: 'Unauthorized' },
  403: { code: 'FORBIDDEN', title: 'Forbidden' },
  404: { code: 'NOT_FOUND', title: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', title: 'Method not allowed' },
  408: { code: 'REQUEST_TIMEOUT', title: 'Request timeout' },
  409: { code: 'CONFLICT', title: 'Conflict' },
  413: { code: 'CONTENT_TOO_LARGE', title: 'Content too large' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported media type' },
  429: { code: 'TOO_MANY_REQUESTS', title: 'Too many requests' },
  431: { code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', title: 'Request header fields too large' },
  500: { code: 'INTERNAL_SERVER_ERROR', title: 'Internal server error' },
  501: { code: 'NOT_IMPLEMENTED', title: 'Not implemented' },
  503: { code: 'SERVICE_UNAVAILABLE', title: 'Service unavailable' },
};

export const GENERIC_PROBLEM_CODES: readonly string[] = Object.values(GENERIC_PROBLEMS).map((p) => p.code);

function genericProblem(status: number): { code: string; title: string } {
  return GENERIC_PROBLEMS[status] ?? { code: `HTTP_${status}`, title: STATUS_CODES[status] ?? 'Error' };
}

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replaceAll('_', '-')}`;
}

export interface ProblemInput {
  status: number;
  detail: string;
  /** An API's own code (and its title); without one, the status's generic code and title. */
  code?: string;
  title?: string;
  field?: string;
  requestId?: string;
}

/** The one builder of problem bodies; the member order is the documented one. */
export function problemDetails(input: ProblemInput): ProblemDetails {
  const generic = genericProblem(input.status);
  const code = input.code ?? generic.code;
  const body: ProblemDetails = {
    type: problemType(code),
    title: input.title ?? generic.title,
    status: input.status,
    detail: input.detail,
    code,
  };
  if (input.field !== undefined) body.field = input.field;
  if (input.requestId !== undefined) body.requestId = input.requestId;
  return body;
}
