import { Module } from '@nestjs/common';
import { AuthModule } from '#auth';
import { GroupsModule } from '#groups';
import { UsersModule } from '#users';
import { DiscoveryController } from './discovery.controller.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { EntraMappingController } from './entra-mapping.controller.js';
import { GroupsController } from './groups.controller.js';
import { HeavyReadsLimiter } from './heavy-reads.limiter.js';
import { ScimGroupsService } from './scim-groups.service.js';
import { ScimTokenGuard } from './scim-token.guard.js';
import { ScimUsersService } from './scim-users.service.js';
import { UsersController } from './users.controller.js';

@Module({
  imports: [AuthModule, UsersModule, GroupsModule],
  controllers: [DiscoveryController, UsersController, GroupsController, EntraMappingController],
  providers: [DryRunInterceptor, HeavyReadsLimiter, ScimTokenGuard, ScimUsersService, ScimGroupsService],
  exports: [DryRunInterceptor, HeavyReadsLimiter, ScimTokenGuard, ScimUsersService, ScimGroupsService],
})
export class ScimModule {}
