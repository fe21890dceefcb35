import { Injectable } from '@nestjs/common';
import { OrganizationsService } from '#organizations';
import type { Page } from '#persistence';
import {
  assertManuallyManaged,
  type UserKind,
  UsersAdminRepository,
  type ManagedUserRow,
  type ManualUserState,
} from '#users';
import type { CreateUserDto, ListUsersQueryDto, UpdateUserDto } from './management-user.dto.js';
import { pageWindow } from './management-common.dto.js';
import { ManagementError, notFound, rethrowConflict, validationFailed } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';
import { ManualChangeRecorder } from './manual-change.recorder.js';

const USER_CONFLICTS = {
  UQ_users_organization_lower_user_name: {
    code: 'USER_NAME_TAKEN' as const,
    field: 'userName',
    message: 'Another user of this organization already has this userName (compared case-insensitively).',
  },
  UQ_users_organization_external_id: {
    code: 'IDENTITY_TAKEN' as const,
    field: 'identity',
    message: 'Another user of this organization already has this identity.',
  },
};

/** Fields compared for the audit's before/after. */
const AUDITED: readonly (keyof ManualUserState)[] = [
  'userName',
  'displayName',
  'email',
  'identity',
  'globalRole',
];

/**
 * Hybrid user management: manual users (people and CI users) are created and changed here, next
 * to those Entra provisions, which are read-only here (409 MANAGED_BY_DIRECTORY_SYNC). A user has
 * exactly one global role (one column, one value per request), so the one-global-role rule holds
 * by construction.
 */
@Injectable()
export class ManagementUsersService {
  constructor(
    private readonly users: UsersAdminRepository,
    private readonly organizations: OrganizationsService,
    private readonly changes: ManualChangeRecorder,
  ) {}

  list(organizationId: string, query: ListUsersQueryDto): Promise<Page<ManagedUserRow>> {
    const { name, synchronized, active, kind } = query;
    return this.users.list(organizationId, { name, synchronized, active, kind, ...pageWindow(query) });
  }

  async get(organizationId: string, id: string): Promise<ManagedUserRow> {
    const user = await this.users.find(organizationId, id);
    if (!user) throw notFound('User', id);
    return user;
  }

  async create(principal: ManagementPrincipal, body: CreateUserDto): Promise<ManagedUserRow> {
    const kind = body.kind ?? 'interactive';
    const state: ManualUserState = {
      userName: body.userName,
      displayName: body.displayName || null,
      email: body.email ?? null,
      identity: body.identity ?? null,
      globalRole: body.globalRole ?? 'RegularUser',
    };
    await this.checkState(principal, kind, state);
    const user = await this.users
      .insertManual(principal.organizationId, kind, state)
      .catch((error: unknown) => rethrowConflict(error, USER_CONFLICTS));
    this.changes.record({
      operation: 'create',
      resourceType: 'User',
      resourceId: user.id,
      label: user.userName,
      effect: { changed: diff(undefined, stateOf(user)), kind },
    });
    return user;
  }

  async update(principal: ManagementPrincipal, id: string, body: UpdateUserDto): Promise<ManagedUserRow> {
    const current = await this.manualForUpdate(principal, id);
    const before = stateOf(current);
    const after: ManualUserState = {
      userName: body.userName ?? before.userName,
      displayName: body.displayName === undefined ? before.displayName : body.displayName || null,
      email: body.email === undefined ? before.email : body.email,
      identity: body.identity === undefined ? before.identity : body.identity,
      globalRole: body.globalRole ?? before.globalRole,
    };
    const changed = diff(before, after);
    if (Object.keys(changed).length === 0) return current;
    await this.checkState(principal, current.kind, after, before);
    const user = await this.users
      .updateManual(principal.organizationId, current.id, after)
      .catch((error: unknown) => rethrowConflict(error, USER_CONFLICTS));
    this.changes.record({
      operation: 'update',
      resourceType: 'User',
      resourceId: user.id,
      label: user.userName,
      effect: { changed },
    });
    return user;
  }

  /**
   * A deactivated user signs in no more, its API tokens answer 401, and it holds no permission;
   * the record and its history stay.
   */
  async setActive(principal: ManagementPrincipal, id: string, active: boolean): Promise<ManagedUserRow> {
    const current = await this.manualForUpdate(principal, id);
    if (current.active === active) return current;
    const user = await this.users.setActive(principal.organizationId, current.id, active);
    this.changes.record({
      operation: active ? 'reactivate' : 'deactivate',
      resourceType: 'User',
      resourceId: user.id,
      label: user.userName,
      effect: { changed: { active: { before: current.active, after: active } } },
    });
    return user;
  }

  /** The user, locked for this transaction; 404 if unknown, 409 if Entra manages it. */
  private async manualForUpdate(principal: ManagementPrincipal, id: string): Promise<ManagedUserRow> {
    const user = await this.users.find(principal.organizationId, id, true);
    if (!user) throw notFound('User', id);
    assertManuallyManaged('User', user, user.userName);
    if (user.globalRole === 'GlobalAdministrator')
      requireGlobalAdministrator(principal, 'change a GlobalAdministrator');
    return user;
  }

  private async checkState(
    principal: ManagementPrincipal,
    kind: UserKind,
    state: ManualUserState,
    before?: ManualUserState,
  ): Promise<void> {
    if (state.globalRole === 'DirectorySynchronizer' && kind !== 'ci') {
      throw validationFailed(
        'DirectorySynchronizer is the role of the CI user whose token Entra ID uses; only a CI user can hold it.',
        'globalRole',
      );
    }
    if (state.globalRole === 'GlobalAdministrator' && before?.globalRole !== 'GlobalAdministrator') {
      requireGlobalAdministrator(principal, 'grant the GlobalAdministrator role', 'globalRole');
    }
    if (state.identity === null || state.identity === before?.identity) return;
    if (kind === 'ci') {
      throw validationFailed('CI users sign in with API tokens and have no identity.', 'identity');
    }
    const organization = await this.organizations.findById(principal.organizationId);
    const prefix = `${organization?.ssoIdentifier ?? ''}:`;
    if (!state.identity.startsWith(prefix) || state.identity.length === prefix.length) {
      throw validationFailed(
        `identity must be "${prefix}<objectId>": this organization's SSO identifier, a colon, then the user's id in the directory.`,
        'identity',
      );
    }
  }
}

/** Nobody but a GlobalAdministrator makes or changes one: no way up from UserAdministrator. */
export function requireGlobalAdministrator(
  principal: ManagementPrincipal,
  what: string,
  field?: string,
): void {
  if (principal.globalRole !== 'GlobalAdministrator') {
    throw new ManagementError(
      403,
      'GLOBAL_ADMINISTRATOR_REQUIRED',
      `Only a GlobalAdministrator may ${what}; this token's user is a ${principal.globalRole}.`,
      field,
    );
  }
}

function stateOf(user: ManagedUserRow): ManualUserState {
  return {
    userName: user.userName,
    displayName: user.displayName,
    email: user.email,
    identity: user.identity,
    globalRole: user.globalRole,
  };
}

function diff(
  before: ManualUserState | undefined,
  after: ManualUserState,
): Record<string, { before: unknown; after: unknown }> {
  const changed: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of AUDITED) {
    const was: string | null = before ? before[key] : null;
    if (was !== after[key]) changed[key] = { before: was, after: after[key] };
  }
  return changed;
}
