import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ManagementError, validationFailed } from '#management';
import { ScimError } from '#scim-protocol';
import { renderError } from './error.renderer.js';

const SCIM_URL = '/scim/0a21f0f2-0000-4000-8000-000000000001/Users';
const API_URL = '/api/v1/organizations/0a21f0f2-0000-4000-8000-000000000001/users';

/** What Fastify's JSON parser throws for a body that is not JSON. */
function invalidJson(): Error {
  return Object.assign(new SyntaxError('Unexpected token } in JSON at position 1'), {
    statusCode: 400,
    code: 'FST_ERR_CTP_INVALID_JSON_BODY',
  });
}

describe('renderError under /scim', () => {
  // The exact bytes the renderer sent before the envelope had one definition (scimErrorBody).
  it.each([
    [
      ScimError.uniqueness('userName "bjensen" is taken'),
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName \\"bjensen\\" is taken"}',
    ],
    [
      ScimError.notFound('Resource 1 not found'),
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"Resource 1 not found"}',
    ],
    [
      invalidJson(),
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"The request body is not valid JSON: Unexpected token } in JSON at position 1"}',
    ],
    [
      new Error('a bug'),
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"An unexpected error occurred; it has been logged."}',
    ],
  ])('keeps the RFC 7644 envelope byte for byte: %s', (error, bytes) => {
    const rendered = renderError(error, SCIM_URL, 'req-1');
    expect(rendered.contentType).toBe('application/scim+json; charset=utf-8');
    expect(JSON.stringify(rendered.body)).toBe(bytes);
  });
});

describe('renderError outside /scim', () => {
  it('sends a management error as problem details with its code, title and field', () => {
    const rendered = renderError(validationFailed('userName must be a string', 'userName'), API_URL, 'req-2');
    expect(rendered.status).toBe(400);
    expect(rendered.contentType).toBe('application/problem+json; charset=utf-8');
    expect(JSON.stringify(rendered.body)).toBe(
      JSON.stringify({
        type: 'https://scim-connector.dev/problems/validation-failed',
        title: 'Validation failed',
        status: 400,
        detail: 'userName must be a string',
        code: 'VALIDATION_FAILED',
        field: 'userName',
        requestId: 'req-2',
      }),
    );
  });

  it('keeps the headers a status implies', () => {
    const unauthenticated = renderError(
      new ManagementError(401, 'UNAUTHENTICATED', 'no token'),
      API_URL,
      'r',
    );
    expect(unauthenticated.headers).toEqual({ 'www-authenticate': 'Bearer realm="scim"' });
    const unavailable = renderError(new ManagementError(503, 'AUDIT_UNAVAILABLE', 'later'), API_URL, 'r');
    expect(unavailable.headers).toEqual({ 'retry-after': '5' });
    expect(unavailable.body).toMatchObject({
      status: 503,
      code: 'AUDIT_UNAVAILABLE',
      title: 'Audit unavailable',
    });
  });

  it("gives the framework's own errors the code and title of their status", () => {
    expect(
      renderError(new NotFoundException('Audit event x does not exist.'), '/api/v1/audit/events/x', 'r').body,
    ).toStrictEqual({
      type: 'https://scim-connector.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'Audit event x does not exist.',
      code: 'NOT_FOUND',
      requestId: 'r',
    });
    // ValidationPipe's default: one message per failed constraint.
    const validation = new BadRequestException(['limit must not be less than 1', 'colour should not exist']);
    expect(renderError(validation, '/api/v1/audit/events', 'r').body).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'limit must not be less than 1; colour should not exist',
    });
    expect(renderError(invalidJson(), API_URL, 'r').body).toMatchObject({
      type: 'https://scim-connector.dev/problems/bad-request',
      status: 400,
      code: 'BAD_REQUEST',
      detail: expect.stringMatching(/^The request body is not valid JSON/),
    });
    expect(renderError(new Error('a bug'), API_URL, 'r')).toMatchObject({
      status: 500,
      body: { code: 'INTERNAL_SERVER_ERROR', detail: 'An unexpected error occurred; it has been logged.' },
    });
  });

  it("sends the readiness probe's health report as it is", () => {
    const report = { status: 'error', info: {}, error: { database: { status: 'down' } }, details: {} };
    const rendered = renderError(new ServiceUnavailableException(report), '/health/ready', 'r');
    expect(rendered.contentType).toBe('application/json; charset=utf-8');
    expect(rendered.body).toStrictEqual({ ...report, requestId: 'r' });
  });
});
