import { Injectable } from '@nestjs/common';
import { UsersRepository } from '#users';
import { GroupsRepository } from './groups.repository.js';

/** One change to a group's members, in the order a request asks for them. */
export type MembershipChange =
  | { readonly kind: 'add'; readonly ids: string[] }
  | { readonly kind: 'remove'; readonly ids: string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly ids: string[] };

/** What a request's membership changes did, after members removed and re-added cancel out. */
export interface MembershipOutcome {
  readonly added: string[];
  readonly removed: string[];
  readonly removedAll: boolean;
  /** Synchronized users now in no synchronized group (the setup guide's leave-all-groups rule). */
  readonly deactivated: string[];
  /** Users that rule had deactivated, back in a synchronized group. */
  readonly reactivated: string[];
}

/**
 * The membership rules of the domain, whatever the channel: memberships change as SQL set
 * operations (never a read-modify-write of the member list), and the leave-all-groups rule and its
 * reversal run in the same transaction, after the touched users are locked.
 */
@Injectable()
export class GroupMembershipService {
  constructor(
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
  ) {}

  /**
   * Locks every user the changes may touch (the named ids, and the group's current members when
   * all of them may go), before anything is checked or changed. Locking first makes the
   * leave-all-groups rule and its reverse see every other request's committed memberships, and
   * makes a member check see a concurrent deletion of a user (which locks the same row) instead of
   * adding a member that the deletion just removed.
   */
  async lockTouchedUsers(
    organizationId: string,
    groupId: string | undefined,
    changes: readonly MembershipChange[],
  ): Promise<void> {
    if (changes.length === 0) return;
    const named = changes.flatMap((change) => (change.kind === 'removeAll' ? [] : change.ids));
    const everyMemberMayGo = changes.some(
      (change) => change.kind === 'removeAll' || change.kind === 'replace',
    );
    const current =
      groupId !== undefined && everyMemberMayGo ? await this.groups.memberIds(organizationId, groupId) : [];
    await this.users.lockForMembershipChange(organizationId, [...named, ...current]);
  }

  /** Runs the changes in request order, then the leave-all-groups rule; undefined if nothing changed. */
  async apply(
    organizationId: string,
    groupId: string,
    changes: readonly MembershipChange[],
  ): Promise<MembershipOutcome | undefined> {
    const added = new Set<string>();
    const removed = new Set<string>();
    let removedAll = false;
    for (const change of changes) {
      let gained: string[] = [];
      let lost: string[] = [];
      if (change.kind === 'add') gained = await this.groups.addMembers(organizationId, groupId, change.ids);
      else if (change.kind === 'remove')
        lost = await this.groups.removeMembers(organizationId, groupId, change.ids);
      else if (change.kind === 'removeAll') {
        lost = await this.groups.removeAllMembers(organizationId, groupId);
        removedAll = true;
      } else {
        lost = await this.groups.removeAllMembers(organizationId, groupId, change.ids);
        gained = await this.groups.addMembers(organizationId, groupId, change.ids);
      }
      // A member removed and added back in one request (or the reverse) ends as no change.
      for (const userId of gained) {
        if (!removed.delete(userId)) added.add(userId);
      }
      for (const userId of lost) {
        if (!added.delete(userId)) removed.add(userId);
      }
    }
    if (added.size === 0 && removed.size === 0) return undefined;
    const reactivated = await this.users.reactivateUsersDeactivatedByMembership(organizationId, [...added]);
    const deactivated = await this.users.deactivateUsersWithoutSynchronizedGroup(organizationId, [
      ...removed,
    ]);
    return { added: [...added], removed: [...removed], removedAll, deactivated, reactivated };
  }
}
