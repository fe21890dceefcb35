import { Module } from '@nestjs/common';
import { AuthModule } from '#auth';
import { GroupsModule } from '#groups';
import { OrganizationsModule } from '#organizations';
import { ProjectsModule } from '#projects';
import { UsersModule } from '#users';
import { AuditTableManualChangeSink } from './audit-table-manual-change.sink.js';
import { ManagementGroupsController } from './management-groups.controller.js';
import { ManagementGroupsService } from './management-groups.service.js';
import { ManagementPermissionsService } from './management-permissions.service.js';
import { ManagementProjectsController } from './management-projects.controller.js';
import { ManagementProjectsService } from './management-projects.service.js';
import { ManagementSigningPoliciesController } from './management-signing-policies.controller.js';
import { ManagementTokensController } from './management-tokens.controller.js';
import { ManagementTokensService } from './management-tokens.service.js';
import { ManagementTransactionInterceptor } from './management-transaction.interceptor.js';
import { ManagementUsersController } from './management-users.controller.js';
import { ManagementUsersService } from './management-users.service.js';
import { ManagementGuard } from './management.guard.js';
import { MANUAL_CHANGE_SINK, ManualChangeRecorder } from './manual-change.recorder.js';

/**
 * The JSON management API (`/api/v1/organizations/{organizationId}/...`): hybrid management of
 * users and groups next to directory synchronization, projects, signing policies, permissions and
 * tokens, for the organization's own administrators. Its writes are recorded in the sync audit
 * table as manual changes (the global AuditLogModule provides the writer).
 */
@Module({
  imports: [AuthModule, OrganizationsModule, ProjectsModule, UsersModule, GroupsModule],
  controllers: [
    ManagementUsersController,
    ManagementGroupsController,
    ManagementProjectsController,
    ManagementSigningPoliciesController,
    ManagementTokensController,
  ],
  providers: [
    ManagementGuard,
    ManagementTransactionInterceptor,
    ManualChangeRecorder,
    { provide: MANUAL_CHANGE_SINK, useClass: AuditTableManualChangeSink },
    ManagementUsersService,
    ManagementGroupsService,
    ManagementProjectsService,
    ManagementPermissionsService,
    ManagementTokensService,
  ],
  exports: [MANUAL_CHANGE_SINK],
})
export class ManagementModule {}
