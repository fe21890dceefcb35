import { Injectable } from '@nestjs/common';
import type { Page } from '#persistence';
import type {
  AddMemberDto,
  CreateGroupDto,
  ListGroupsQueryDto,
  UpdateGroupDto,
} from './management-group.dto.js';
import { pageWindow } from './management-common.dto.js';
import { isForeignKeyViolation, ManagementError, notFound, rethrowConflict } from './management.errors.js';
import type { ManagementPrincipal } from './management.guard.js';
import { GroupNestingRules, GroupsAdminRepository, type GroupMemberRow, type ManagedGroupRow } from '#groups';
import { assertManuallyManaged, UsersAdminRepository } from '#users';
import { ManualChangeRecorder } from './manual-change.recorder.js';

const GROUP_CONFLICTS = {
  UQ_groups_organization_lower_display_name: {
    code: 'GROUP_NAME_TAKEN' as const,
    field: 'displayName',
    message: 'Another group of this organization (manual or synchronized) already has this displayName.',
  },
};

/**
 * Hybrid group management. Manual groups are created, renamed and deleted here and may contain
 * users and groups, manual or synchronized; synchronized groups are read-only here, their
 * membership included, but may be put into manual groups. Nesting never makes a cycle.
 */
@Injectable()
export class ManagementGroupsService {
  constructor(
    private readonly groups: GroupsAdminRepository,
    private readonly nesting: GroupNestingRules,
    private readonly users: UsersAdminRepository,
    private readonly changes: ManualChangeRecorder,
  ) {}

  list(organizationId: string, query: ListGroupsQueryDto): Promise<Page<ManagedGroupRow>> {
    return this.groups.list(organizationId, {
      name: query.name,
      synchronized: query.synchronized,
      ...pageWindow(query),
    });
  }

  async get(organizationId: string, id: string): Promise<ManagedGroupRow> {
    const group = await this.groups.find(organizationId, id);
    if (!group) throw notFound('Group', id);
    return group;
  }

  async members(
    organizationId: string,
    id: string,
    window: { limit: number; offset: number },
  ): Promise<Page<GroupMemberRow>> {
    await this.get(organizationId, id);
    return this.groups.members(organizationId, id, window);
  }

  async create(principal: ManagementPrincipal, body: CreateGroupDto): Promise<ManagedGroupRow> {
    const group = await this.groups
      .insertManual(principal.organizationId, {
        displayName: body.displayName,
        description: body.description ?? null,
      })
      .catch((error: unknown) => rethrowConflict(error, GROUP_CONFLICTS));
    this.changes.record({
      operation: 'create',
      resourceType: 'Group',
      resourceId: group.id,
      label: group.displayName,
      effect: { changed: { displayName: { before: null, after: group.displayName } } },
    });
    return group;
  }

  async update(principal: ManagementPrincipal, id: string, body: UpdateGroupDto): Promise<ManagedGroupRow> {
    const current = await this.manualForUpdate(principal, id);
    const after = {
      displayName: body.displayName ?? current.displayName,
      description: body.description === undefined ? current.description : body.description,
    };
    const changed: Record<string, { before: unknown; after: unknown }> = {};
    if (after.displayName !== current.displayName) {
      changed.displayName = { before: current.displayName, after: after.displayName };
    }
    if (after.description !== current.description) {
      changed.description = { before: current.description, after: after.description };
    }
    if (Object.keys(changed).length === 0) return current;
    const group = await this.groups
      .updateManual(principal.organizationId, current.id, after)
      .catch((error: unknown) => rethrowConflict(error, GROUP_CONFLICTS));
    this.changes.record({
      operation: 'update',
      resourceType: 'Group',
      resourceId: group.id,
      label: group.displayName,
      effect: { changed },
    });
    return group;
  }

  /** Its memberships end and the permissions granted to it are revoked with it. */
  async delete(principal: ManagementPrincipal, id: string): Promise<void> {
    const current = await this.manualForUpdate(principal, id);
    await this.groups.deleteManual(principal.organizationId, current.id);
    this.changes.record({
      operation: 'delete',
      resourceType: 'Group',
      resourceId: current.id,
      label: current.displayName,
    });
  }

  /** Adds a user or a group; `added` is false when it was a member already (nothing changes). */
  async addMember(
    principal: ManagementPrincipal,
    groupId: string,
    member: AddMemberDto,
  ): Promise<{ added: boolean; member: GroupMemberRow }> {
    const org = principal.organizationId;
    // The nesting lock comes before any row lock, in every request that takes both: no deadlock.
    if (member.type === 'group') await this.groups.lockNesting(org);
    const parent = await this.manualForUpdate(principal, groupId);
    let added: boolean;
    let row: GroupMemberRow;
    if (member.type === 'user') {
      const user = await this.users.find(org, member.id);
      if (!user) throw notFound('User', member.id, 'id');
      added = await this.guardVanished('User', member.id, () => this.groups.addUser(org, parent.id, user.id));
      row = {
        type: 'user',
        id: user.id,
        userName: user.userName,
        displayName: user.displayName,
        isDirectorySynchronized: user.isDirectorySynchronized,
        active: user.active,
      };
    } else {
      const child = await this.groups.find(org, member.id);
      if (!child) throw notFound('Group', member.id, 'id');
      await this.nesting.assertMayNest(org, parent, child);
      added = await this.guardVanished('Group', member.id, () =>
        this.groups.addGroup(org, parent.id, child.id),
      );
      row = {
        type: 'group',
        id: child.id,
        userName: null,
        displayName: child.displayName,
        isDirectorySynchronized: child.isDirectorySynchronized,
        active: null,
      };
    }
    if (added) {
      this.changes.record({
        operation: 'add-member',
        resourceType: 'Group',
        resourceId: parent.id,
        label: parent.displayName,
        effect: { memberType: member.type, memberId: member.id },
      });
    }
    return { added, member: row };
  }

  async removeMember(principal: ManagementPrincipal, groupId: string, memberId: string): Promise<void> {
    const parent = await this.manualForUpdate(principal, groupId);
    const removed = await this.groups.removeMember(principal.organizationId, parent.id, memberId);
    if (!removed) {
      throw new ManagementError(
        404,
        'MEMBER_NOT_FOUND',
        `${memberId} is not a member of group "${parent.displayName}".`,
      );
    }
    this.changes.record({
      operation: 'remove-member',
      resourceType: 'Group',
      resourceId: parent.id,
      label: parent.displayName,
      effect: { memberType: removed, memberId },
    });
  }

  /** The group, locked for this transaction; 404 if unknown, 409 if Entra manages it. */
  private async manualForUpdate(principal: ManagementPrincipal, id: string): Promise<ManagedGroupRow> {
    const group = await this.groups.find(principal.organizationId, id, true);
    if (!group) throw notFound('Group', id);
    assertManuallyManaged('Group', group, group.displayName);
    return group;
  }

  /** The member was deleted between our check and the insert (its foreign key fails): 404 after all. */
  private async guardVanished(
    kind: 'User' | 'Group',
    id: string,
    insert: () => Promise<boolean>,
  ): Promise<boolean> {
    try {
      return await insert();
    } catch (error) {
      if (isForeignKeyViolation(error)) throw notFound(kind, id, 'id');
      throw error;
    }
  }
}
