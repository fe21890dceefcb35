import { Injectable } from '@nestjs/common';
import { AuditEventsRepository } from './audit-events.repository.js';

/** Rows per DELETE: each batch is its own short transaction, so pruning never holds long locks. */
export const PRUNE_BATCH_SIZE = 5_000;

@Injectable()
export class AuditRetentionService {
  constructor(private readonly events: AuditEventsRepository) {}

  /** Deletes events older than `olderThanDays` days, oldest first; returns how many. */
  async prune(
    olderThanDays: number,
    onProgress: (deletedSoFar: number) => void = () => undefined,
    batchSize = PRUNE_BATCH_SIZE,
  ): Promise<{ deleted: number; cutoff: Date }> {
    const cutoff = new Date(Date.now() - olderThanDays * 24 * 60 * 60 * 1000);
    let deleted = 0;
    for (;;) {
      const batch = await this.events.pruneBatch(cutoff, batchSize);
      deleted += batch;
      if (batch > 0) onProgress(deleted);
      if (batch < batchSize) return { deleted, cutoff };
    }
  }
}
