import { ForbiddenException } from '@nestjs/common';
import type { AuditReader } from './audit-reader.guard.js';
import type { AuditEventFilter } from './audit-events.query.js';

/**
 * An organization administrator reads their own organization only: naming another one is a 403
 * (the administrator knows which organization they asked for; nothing is revealed by saying no).
 */
export function assertMayRead(reader: AuditReader, organizationId: string | undefined): void {
  if (
    reader.kind === 'organization-admin' &&
    organizationId !== undefined &&
    organizationId !== reader.organizationId
  ) {
    throw new ForbiddenException(
      "An organization administrator may read only their own organization's audit.",
    );
  }
}

/** The filter as this reader may run it: an administrator's is pinned to their organization. */
export function scopedFilter(reader: AuditReader, filter: AuditEventFilter): AuditEventFilter {
  assertMayRead(reader, filter.organizationId);
  return reader.kind === 'organization-admin' ? { ...filter, organizationId: reader.organizationId } : filter;
}

/** The organization an event lookup is confined to: none for support staff. */
export function organizationScope(reader: AuditReader): string | undefined {
  return reader.kind === 'organization-admin' ? reader.organizationId : undefined;
}
