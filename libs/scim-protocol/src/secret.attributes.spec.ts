import { describe, expect, it } from 'vitest';
import { SCHEMA_URN } from './schemas.definition.js';
import { withoutSecrets } from './secret.attributes.js';

describe('withoutSecrets', () => {
  it('drops the returned:never password and credential-named values at any depth, in any case', () => {
    const resource = {
      userName: 'bob',
      Password: 'x',
      passwordProfile: { password: 'y', forceChangePasswordNextSignIn: false },
      [SCHEMA_URN.enterpriseUser]: { department: 'R&D', password: 'z' },
      'urn:example:custom': { apiSecret: 'w', nested: [{ passphrase: 'v', keep: 1 }] },
    };
    expect(withoutSecrets(resource, 'User')).toEqual({
      userName: 'bob',
      passwordProfile: { forceChangePasswordNextSignIn: false },
      [SCHEMA_URN.enterpriseUser]: { department: 'R&D' },
      'urn:example:custom': { nested: [{ keep: 1 }] },
    });
  });

  it('leaves a resource without secrets unchanged and does not mutate its input', () => {
    const resource = { displayName: 'Signers', members: [{ value: 'u1' }] };
    const copy = structuredClone(resource);
    expect(withoutSecrets(resource, 'Group')).toEqual(copy);
    expect(resource).toEqual(copy);
  });
});
