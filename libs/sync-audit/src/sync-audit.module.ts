import { Global, Module } from '@nestjs/common';
import { AuditTrail } from './audit.trail.js';

/** Global, so any service can inject AuditTrail without every feature module importing this one. */
@Global()
@Module({
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class SyncAuditModule {}
