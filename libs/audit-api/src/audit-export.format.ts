import type { AuditEventRecord } from './audit-events.repository.js';

export type ExportFormat = 'ndjson' | 'csv';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/**
 * CSV columns, in order; JSON columns are written as JSON text. Columns added later go last, so
 * readers that take columns by position keep working.
 */
export const CSV_COLUMNS: readonly (keyof AuditEventRecord)[] = [
  'id',
  'occurredAt',
  'organizationId',
  'tokenId',
  'userId',
  'requestId',
  'clientAddress',
  'userAgent',
  'method',
  'path',
  'query',
  'dryRun',
  'operation',
  'resourceType',
  'resourceId',
  'externalId',
  'userName',
  'displayName',
  'status',
  'outcome',
  'scimType',
  'detail',
  'durationMs',
  'requestBody',
  'effect',
  'source',
  'count',
  'lastOccurredAt',
  'tokenPrefix',
];

export function ndjsonLine(event: AuditEventRecord): string {
  return `${JSON.stringify(event)}\n`;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  // Cells come from callers (paths, user agents, names): a leading = + - @ would be run as a
  // formula by spreadsheet programs (CSV injection), so such text is prefixed with an apostrophe.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** RFC 4180: comma-separated, CRLF line ends, quoted where needed. */
export function csvLine(event: AuditEventRecord): string {
  return `${CSV_COLUMNS.map((column) => csvCell(event[column])).join(',')}\r\n`;
}
