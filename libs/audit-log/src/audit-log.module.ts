import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '#metrics';
import { AuditEventsWriter } from './audit-events.writer.js';
import { SyncAuditRecorder } from './audit-log.recorder.js';
import { AuditTrail } from './audit.trail.js';

/**
 * Global, so any channel can inject AuditTrail, the DryRunInterceptor the recorder and the
 * management API's change sink the writer, without every feature module importing this one.
 */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [AuditTrail, SyncAuditRecorder, AuditEventsWriter],
  exports: [AuditTrail, SyncAuditRecorder, AuditEventsWriter],
})
export class AuditLogModule {}
