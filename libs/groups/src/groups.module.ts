import { Module } from '@nestjs/common';
import { UsersModule } from '#users';
import { GroupMembershipService } from './group-membership.service.js';
import { GroupNestingRules } from './group-nesting.rules.js';
import { GroupsAdminRepository } from './groups-admin.repository.js';
import { GroupsRepository } from './groups.repository.js';

@Module({
  imports: [UsersModule],
  providers: [GroupsRepository, GroupsAdminRepository, GroupMembershipService, GroupNestingRules],
  exports: [GroupsRepository, GroupsAdminRepository, GroupMembershipService, GroupNestingRules],
})
export class GroupsModule {}
