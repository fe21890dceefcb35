import { describe, expect, it } from 'vitest';
import { membershipOperations, partitionMembershipOperations } from './patch.membership.js';
import { parsePatchRequest } from './patch.parser.js';
import { ScimError } from './scim.error.js';

const changes = (...operations: unknown[]) =>
  membershipOperations(
    parsePatchRequest(
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations },
      'Group',
    ),
  );

describe('membershipOperations', () => {
  it('G5: Add members with a value array', () => {
    expect(
      changes({
        op: 'Add',
        path: 'members',
        value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }, { value: 'b' }],
      }),
    ).toEqual([{ kind: 'add', ids: ['f648f8d5ea4e4cd38e9c', 'b'] }]);
  });

  it('G6: Remove members with a value array removes only those', () => {
    expect(changes({ op: 'Remove', path: 'members', value: [{ $ref: null, value: '<id>' }] })).toEqual([
      { kind: 'remove', ids: ['<id>'] },
    ]);
  });

  it('G7: remove members[value eq "id"]', () => {
    expect(changes({ op: 'remove', path: 'members[value eq "7f4bc1a3-…"]' })).toEqual([
      { kind: 'remove', ids: ['7f4bc1a3-…'] },
    ]);
    expect(changes({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' })).toEqual([
      { kind: 'remove', ids: ['a', 'b'] },
    ]);
  });

  it('remove members without value removes all; replace sets the new set', () => {
    expect(changes({ op: 'remove', path: 'members' })).toEqual([{ kind: 'removeAll' }]);
    expect(
      changes({ op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'a' }, { value: 'c' }] }),
    ).toEqual([{ kind: 'replace', ids: ['a', 'c'] }]);
    expect(changes({ op: 'replace', path: 'members', value: [] })).toEqual([{ kind: 'replace', ids: [] }]);
  });

  it('RFC: remove all then add', () => {
    expect(
      changes(
        { op: 'remove', path: 'members' },
        {
          op: 'add',
          path: 'members',
          value: [
            { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223', value: '2819c223' },
            { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d', value: '08e1d05d' },
          ],
        },
      ),
    ).toEqual([{ kind: 'removeAll' }, { kind: 'add', ids: ['2819c223', '08e1d05d'] }]);
  });

  it('path-less operations with a members key, and bare string members', () => {
    expect(changes({ op: 'add', value: { members: [{ value: 'a' }], displayName: 'G' } })).toEqual([
      { kind: 'add', ids: ['a'] },
    ]);
    expect(changes({ op: 'add', path: 'members', value: 'stringid1' })).toEqual([
      { kind: 'add', ids: ['stringid1'] },
    ]);
  });

  it('partitions the rest', () => {
    const { membership, others } = partitionMembershipOperations(
      parsePatchRequest(
        {
          Operations: [
            { op: 'Replace', path: 'displayName', value: 'G' },
            { op: 'Add', path: 'members', value: [{ value: 'a' }] },
          ],
        },
        'Group',
      ),
    );
    expect(membership).toEqual([{ kind: 'add', ids: ['a'] }]);
    expect(others.map((op) => op.path.attribute)).toEqual(['displayName']);
  });

  it('rejects member paths it cannot turn into set operations', () => {
    for (const operation of [
      { op: 'remove', path: 'members[type eq "User"]' },
      { op: 'add', path: 'members[value eq "x"]', value: { value: 'x' } },
      { op: 'add', path: 'members', value: [{ display: 'no id' }] },
    ]) {
      expect(() => changes(operation)).toThrow(ScimError);
    }
  });
});
