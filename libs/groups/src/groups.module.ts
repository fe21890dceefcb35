import { Module } from '@nestjs/common';
import { GroupsRepository } from './groups.repository.js';
import { ScimGroupsService } from './scim-groups.service.js';

@Module({
  providers: [GroupsRepository, ScimGroupsService],
  exports: [GroupsRepository, ScimGroupsService],
})
export class GroupsModule {}
