import { describe, expect, it } from 'vitest';
import { ScimError, isScimError, scimErrorBody } from './scim.error.js';
import { MESSAGE_URN } from './schemas.definition.js';

describe('ScimError', () => {
  it.each([
    [ScimError.invalidFilter('bad'), 400, 'invalidFilter'],
    [ScimError.invalidValue('bad'), 400, 'invalidValue'],
    [ScimError.invalidPath('bad'), 400, 'invalidPath'],
    [ScimError.invalidSyntax('bad'), 400, 'invalidSyntax'],
    [ScimError.noTarget('bad'), 400, 'noTarget'],
    [ScimError.mutability('bad'), 400, 'mutability'],
    [ScimError.tooMany('bad'), 400, 'tooMany'],
    [ScimError.invalidVers('bad'), 400, 'invalidVers'],
    [ScimError.sensitive('bad'), 400, 'sensitive'],
    [ScimError.uniqueness('bad'), 409, 'uniqueness'],
    [ScimError.conflict('bad'), 409, 'uniqueness'],
    [ScimError.notFound('bad'), 404, undefined],
    [ScimError.preconditionFailed('bad'), 412, undefined],
  ])('%o has status %i and scimType %s', (error, status, scimType) => {
    expect(error).toBeInstanceOf(Error);
    expect(isScimError(error)).toBe(true);
    expect(error.status).toBe(status);
    expect(error.scimType).toBe(scimType);
  });

  it('serialises to the RFC 7644 §3.12 body with a string status', () => {
    expect(ScimError.uniqueness('userName "bjensen" is taken').toScimErrorBody()).toStrictEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName "bjensen" is taken',
    });
    expect(JSON.parse(JSON.stringify(ScimError.notFound('Resource 1 not found')))).toStrictEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'Resource 1 not found',
    });
  });

  it('has one envelope: its member order and URN are the same wherever it is built', () => {
    expect(JSON.stringify(scimErrorBody(400, 'bad', 'invalidFilter'))).toBe(
      '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"bad"}',
    );
    expect(JSON.stringify(ScimError.invalidFilter('bad'))).toBe(
      JSON.stringify(scimErrorBody(400, 'bad', 'invalidFilter')),
    );
    expect(MESSAGE_URN.error).toBe(scimErrorBody(404, 'x').schemas[0]);
  });

  it('is not confused with other errors', () => {
    expect(isScimError(new Error('x'))).toBe(false);
  });
});
