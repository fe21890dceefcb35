import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../../auth/src/auth.module.js';
import { OrganizationsModule } from '../../organizations/src/organizations.module.js';
import { AuditEventsRepository } from './audit-events.repository.js';
import { AuditEventsService } from './audit-events.service.js';
import { AuditReaderGuard } from './audit-reader.guard.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditSummaryService } from './audit-summary.service.js';
import { AuditTrail } from './audit.trail.js';
import { AuditController } from './audit.controller.js';
import { SupportTokensRepository } from './support-tokens.repository.js';
import { SupportTokensService } from './support-tokens.service.js';
import { SyncAuditRecorder } from './sync-audit.recorder.js';

/**
 * Global, so any service can inject AuditTrail, the DryRunInterceptor the recorder and the
 * management API's change sink the events repository, without every feature module importing this one.
 */
@Global()
@Module({
  imports: [AuthModule, OrganizationsModule],
  controllers: [AuditController],
  providers: [
    AuditTrail,
    SyncAuditRecorder,
    AuditEventsRepository,
    AuditEventsService,
    AuditSummaryService,
    AuditRetentionService,
    AuditReaderGuard,
    SupportTokensRepository,
    SupportTokensService,
  ],
  exports: [
    AuditTrail,
    SyncAuditRecorder,
    AuditEventsRepository,
    AuditRetentionService,
    SupportTokensService,
  ],
})
export class SyncAuditModule {}
