import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import {
  etagMatches,
  weakEtag,
  changedAttributes,
  type JsonObject,
  pageWithTotal,
  sqlListPage,
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
  type ListResponse,
  applyPatchToJson,
  partitionMembershipOperations,
  type MembershipChange,
  parsePatchRequest,
  normalizeResource,
  needsAttribute,
  project,
  ScimError,
  type ScimCall,
  type ScimResult,
  type ScimTenant,
} from '#scim-protocol';
import { AuditTrail } from '#audit-log';
import { lockedForWrite, namedIdentifiers, scimListOptions, uniquely } from './scim-resource.support.js';
import {
  GROUP_FILTER_COLUMNS,
  GROUP_SORT_COLUMNS,
  storedGroupAttributesOf,
  toScimGroup,
} from './scim-group.mapper.js';
import {
  GroupMembershipService,
  GroupsRepository,
  type GroupRow,
  type GroupState,
  type MemberRow,
} from '#groups';

/** A single group whose members are streamed by the controller instead of built in memory. */
export interface StreamedGroup {
  status: 200;
  etag: string;
  /** The group as JSON without `members`, already projected. */
  body: JsonObject;
  members: AsyncIterable<MemberRow[]>;
  tenantUrl: string;
}

/**
 * Called right before a response starts reading members whose number follows a group's size (a
 * group streamed or built with its members, a list page with members); it throws to refuse the
 * request (the SCIM channel's limit on such responses in flight). Not called when no member is read.
 */
export type BeforeMemberRead = () => void;

/**
 * The SCIM /Groups resource. Membership changes are set operations in SQL (insert ignoring
 * existing rows, delete by key), never a read-modify-write of the member list, so Entra's parallel
 * PATCHes lose nothing and cost the same on a group of 100,000 as on a group of 10.
 */
@Injectable()
export class ScimGroupsService {
  constructor(
    private readonly groups: GroupsRepository,
    private readonly membership: GroupMembershipService,
    private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  list(call: ScimCall, beforeMemberRead?: BeforeMemberRead): Promise<ListResponse<JsonObject>> {
    return this.query(
      call.tenant,
      parseListQuery(call.query, scimListOptions('Group', this.config)),
      beforeMemberRead,
    );
  }

  search(
    call: ScimCall,
    body: unknown,
    beforeMemberRead?: BeforeMemberRead,
  ): Promise<ListResponse<JsonObject>> {
    return this.query(
      call.tenant,
      parseSearchRequest(body, scimListOptions('Group', this.config)),
      beforeMemberRead,
    );
  }

  /**
   * A list page. With members asked for, the page's groups may embed at most SCIM_LIST_MAX_MEMBERS
   * member entries together: a page with more is refused with 400 tooMany (RFC 7644 §3.12), telling
   * the client to ask with excludedAttributes=members (then read each group, which streams) or a
   * smaller count. Entra always lists with excludedAttributes=members, so it never meets the cap.
   */
  private async query(
    tenant: ScimTenant,
    query: ListQuery,
    beforeMemberRead?: BeforeMemberRead,
  ): Promise<ListResponse<JsonObject>> {
    this.audit.describe({ operation: 'query', resourceType: 'Group' });
    const withMembers = needsAttribute(query, 'members', 'Group');
    if (withMembers) beforeMemberRead?.();
    const page = sqlListPage(query, {
      resourceType: 'Group',
      columns: GROUP_FILTER_COLUMNS,
      sortColumns: GROUP_SORT_COLUMNS,
      idColumn: 'g.id',
    });
    const { rows, total } = await pageWithTotal(
      query,
      () => this.groups.list(tenant.organizationId, page),
      () => this.groups.count(tenant.organizationId, page.where),
    );
    // Entra always sends excludedAttributes=members here: then no member row is read at all.
    const members = withMembers ? groupBy(await this.cappedMembersOf(tenant, rows)) : undefined;
    const resources = rows.map((row) =>
      project(
        toScimGroup(row, tenant.tenantUrl, members ? (members.get(row.id) ?? []) : undefined),
        query,
        'Group',
      ),
    );
    return listResponse(resources, total, query.startIndex);
  }

  /** The members of a list page, or 400 tooMany when they are more than one response may embed. */
  private async cappedMembersOf(tenant: ScimTenant, rows: readonly GroupRow[]): Promise<MemberRow[]> {
    const cap = this.config.scimListMaxMembers;
    const members = await this.groups.membersOf(
      tenant.organizationId,
      rows.map((row) => row.id),
      cap + 1,
    );
    if (members.length <= cap) return members;
    throw ScimError.tooMany(
      `the ${rows.length} group(s) of this answer have more than ${cap} members together, more than one response builds in memory; ` +
        `ask without a projection of members (GET /Groups/{id} streams them whole), with excludedAttributes=members, or with a smaller count`,
    );
  }

  /**
   * One group. With members asked for and no sub-attribute projection of them, the members are
   * streamed in batches (see StreamedGroup); otherwise the answer is built whole. Either way
   * `beforeMemberRead` runs first (not for a 304 or an answer without members).
   */
  async get(
    call: ScimCall,
    id: string,
    beforeMemberRead?: BeforeMemberRead,
  ): Promise<ScimResult | StreamedGroup> {
    const { tenant, projection } = call;
    this.audit.describe({ operation: 'read', resourceType: 'Group', resourceId: id });
    const row = await this.existingOrThrow(tenant, id, false);
    this.describeTarget(row);
    const etag = weakEtag(row.version);
    if (call.ifNoneMatch !== undefined && etagMatches(call.ifNoneMatch, etag)) return { status: 304, etag };
    if (!needsAttribute(projection, 'members', 'Group')) {
      return { status: 200, etag, body: project(toScimGroup(row, tenant.tenantUrl), projection, 'Group') };
    }
    beforeMemberRead?.();
    if ((projection.attributes ?? []).some((path) => /^members\./i.test(path))) {
      // Projected members are built in memory: bounded like a list page's, not by the group's size.
      const members = await this.cappedMembersOf(tenant, [row]);
      return {
        status: 200,
        etag,
        body: project(toScimGroup(row, tenant.tenantUrl, members), projection, 'Group'),
      };
    }
    const withoutMembers = {
      ...projection,
      excludedAttributes: [...(projection.excludedAttributes ?? []), 'members'],
    };
    return {
      status: 200,
      etag,
      body: project(toScimGroup(row, tenant.tenantUrl), withoutMembers, 'Group'),
      members: this.groups.streamMembers(tenant.organizationId, row.id),
      tenantUrl: tenant.tenantUrl,
    };
  }

  async create(call: ScimCall, body: unknown): Promise<ScimResult> {
    // Named before validation, so a refused create is found by its identifiers too.
    const { externalId, displayName } = namedIdentifiers(body);
    this.audit.describe({ operation: 'create', resourceType: 'Group', externalId, displayName });
    const resource = normalizeResource('Group', body);
    const state = stateOf(resource);
    this.audit.describe({
      operation: 'create',
      resourceType: 'Group',
      externalId: state.externalId,
      displayName: state.displayName,
    });
    const changes: MembershipChange[] = [{ kind: 'add', ids: memberIdsOf(resource.members) }];
    await this.prepareMembership(call.tenant, undefined, changes);
    const row = await this.uniquely(state, () => this.groups.insert(call.tenant.organizationId, state));
    this.describeTarget(row);
    await this.applyMembership(call.tenant, row, changes);
    return this.written(call, row, 201);
  }

  async replace(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
    const resource = normalizeResource('Group', body);
    const current = await this.lockForWrite(call, id, 'replace');
    const changes: MembershipChange[] = [{ kind: 'replace', ids: memberIdsOf(resource.members) }];
    await this.prepareMembership(call.tenant, current.id, changes);
    const row = await this.updateState(call.tenant, current, stateOf(resource));
    await this.applyMembership(call.tenant, row, changes);
    return this.written(call, row, 200);
  }

  /** PATCH answers 204, or 200 with the group when the request asks for attributes. */
  async patch(call: ScimCall, id: string, body: unknown): Promise<ScimResult> {
    const { membership, others } = partitionMembershipOperations(parsePatchRequest(body, 'Group'));
    // The group row lock orders concurrent PATCHes of one group; the user locks order PATCHes of
    // different groups that touch the same users (see prepareMembership).
    const current = await this.lockForWrite(call, id, 'update');
    await this.prepareMembership(call.tenant, current.id, membership);
    const patched = others.length
      ? applyPatchToJson(toScimGroup(current, call.tenant.tenantUrl), others, 'Group')
      : undefined;
    const row = await this.updateState(
      call.tenant,
      current,
      patched ? stateOf(patched) : stateFromRow(current),
    );
    await this.applyMembership(call.tenant, row, membership);
    const { attributes, excludedAttributes } = call.projection;
    if (attributes === undefined && excludedAttributes === undefined)
      return { status: 204, etag: weakEtag(row.version) };
    return this.written(call, row, 200);
  }

  async delete(call: ScimCall, id: string): Promise<ScimResult> {
    const current = await this.lockForWrite(call, id, 'delete');
    const changes: MembershipChange[] = [{ kind: 'removeAll' }];
    await this.prepareMembership(call.tenant, current.id, changes);
    await this.applyMembership(call.tenant, current, changes);
    await this.groups.delete(call.tenant.organizationId, current.id);
    return { status: 204 };
  }

  private lockForWrite(
    call: ScimCall,
    id: string,
    operation: 'update' | 'replace' | 'delete',
  ): Promise<GroupRow> {
    return lockedForWrite(
      this.audit,
      call,
      { resourceType: 'Group', id, operation },
      () => this.groups.findById(call.tenant.organizationId, id, true),
      (row) => this.describeTarget(row),
    );
  }

  /**
   * Before any membership changes: locks every user the changes may touch (the domain's rule,
   * GroupMembershipService), then refuses unknown ids and groups, so the check sees what a
   * concurrent request committed.
   */
  private async prepareMembership(
    tenant: ScimTenant,
    groupId: string | undefined,
    changes: readonly MembershipChange[],
  ): Promise<void> {
    if (changes.length === 0) return;
    await this.membership.lockTouchedUsers(tenant.organizationId, groupId, changes);
    await this.assertProvisionableMembers(
      tenant,
      changes.flatMap((change) => (change.kind === 'add' || change.kind === 'replace' ? change.ids : [])),
    );
  }

  /** Applies the changes and the leave-all-groups rule (GroupMembershipService), and records what they did. */
  private async applyMembership(tenant: ScimTenant, group: GroupRow, changes: readonly MembershipChange[]) {
    const outcome = await this.membership.apply(tenant.organizationId, group.id, changes);
    if (!outcome) return;
    const { added, removed, removedAll, deactivated, reactivated } = outcome;
    this.audit.recordEffect({
      membersAdded: added,
      membersRemoved: removed,
      membersRemovedAll: removedAll || undefined,
      consequences: [
        ...(deactivated.length
          ? [
              {
                kind: 'user-deactivated',
                userIds: deactivated,
                reason: 'removed from all synchronized groups',
              },
            ]
          : []),
        ...(reactivated.length
          ? [{ kind: 'user-reactivated', userIds: reactivated, reason: 'joined a synchronized group again' }]
          : []),
      ],
    });
  }

  /** Unknown ids and groups are refused before anything changes (nested groups are not provisioned). */
  private async assertProvisionableMembers(tenant: ScimTenant, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { unknown, groups } = await this.groups.classifyMemberIds(tenant.organizationId, ids);
    if (groups.length > 0) {
      throw ScimError.invalidValue(
        `attribute 'members': ${describeIds(groups)} ${groups.length === 1 ? 'is a group' : 'are groups'}; nested groups are not supported for provisioning`,
      );
    }
    if (unknown.length > 0) {
      throw ScimError.invalidValue(
        `attribute 'members': no user with id ${describeIds(unknown)} exists in this organization`,
      );
    }
  }

  private async updateState(tenant: ScimTenant, current: GroupRow, state: GroupState): Promise<GroupRow> {
    this.audit.recordEffect({ changed: changedAttributes({ ...stateFromRow(current) }, { ...state }) });
    return this.uniquely(state, () => this.groups.update(tenant.organizationId, current.id, state));
  }

  private async written(call: ScimCall, row: GroupRow, status: number): Promise<ScimResult> {
    const { tenant, projection } = call;
    const members = needsAttribute(projection, 'members', 'Group')
      ? await this.groups.membersOf(tenant.organizationId, [row.id])
      : undefined;
    return {
      status,
      body: project(toScimGroup(row, tenant.tenantUrl, members), projection, 'Group'),
      etag: weakEtag(row.version),
      location: `${tenant.tenantUrl}/Groups/${row.id}`,
    };
  }

  private async existingOrThrow(tenant: ScimTenant, id: string, forUpdate: boolean): Promise<GroupRow> {
    const row = await this.groups.findById(tenant.organizationId, id, forUpdate);
    if (!row) throw ScimError.notFound(`Group ${id} not found`);
    return row;
  }

  private describeTarget(row: GroupRow): void {
    this.audit.describe({
      resourceType: 'Group',
      resourceId: row.id,
      externalId: row.externalId,
      displayName: row.displayName,
    });
  }

  private uniquely(state: GroupState, write: () => Promise<GroupRow>): Promise<GroupRow> {
    return uniquely(
      write,
      () => `a group with displayName "${state.displayName}" already exists in this organization`,
    );
  }
}

function stateOf(resource: JsonObject): GroupState {
  const displayName = resource.displayName;
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw ScimError.invalidValue("attribute 'displayName' is required and must be a non-empty string");
  }
  const externalId = resource.externalId ?? null;
  if (externalId !== null && typeof externalId !== 'string')
    throw ScimError.invalidValue("attribute 'externalId' must be a string");
  const description = resource.description ?? null;
  if (description !== null && typeof description !== 'string') {
    throw ScimError.invalidValue("attribute 'description' must be a string");
  }
  return { displayName, externalId, description, scimAttributes: storedGroupAttributesOf(resource) };
}

function stateFromRow(row: GroupRow): GroupState {
  return {
    displayName: row.displayName,
    externalId: row.externalId,
    description: row.description,
    scimAttributes: row.scimAttributes,
  };
}

function memberIdsOf(members: unknown): string[] {
  if (members === undefined || members === null) return [];
  if (!Array.isArray(members)) throw ScimError.invalidValue("attribute 'members' must be a list");
  return [
    ...new Set(
      members.map((member: unknown) => {
        const id = member !== null && typeof member === 'object' ? (member as JsonObject).value : member;
        if (typeof id !== 'string' || !id)
          throw ScimError.invalidValue("attribute 'members': every member needs a 'value'");
        return id;
      }),
    ),
  ];
}

function describeIds(ids: readonly string[]): string {
  const shown = ids
    .slice(0, 5)
    .map((id) => `"${id}"`)
    .join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

function groupBy(members: readonly MemberRow[]): Map<string, MemberRow[]> {
  const byGroup = new Map<string, MemberRow[]>();
  for (const member of members) {
    const list = byGroup.get(member.groupId);
    if (list) list.push(member);
    else byGroup.set(member.groupId, [member]);
  }
  return byGroup;
}
