import { Module } from '@nestjs/common';
import { AuthModule } from '#auth';
import { OrganizationsModule } from '#organizations';
import { AuditEventsRepository } from './audit-events.repository.js';
import { AuditEventsService } from './audit-events.service.js';
import { AuditReaderGuard } from './audit-reader.guard.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditSummaryService } from './audit-summary.service.js';
import { AuditController } from './audit.controller.js';

/** Support staff's window on the audit log: queries, export, summary, retention. */
@Module({
  imports: [AuthModule, OrganizationsModule],
  controllers: [AuditController],
  providers: [
    AuditEventsRepository,
    AuditEventsService,
    AuditSummaryService,
    AuditRetentionService,
    AuditReaderGuard,
  ],
  exports: [AuditRetentionService, AuditSummaryService, AuditEventsService],
})
export class AuditApiModule {}
