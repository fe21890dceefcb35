import { Injectable } from '@nestjs/common';
import { GroupsAdminRepository } from './groups-admin.repository.js';

interface NamedGroup {
  readonly id: string;
  readonly displayName: string;
}

/** Putting a group into itself, directly or through other groups. */
export class GroupCycleError extends Error {
  constructor(
    readonly parent: NamedGroup,
    readonly child: NamedGroup,
  ) {
    super(
      `Group "${child.displayName}" cannot be a member of "${parent.displayName}": "${parent.displayName}" is already ${child.id === parent.id ? 'that very group' : `inside "${child.displayName}"`}, so groups would contain themselves.`,
    );
  }
}

/** Nested groups never form a cycle (permissions resolve through them). */
@Injectable()
export class GroupNestingRules {
  constructor(private readonly groups: GroupsAdminRepository) {}

  /**
   * Throws GroupCycleError when `child` is `parent` or already contains it. Correct under
   * concurrency only while the organization's nesting lock is held (GroupsAdminRepository.lockNesting).
   */
  async assertMayNest(organizationId: string, parent: NamedGroup, child: NamedGroup): Promise<void> {
    if (child.id === parent.id || (await this.groups.wouldCycle(organizationId, parent.id, child.id))) {
      throw new GroupCycleError(parent, child);
    }
  }
}
