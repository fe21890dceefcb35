import { Injectable, Logger } from '@nestjs/common';
import { CLS_REQ, ClsService } from 'nestjs-cls';
import type { AuditEffect, AuditOperation, AuditTarget } from './audit-event.types.js';
import { requestAuditOf } from './request-audit.state.js';

/**
 * The current SCIM request's audit record, for services to fill in while they handle it: the
 * request itself (method, path, body, caller, status, error) is recorded without their help; they
 * add what only they know: the target and the effect. Outside a SCIM request (CLI, management API,
 * start-up) both methods do nothing, and neither ever throws: the audit must never break the work.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('AuditTrail');

  constructor(private readonly cls: ClsService) {}

  /** Merges into the current request's record; undefined fields leave what is there. */
  describe(details: { operation?: AuditOperation } & AuditTarget): void {
    this.withCurrent((audit) => audit.describe(details));
  }

  /** Merges into the current request's effect: lists are concatenated, `changed` merged by path. */
  recordEffect(effect: AuditEffect): void {
    this.withCurrent((audit) => audit.recordEffect(effect));
  }

  private withCurrent(apply: (audit: NonNullable<ReturnType<typeof requestAuditOf>>) => void): void {
    try {
      if (!this.cls.isActive()) return;
      const audit = requestAuditOf(this.cls.get<unknown>(CLS_REQ));
      if (audit) apply(audit);
    } catch (error) {
      this.logger.warn(
        `could not add to the audit record: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
