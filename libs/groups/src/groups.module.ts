import { Module } from '@nestjs/common';
import { UsersModule } from '#users';
import { GroupMembershipService } from './group-membership.service.js';
import { GroupsAdminRepository } from './groups-admin.repository.js';
import { GroupsRepository } from './groups.repository.js';

@Module({
  imports: [UsersModule],
  providers: [GroupsRepository, GroupsAdminRepository, GroupMembershipService],
  exports: [GroupsRepository, GroupsAdminRepository, GroupMembershipService],
})
export class GroupsModule {}
