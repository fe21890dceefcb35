import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { isUuid } from '#persistence';
import { csvHeader, csvLine, ndjsonLine, type ExportFormat } from './audit-export.format.js';
import type { AuditEventsPageDto } from './audit-event.dto.js';
import type { AuditEventFiltersDto } from './audit-events-query.dto.js';
import {
  AuditEventsRepository,
  type AuditEventRecord,
  type AuditEventWithPosition,
} from './audit-events.repository.js';
import { decodeCursor, encodeCursor, type AuditCursor, type AuditEventFilter } from './audit-events.query.js';
import type { AuditReader } from './audit-reader.guard.js';
import { organizationScope, scopedFilter } from './audit-scope.js';

/** Rows per query while exporting: bounds the memory of an export of any size. */
const EXPORT_BATCH = 500;

function toFilter(query: AuditEventFiltersDto): AuditEventFilter {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from.getTime() > to.getTime()) throw new BadRequestException('from must not be after to');
  return {
    organizationId: query.organizationId,
    source: query.source,
    from,
    to,
    outcome: query.outcome,
    status: query.status,
    method: query.method,
    operation: query.operation,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    externalId: query.externalId,
    userName: query.userName,
    displayName: query.displayName,
    requestId: query.requestId,
    dryRun: query.dryRun,
    text: query.q,
  };
}

function withoutPosition(row: AuditEventWithPosition): AuditEventRecord {
  const { cursorTime: _cursorTime, ...event } = row;
  return event;
}

function positionOf(row: AuditEventWithPosition): AuditCursor {
  return { occurredAt: row.cursorTime, id: row.id };
}

@Injectable()
export class AuditEventsService {
  constructor(private readonly events: AuditEventsRepository) {}

  async list(
    reader: AuditReader,
    query: AuditEventFiltersDto,
    limit: number,
    cursor: string | undefined,
  ): Promise<AuditEventsPageDto> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new BadRequestException('cursor is not one this API returned');
    // One row more than asked tells whether another page follows, without counting.
    const rows = await this.events.page(scopedFilter(reader, toFilter(query)), limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      events: page.map(withoutPosition),
      nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last)) : null,
    };
  }

  async get(reader: AuditReader, id: string): Promise<AuditEventRecord> {
    // Another organization's event is "not found" for an administrator: its existence is not theirs to know.
    const event = isUuid(id) ? await this.events.findById(id, organizationScope(reader)) : undefined;
    if (!event) throw new NotFoundException(`Audit event ${id} does not exist.`);
    return event;
  }

  /**
   * Every matching event, newest first, as a stream read in keyset batches: memory stays at one
   * batch whatever the total, and no connection is held while a slow client reads.
   */
  export(reader: AuditReader, query: AuditEventFiltersDto, format: ExportFormat): Readable {
    const filter = scopedFilter(reader, toFilter(query));
    const events = this.events;
    async function* chunks(): AsyncGenerator<string> {
      if (format === 'csv') yield csvHeader();
      let after: AuditCursor | undefined;
      for (;;) {
        const rows = await events.page(filter, EXPORT_BATCH, after);
        if (rows.length === 0) return;
        const line = format === 'csv' ? csvLine : ndjsonLine;
        yield rows.map((row) => line(withoutPosition(row))).join('');
        if (rows.length < EXPORT_BATCH) return;
        after = positionOf(rows[rows.length - 1]!);
      }
    }
    // highWaterMark 1: the next batch is read only once the client has taken the previous one.
    return Readable.from(chunks(), { objectMode: true, highWaterMark: 1 });
  }
}
