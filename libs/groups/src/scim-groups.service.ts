import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/src/app.config.js';
import { isUniqueViolation } from '../../persistence/src/database.errors.js';
import { etagMatches, weakEtag } from '../../scim-protocol/src/etag.js';
import { compileFilterToSql } from '../../scim-protocol/src/filter.sql.js';
import type { JsonObject } from '../../scim-protocol/src/json.util.js';
import {
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
  type ListResponse,
  type QueryParams,
} from '../../scim-protocol/src/list.query.js';
import { applyPatchToJson } from '../../scim-protocol/src/patch.apply.js';
import {
  partitionMembershipOperations,
  type MembershipChange,
} from '../../scim-protocol/src/patch.membership.js';
import { parsePatchRequest } from '../../scim-protocol/src/patch.parser.js';
import { normalizeResource } from '../../scim-protocol/src/patch.values.js';
import { needsAttribute, project, type ProjectionQuery } from '../../scim-protocol/src/projection.js';
import { ScimError } from '../../scim-protocol/src/scim.error.js';
import { AuditTrail } from '../../sync-audit/src/audit.trail.js';
import type { ScimResult, ScimTenant } from '../../users/src/scim-users.service.js';
import {
  GROUP_FILTER_COLUMNS,
  GROUP_SORT_COLUMNS,
  storedGroupAttributesOf,
  toScimGroup,
} from './scim-group.mapper.js';
import { GroupsRepository, type GroupRow, type GroupState, type MemberRow } from './groups.repository.js';

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
 * The SCIM /Groups resource. Membership changes are set operations in SQL (insert ignoring
 * existing rows, delete by key), never a read-modify-write of the member list, so Entra's parallel
 * PATCHes lose nothing and cost the same on a group of 100,000 as on a group of 10.
 */
@Injectable()
export class ScimGroupsService {
  constructor(
    private readonly groups: GroupsRepository,
    private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private listOptions() {
    return {
      resourceType: 'Group' as const,
      defaultCount: this.config.scimDefaultPageSize,
      maxCount: this.config.scimMaxPageSize,
    };
  }

  list(tenant: ScimTenant, params: QueryParams): Promise<ListResponse<JsonObject>> {
    return this.query(tenant, parseListQuery(params, this.listOptions()));
  }

  search(tenant: ScimTenant, body: unknown): Promise<ListResponse<JsonObject>> {
    return this.query(tenant, parseSearchRequest(body, this.listOptions()));
  }

  private async query(tenant: ScimTenant, query: ListQuery): Promise<ListResponse<JsonObject>> {
    this.audit.describe({ operation: 'query', resourceType: 'Group' });
    const where = query.filter
      ? compileFilterToSql(query.filter, {
          resourceType: 'Group',
          columns: GROUP_FILTER_COLUMNS,
          paramOffset: 1,
        })
      : undefined;
    const orderBy = query.sortBy
      ? `${GROUP_SORT_COLUMNS[query.sortBy.toLowerCase()] ?? 'g.id'} ${query.sortOrder === 'descending' ? 'DESC' : 'ASC'}, g.id`
      : 'g.id';
    const rows =
      query.count === 0
        ? []
        : await this.groups.list(tenant.organizationId, {
            where,
            orderBy,
            offset: query.startIndex - 1,
            limit: query.count,
          });
    const total =
      query.startIndex === 1 && rows.length < query.count
        ? rows.length
        : await this.groups.count(tenant.organizationId, where);
    // Entra always sends excludedAttributes=members here: then no member row is read at all.
    const members = needsAttribute(query, 'members', 'Group')
      ? groupBy(
          await this.groups.membersOf(
            tenant.organizationId,
            rows.map((row) => row.id),
          ),
        )
      : undefined;
    const resources = rows.map((row) =>
      project(
        toScimGroup(row, tenant.tenantUrl, members ? (members.get(row.id) ?? []) : undefined),
        query,
        'Group',
      ),
    );
    return listResponse(resources, total, query.startIndex);
  }

  /**
   * One group. With members asked for and no sub-attribute projection of them, the members are
   * streamed in batches (see StreamedGroup); otherwise the answer is built whole.
   */
  async get(
    tenant: ScimTenant,
    id: string,
    projection: ProjectionQuery,
    ifNoneMatch?: string,
  ): Promise<ScimResult | StreamedGroup> {
    this.audit.describe({ operation: 'read', resourceType: 'Group', resourceId: id });
    const row = await this.existingOrThrow(tenant, id, false);
    this.describeTarget(row);
    const etag = weakEtag(row.version);
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) return { status: 304, etag };
    if (!needsAttribute(projection, 'members', 'Group')) {
      return { status: 200, etag, body: project(toScimGroup(row, tenant.tenantUrl), projection, 'Group') };
    }
    const wantsMemberParts = (projection.attributes ?? []).some((path) => /^members\./i.test(path));
    if (wantsMemberParts) {
      const members = await this.groups.membersOf(tenant.organizationId, [row.id]);
      return {
        status: 200,
        etag,
        body: project(toScimGroup(row, tenant.tenantUrl, members), projection, 'Group'),
      };
    }
    const body = project(
      toScimGroup(row, tenant.tenantUrl),
      { ...projection, excludedAttributes: [...(projection.excludedAttributes ?? []), 'members'] },
      'Group',
    );
    return {
      status: 200,
      etag,
      body,
      members: this.groups.streamMembers(tenant.organizationId, row.id),
      tenantUrl: tenant.tenantUrl,
    };
  }

  async create(tenant: ScimTenant, body: unknown, projection: ProjectionQuery): Promise<ScimResult> {
    const resource = normalizeResource('Group', body);
    const state = stateOf(resource);
    this.audit.describe({
      operation: 'create',
      resourceType: 'Group',
      externalId: state.externalId,
      displayName: state.displayName,
    });
    const memberIds = memberIdsOf(resource.members);
    await this.assertProvisionableMembers(tenant, memberIds);
    const row = await this.uniquely(state, () => this.groups.insert(tenant.organizationId, state));
    this.describeTarget(row);
    await this.applyMembership(tenant, row, [{ kind: 'add', ids: memberIds }]);
    return this.written(tenant, row, projection, 201, true);
  }

  async replace(
    tenant: ScimTenant,
    id: string,
    body: unknown,
    projection: ProjectionQuery,
    ifMatch?: string,
  ) {
    const resource = normalizeResource('Group', body);
    const current = await this.existingOrThrow(tenant, id, true);
    this.describeTarget(current);
    this.audit.describe({ operation: 'replace' });
    checkPrecondition(current, ifMatch);
    const memberIds = memberIdsOf(resource.members);
    await this.assertProvisionableMembers(tenant, memberIds);
    const row = await this.updateState(tenant, current, stateOf(resource));
    await this.applyMembership(tenant, row, [{ kind: 'replace', ids: memberIds }]);
    return this.written(tenant, row, projection, 200, true);
  }

  /** PATCH answers 204, or 200 with the group when the request asks for attributes. */
  async patch(tenant: ScimTenant, id: string, body: unknown, projection: ProjectionQuery, ifMatch?: string) {
    const operations = parsePatchRequest(body, 'Group');
    const { membership, others } = partitionMembershipOperations(operations);
    // The group row lock orders concurrent PATCHes of one group; membership rows need no other lock.
    const current = await this.existingOrThrow(tenant, id, true);
    this.describeTarget(current);
    this.audit.describe({ operation: 'update' });
    checkPrecondition(current, ifMatch);
    await this.assertProvisionableMembers(
      tenant,
      membership.flatMap((change) => (change.kind === 'add' || change.kind === 'replace' ? change.ids : [])),
    );
    const patched = others.length
      ? applyPatchToJson(toScimGroup(current, tenant.tenantUrl), others, 'Group')
      : undefined;
    const row = await this.updateState(tenant, current, patched ? stateOf(patched) : stateFromRow(current));
    await this.applyMembership(tenant, row, membership);
    const wantsBody = projection.attributes !== undefined || projection.excludedAttributes !== undefined;
    if (!wantsBody) return { status: 204, etag: weakEtag(row.version) };
    return this.written(tenant, row, projection, 200, false);
  }

  async delete(tenant: ScimTenant, id: string, ifMatch?: string): Promise<ScimResult> {
    this.audit.describe({ operation: 'delete', resourceType: 'Group', resourceId: id });
    const current = await this.existingOrThrow(tenant, id, true);
    this.describeTarget(current);
    checkPrecondition(current, ifMatch);
    await this.applyMembership(tenant, current, [{ kind: 'removeAll' }]);
    await this.groups.delete(tenant.organizationId, current.id);
    return { status: 204 };
  }

  /**
   * Runs membership changes in request order as SQL set operations, then applies the setup guide's
   * rule: synchronized users this request removed and who are now in no synchronized group are
   * deactivated, in the same transaction; users who join again after such a deactivation come back.
   */
  private async applyMembership(tenant: ScimTenant, group: GroupRow, changes: readonly MembershipChange[]) {
    const org = tenant.organizationId;
    const added = new Set<string>();
    const removed = new Set<string>();
    let removedAll = false;
    for (const change of changes) {
      let gained: string[] = [];
      let lost: string[] = [];
      if (change.kind === 'add') gained = await this.groups.addMembers(org, group.id, change.ids);
      else if (change.kind === 'remove') lost = await this.groups.removeMembers(org, group.id, change.ids);
      else if (change.kind === 'removeAll') {
        lost = await this.groups.removeAllMembers(org, group.id);
        removedAll = true;
      } else {
        lost = await this.groups.removeAllMembers(org, group.id, change.ids);
        gained = await this.groups.addMembers(org, group.id, change.ids);
      }
      // A member removed and added back in one request (or the reverse) ends as no change.
      for (const userId of gained) {
        if (!removed.delete(userId)) added.add(userId);
      }
      for (const userId of lost) {
        if (!added.delete(userId)) removed.add(userId);
      }
    }
    if (added.size === 0 && removed.size === 0) return;
    const reactivated = await this.groups.reactivateUsersDeactivatedByMembership(org, [...added]);
    const deactivated = await this.groups.deactivateUsersWithoutSynchronizedGroup(org, [...removed]);
    this.audit.recordEffect({
      membersAdded: [...added],
      membersRemoved: [...removed],
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
    const changed = changesBetween(stateFromRow(current), state);
    this.audit.recordEffect({ changed });
    return this.uniquely(state, () => this.groups.update(tenant.organizationId, current.id, state));
  }

  private async written(
    tenant: ScimTenant,
    row: GroupRow,
    projection: ProjectionQuery,
    status: number,
    created: boolean,
  ) {
    const members = needsAttribute(projection, 'members', 'Group')
      ? await this.groups.membersOf(tenant.organizationId, [row.id])
      : undefined;
    const body = toScimGroup(row, tenant.tenantUrl, members);
    return {
      status,
      body: project(body, projection, 'Group'),
      etag: weakEtag(row.version),
      location: created ? `${tenant.tenantUrl}/Groups/${row.id}` : undefined,
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

  private async uniquely(state: GroupState, write: () => Promise<GroupRow>): Promise<GroupRow> {
    try {
      return await write();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw ScimError.uniqueness(
        `a group with displayName "${state.displayName}" already exists in this organization`,
      );
    }
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

function checkPrecondition(row: GroupRow, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && !etagMatches(ifMatch, weakEtag(row.version))) {
    throw ScimError.preconditionFailed(
      `Group ${row.id} has changed: its version is ${weakEtag(row.version)}`,
    );
  }
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

function changesBetween(
  before: GroupState,
  after: GroupState,
): Record<string, { before: unknown; after: unknown }> {
  const changed: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(after) as (keyof GroupState)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changed[key] = { before: before[key], after: after[key] };
  }
  return changed;
}
