import { Injectable } from '@nestjs/common';
import { OrganizationsRepository, type OrganizationRecord } from './organizations.repository.js';

export class OrganizationInputError extends Error {}

/** SSO identifiers prefix identities as `<sso>:<objectId>`, so they may not contain the separator. */
const SSO_IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

@Injectable()
export class OrganizationsService {
  constructor(private readonly organizations: OrganizationsRepository) {}

  async create(name: string, ssoIdentifier: string): Promise<OrganizationRecord> {
    const trimmedName = name.trim();
    if (!trimmedName || trimmedName.length > 200) {
      throw new OrganizationInputError('the organization name must have 1 to 200 characters');
    }
    if (!SSO_IDENTIFIER.test(ssoIdentifier)) {
      throw new OrganizationInputError(
        'the SSO identifier must be 1 to 100 letters, digits, ".", "_" or "-" (it prefixes identities as "<sso-identifier>:<objectId>")',
      );
    }
    return this.organizations.insert(trimmedName, ssoIdentifier);
  }

  findById(id: string): Promise<OrganizationRecord | undefined> {
    return this.organizations.findById(id);
  }

  list(): Promise<OrganizationRecord[]> {
    return this.organizations.list();
  }

  count(): Promise<number> {
    return this.organizations.count();
  }
}
