import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { constraintOf } from '#persistence';
import { effectiveGlobalRole, rolesOfEntries } from './scim-roles.mapper.js';
import type { ProvisionableGlobalRole } from '#roles';
import {
  etagMatches,
  weakEtag,
  changedAttributes,
  isPlainObject,
  type JsonObject,
  pageWithTotal,
  sqlListPage,
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
  type ListResponse,
  type ScimCall,
  type ScimResult,
  type ScimTenant,
  applyPatchToJson,
  parsePatchRequest,
  type PatchOperation,
  normalizeResource,
  project,
  matchesValueFilter,
  ScimError,
  type AttributePath,
  mapFilterValues,
  SCHEMA_URN,
} from '#scim-protocol';
import { normalizeUserName, UsersRepository, type ScimUserState, type UserRow } from '#users';
import { AuditTrail } from '#audit-log';
import { lockedForWrite, namedIdentifiers, scimListOptions, uniquely } from './scim-resource.support.js';
import {
  roleSetOf,
  storedAttributesOf,
  toScimUser,
  USER_FILTER_COLUMNS,
  USER_SORT_COLUMNS,
} from './scim-user.mapper.js';

const UNIQUE_ATTRIBUTE: Readonly<Record<string, string>> = {
  UQ_users_organization_lower_user_name: 'userName',
  UQ_users_organization_external_id: 'externalId',
};

/**
 * The SCIM /Users resource of one organization: what Entra provisions, exactly as it sends it.
 * Writes run inside the request's transaction (DryRunInterceptor), so a failure anywhere changes
 * nothing; reads run without one.
 */
@Injectable()
export class ScimUsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  list(call: ScimCall): Promise<ListResponse<JsonObject>> {
    return this.query(call.tenant, parseListQuery(call.query, scimListOptions('User', this.config)));
  }

  search(call: ScimCall, body: unknown): Promise<ListResponse<JsonObject>> {
    return this.query(call.tenant, parseSearchRequest(body, scimListOptions('User', this.config)));
  }

  private async query(tenant: ScimTenant, asked: ListQuery): Promise<ListResponse<JsonObject>> {
    this.audit.describe({ operation: 'query', resourceType: 'User' });
    // userNames are stored normalized; a filter naming one in another form must still find it.
    const query = asked.filter
      ? { ...asked, filter: mapFilterValues(asked.filter, isUserNamePath, normalizeUserName) }
      : asked;
    const page = sqlListPage(query, {
      resourceType: 'User',
      columns: USER_FILTER_COLUMNS,
      sortColumns: USER_SORT_COLUMNS,
      idColumn: 'u.id',
    });
    const { rows, total } = await pageWithTotal(
      query,
      () => this.users.listVisible(tenant.organizationId, page),
      () => this.users.countVisible(tenant.organizationId, page.where),
    );
    const resources = rows.map((row) => project(this.render(tenant, row), query, 'User'));
    return listResponse(resources, total, query.startIndex);
  }

  async get(call: ScimCall, id: string): Promise<ScimResult> {
    this.audit.describe({ operation: 'read', resourceType: 'User', resourceId: id });
    const row = await this.visibleOrThrow(call.tenant, id, false);
    this.describeTarget(row);
    const etag = weakEtag(row.version);
    if (call.ifNoneMatch !== undefined && etagMatches(call.ifNoneMatch, etag)) return { status: 304, etag };
    return { status: 200, body: project(this.render(call.tenant, row), call.projection, 'User'), etag };
  }

  async create(call: ScimCall, body: unknown): Promise<ScimResult> {
    const { tenant } = call;
    // Named before validation, so a refused create is found by its identifiers too.
    this.audit.describe({
      operation: 'create',
      resourceType: 'User',
      ...namedIdentifiers(body, normalizeUserName),
    });
    const state = this.stateOf(normalizeResource('User', body));
    this.audit.describe({
      operation: 'create',
      resourceType: 'User',
      externalId: state.externalId,
      userName: state.userName,
      displayName: state.displayName,
    });
    const revivable = await this.users.findDeletedForRevival(
      tenant.organizationId,
      state.externalId,
      state.userName,
    );
    const row = await this.uniquely(state, () =>
      revivable
        ? this.users.updateScimUser(tenant.organizationId, revivable.id, state, true)
        : this.users.insertScimUser(tenant.organizationId, state),
    );
    this.describeTarget(row);
    this.audit.recordEffect({
      changed: changedAttributes(revivable ? snapshot(revivable) : {}, snapshot(row)),
      notes: revivable ? ['revived a user that SCIM had deleted earlier, with the same record'] : undefined,
    });
    return this.written(call, row, 201);
  }

  async replace(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
    const resource = normalizeResource('User', body);
    const current = await this.lockForWrite(call, id, 'replace');
    return this.update(call, current, this.stateOf(resource), true);
  }

  async patch(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
    const operations = parsePatchRequest(body, 'User');
    const current = await this.lockForWrite(call, id, 'update');
    const roleOperations = operations.filter(isRoleOperation);
    const otherOperations = operations.filter((operation) => !isRoleOperation(operation));
    const patched = applyPatchToJson(this.render(call.tenant, current), otherOperations, 'User');
    const roles = applyRoleOperations(roleSetOf(current) as ProvisionableGlobalRole[], roleOperations);
    return this.update(call, current, this.stateOf(patched, roles), otherOperations.some(isActiveOperation));
  }

  async delete(call: ScimCall, id: string): Promise<ScimResult> {
    const current = await this.lockForWrite(call, id, 'delete');
    const memberships = await this.users.markScimDeleted(call.tenant.organizationId, current.id);
    this.audit.recordEffect({
      changed: current.active ? { active: { before: true, after: false } } : undefined,
      notes: [
        'removed from SCIM; the record is kept, deactivated, for signing history and audit',
        `left ${memberships} group(s)`,
      ],
    });
    return { status: 204 };
  }

  private lockForWrite(
    call: ScimCall,
    id: string,
    operation: 'update' | 'replace' | 'delete',
  ): Promise<UserRow> {
    return lockedForWrite(
      this.audit,
      call,
      { resourceType: 'User', id, operation },
      () => this.users.findVisible(call.tenant.organizationId, id, true),
      (row) => this.describeTarget(row),
    );
  }

  private async update(
    call: ScimCall,
    current: UserRow,
    state: ScimUserState,
    activeSetByRequest: boolean,
  ): Promise<ScimResult> {
    const changed = changedAttributes(snapshot(current), { ...state, isDirectorySynchronized: true });
    // Entra disabling a user the leave-all-groups rule had already deactivated changes no attribute,
    // but it must be written: from now on a join must not reactivate the user.
    const settlesRule = activeSetByRequest && !state.active && current.deactivatedByMembership;
    // A PATCH that changes nothing (Entra re-sends what it already sent) writes nothing.
    const row =
      Object.keys(changed).length || settlesRule
        ? await this.uniquely(state, () =>
            this.users.updateScimUser(call.tenant.organizationId, current.id, state, activeSetByRequest),
          )
        : current;
    this.describeTarget(row);
    this.audit.recordEffect({
      changed,
      notes: settlesRule
        ? [
            'Entra deactivated the user, which the leave-all-groups rule had deactivated: a join no longer reactivates it',
          ]
        : undefined,
    });
    return this.written(call, row, 200);
  }

  private written(call: ScimCall, row: UserRow, status: number): ScimResult {
    const body = this.render(call.tenant, row);
    return {
      status,
      body: project(body, call.projection, 'User'),
      etag: weakEtag(row.version),
      location: String((body.meta as JsonObject).location),
    };
  }

  private render(tenant: ScimTenant, row: UserRow): JsonObject {
    return toScimUser(row, `${tenant.tenantUrl}/Users/${row.id}`);
  }

  private async visibleOrThrow(tenant: ScimTenant, id: string, forUpdate: boolean): Promise<UserRow> {
    const row = await this.users.findVisible(tenant.organizationId, id, forUpdate);
    if (!row) throw ScimError.notFound(`User ${id} not found`);
    return row;
  }

  /**
   * SCIM's state of a user from a whole resource. PATCH passes the role set it computed from the
   * role operations; POST and PUT take the resource's `roles`.
   */
  private stateOf(resource: JsonObject, roles?: ProvisionableGlobalRole[]): ScimUserState {
    const userName = typeof resource.userName === 'string' ? normalizeUserName(resource.userName) : '';
    if (userName === '') {
      throw ScimError.invalidValue("attribute 'userName' is required and must be a non-empty string");
    }
    const externalId = resource.externalId ?? null;
    if (externalId !== null && typeof externalId !== 'string') {
      throw ScimError.invalidValue("attribute 'externalId' must be a string");
    }
    const displayName =
      typeof resource.displayName === 'string' && resource.displayName.trim()
        ? resource.displayName
        : userName;
    const active = resource.active === undefined ? true : resource.active;
    if (typeof active !== 'boolean') throw ScimError.invalidValue("attribute 'active' must be a boolean");
    const roleSet =
      roles ?? rolesOfEntries(Array.isArray(resource.roles) ? (resource.roles as unknown[]) : []);
    const globalRole = effectiveGlobalRole(roleSet, `"${userName}"`);
    return {
      userName,
      displayName,
      externalId,
      active,
      roles: roleSet,
      globalRole,
      scimAttributes: storedAttributesOf(resource),
    };
  }

  private describeTarget(row: UserRow): void {
    this.audit.describe({
      resourceType: 'User',
      resourceId: row.id,
      externalId: row.externalId,
      userName: row.userName,
      displayName: row.displayName,
    });
  }

  /** Unique violations become 409 uniqueness naming the attribute, never a second user. */
  private uniquely(state: ScimUserState, write: () => Promise<UserRow>): Promise<UserRow> {
    return uniquely(write, (error) => {
      const attribute = UNIQUE_ATTRIBUTE[constraintOf(error) ?? ''] ?? 'userName';
      const value = attribute === 'externalId' ? state.externalId : state.userName;
      return `a user with ${attribute} "${value}" already exists in this organization`;
    });
  }
}

function isUserNamePath(path: AttributePath): boolean {
  return (
    path.name.toLowerCase() === 'username' &&
    path.subAttr === undefined &&
    (path.uri === undefined || path.uri === SCHEMA_URN.coreUser)
  );
}

function isActiveOperation(operation: PatchOperation): boolean {
  return operation.path.known && operation.path.container === undefined && operation.path.name === 'active';
}

function isRoleOperation(operation: PatchOperation): boolean {
  return (
    operation.path.known &&
    operation.path.container === undefined &&
    operation.path.name.toLowerCase() === 'roles'
  );
}

/**
 * Role PATCH semantics. Entra's AppRoleAssignmentsComplex mapping only ever sends `Add` with the
 * user's full current set of app roles (it never sends a removal), so `add` sets the role set to
 * the values given; `replace` does the same; `remove` removes the matching values (all without a
 * value or filter).
 */
export function applyRoleOperations(
  current: ProvisionableGlobalRole[],
  operations: readonly PatchOperation[],
): ProvisionableGlobalRole[] {
  let roles = [...current];
  for (const operation of operations) {
    if (operation.path.subAttribute !== undefined && operation.path.valueFilter === undefined) {
      throw ScimError.invalidPath(`'${operation.path.raw}': roles are changed as whole entries`);
    }
    const values = operation.value === undefined || operation.value === null ? [] : [operation.value].flat();
    if (operation.op === 'remove') {
      const filter = operation.path.valueFilter;
      if (filter) {
        roles = roles.filter((role) => !matchesValueFilter({ value: role }, filter));
      } else if (values.length === 0) {
        roles = [];
      } else {
        const removed = new Set(rolesOfEntries(values));
        roles = roles.filter((role) => !removed.has(role));
      }
    } else if (operation.path.valueFilter) {
      // `roles[value eq "X"]` with add/replace: the filtered role is assigned (on top of the set).
      const named = rolesOfEntries([...values.filter(isPlainObject), ...filterValues(operation)]);
      roles = [...new Set([...roles, ...named])];
    } else {
      roles = rolesOfEntries(values);
    }
  }
  return roles;
}

function filterValues(operation: PatchOperation): { value: string }[] {
  const filter = operation.path.valueFilter;
  if (filter?.kind === 'compare' && filter.op === 'eq' && typeof filter.value === 'string')
    return [{ value: filter.value }];
  return [];
}

/** What an audit record compares before and after a write. */
function snapshot(row: UserRow): Record<string, unknown> {
  return {
    userName: row.userName,
    displayName: row.displayName,
    externalId: row.externalId,
    active: row.active,
    roles: roleSetOf(row),
    globalRole: row.globalRole,
    scimAttributes: row.scimAttributes,
    isDirectorySynchronized: row.isDirectorySynchronized,
  };
}
