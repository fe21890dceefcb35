import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/src/auth.module.js';
import { GroupsModule } from '../../groups/src/groups.module.js';
import { UsersModule } from '../../users/src/users.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { EntraMappingController } from './entra-mapping.controller.js';
import { GroupsController } from './groups.controller.js';
import { HeavyReadsLimiter } from './heavy-reads.limiter.js';
import { UsersController } from './users.controller.js';

@Module({
  imports: [AuthModule, UsersModule, GroupsModule],
  controllers: [DiscoveryController, UsersController, GroupsController, EntraMappingController],
  providers: [DryRunInterceptor, HeavyReadsLimiter],
  exports: [AuthModule, DryRunInterceptor, HeavyReadsLimiter],
})
export class ScimModule {}
