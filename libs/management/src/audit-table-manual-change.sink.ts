import { Injectable } from '@nestjs/common';
import { AuditEventsWriter } from '#audit-log';
import type { ManualChange, ManualChangeSink } from './manual-change.recorder.js';

/**
 * Records manual changes in the sync audit table (source 'manual'), next to Entra's requests, so
 * support staff and organization administrators read both through one audit API. One INSERT per
 * request, in its transaction: the changes and their rows commit together, and a failed insert
 * fails the request (503) without changing anything.
 */
@Injectable()
export class AuditTableManualChangeSink implements ManualChangeSink {
  constructor(private readonly events: AuditEventsWriter) {}

  async write(changes: readonly ManualChange[]): Promise<void> {
    await this.events.insertManualChanges(
      changes.map((change) => ({
        occurredAt: change.occurredAt,
        organizationId: change.organizationId,
        // The actor is the token's user: the same columns a SCIM row names its caller in.
        tokenId: change.actorTokenId,
        userId: change.actorUserId,
        requestId: change.requestId,
        clientAddress: change.clientAddress,
        userAgent: change.userAgent,
        method: change.method,
        path: change.path,
        status: change.status,
        durationMs: change.durationMs,
        operation: change.operation,
        resourceType: change.resourceType,
        resourceId: change.resourceId,
        label: change.label,
        effect: change.effect,
      })),
    );
  }
}
