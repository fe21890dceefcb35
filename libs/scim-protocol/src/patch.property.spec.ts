import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatchToJson } from './patch.apply.js';
import { membershipOperations } from './patch.membership.js';
import { parsePatchRequest } from './patch.parser.js';
import { ScimError } from './scim.error.js';

function onlyScim400(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBe(400);
  }
}

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'bjensen',
  name: { givenName: 'Barbara' },
  emails: [{ value: 'a@x', type: 'work', primary: true }],
  roles: [{ value: 'RegularUser' }],
};

const PATHS = [
  'userName',
  'active',
  'name',
  'name.givenName',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[value co "@"]',
  'roles',
  'roles[primary eq "True"].value',
  'manager',
  'members',
  'members[value eq "x"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  'urn:ietf:params:scim:schemas:extension:signpath:2.0:User:isDirectorySynchronized',
  'id',
  'meta.created',
  'groups',
  'schemas',
  'x509Certificates',
  'addresses[type eq "work"].formatted',
  'unknown',
  'emails[',
  'a.b.c',
  '',
  ' ',
];

const operation = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'REMOVE', 'merge'),
      fc.jsonValue(),
    ),
    path: fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 20 }), fc.jsonValue()),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('True', 'False', 'true', 'maybe', '{"id":"1","value":"Admin","displayName":"Admin"}'),
      fc.array(
        fc.record(
          {
            value: fc.oneof(fc.string(), fc.constant('{"value":"R","displayName":"R"}')),
            primary: fc.oneof(fc.boolean(), fc.constant('True')),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
  },
  { requiredKeys: ['op'] },
);

describe('parsePatchRequest never fails with anything but a 400 ScimError', () => {
  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => onlyScim400(() => parsePatchRequest(JSON.parse(text), 'User'))),
      { numRuns: 300 },
    );
  });

  it('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (body) =>
        onlyScim400(() => parsePatchRequest(body, 'Group')),
      ),
      { numRuns: 300 },
    );
  });

  it('on PatchOp-shaped bodies, including applying them', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('User', 'Group'),
        fc.boolean(),
        (operations, resourceType, withSchemas) =>
          onlyScim400(() => {
            const body = withSchemas
              ? { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }
              : { Operations: operations };
            const parsed = parsePatchRequest(body, resourceType);
            for (const op of parsed) expect(op.path).toBeDefined();
            if (resourceType === 'Group') membershipOperations(parsed);
            const result = applyPatchToJson(user, parsed, resourceType);
            expect(typeof result).toBe('object');
          }),
      ),
      { numRuns: 500 },
    );
  });
});
