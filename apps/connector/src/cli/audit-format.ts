import type { AuditEventsPageDto, AuditSummaryDto } from '#audit-api';

/** `850 ms`, `4.2 s`, `3 min 5 s`: for progress lines a person reads. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const oneLine = (value: string, max: number): string => {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Seconds are enough to tell events apart on screen; --json has the exact time. */
const time = (at: Date | string | null): string =>
  at === null
    ? '-'
    : new Date(at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');

/** One event a line: when, how it ended, what it was about; the cursor of the next page below. */
export function formatAuditEvents(page: AuditEventsPageDto, options: { showOrganization: boolean }): string {
  if (page.events.length === 0) return 'No audit events match.';
  const header = [
    'OCCURRED AT',
    ...(options.showOrganization ? ['ORGANIZATION'] : []),
    'SOURCE',
    'MODE',
    'OPERATION',
    'RESOURCE',
    'SUBJECT',
    'STATUS',
    'REQUEST ID',
    'DETAIL',
  ];
  const rows = page.events.map((event) => [
    time(event.occurredAt),
    ...(options.showOrganization ? [event.organizationId ?? '-'] : []),
    event.source,
    event.source === 'manual' ? '-' : event.dryRun ? 'dry-run' : 'live',
    event.operation ?? '-',
    event.resourceType ?? '-',
    oneLine(event.userName ?? event.displayName ?? event.externalId ?? event.resourceId ?? '-', 40),
    `${event.status} ${event.outcome}${event.count > 1 ? ` x${event.count}` : ''}`,
    event.requestId,
    oneLine([event.scimType, event.detail].filter(Boolean).join(': '), 80),
  ]);
  const footer = page.nextCursor
    ? `${page.events.length} event(s); more: add --after ${page.nextCursor}`
    : `${page.events.length} event(s); no more.`;
  return `${table(header, rows)}\n\n${footer}`;
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

/** The summary as support staff read it on a ticket: status first, then the numbers. */
export function formatAuditSummary(summary: AuditSummaryDto): string {
  const windows = [summary.last24Hours, summary.last7Days];
  const lines = [
    `Organization ${summary.organizationId}`,
    `Status: ${summary.status}. ${summary.statusReason}`,
    '',
    `First request:     ${time(summary.firstRequestAt)}`,
    `Last request:      ${time(summary.lastRequestAt)}`,
    `Last success:      ${time(summary.lastSuccessAt)} (live ${time(summary.lastLiveSuccessAt)}, dry-run ${time(summary.lastDryRunSuccessAt)})`,
    `Test connection:   ${
      summary.lastTestConnection
        ? `${time(summary.lastTestConnection.at)} ${summary.lastTestConnection.status} ${summary.lastTestConnection.outcome}${summary.lastTestConnection.dryRun ? ' (dry-run)' : ''}`
        : 'never'
    }`,
    '',
    table(
      ['ENTRA REQUESTS', 'LAST 24 HOURS', 'LAST 7 DAYS'],
      [
        ['requests', ...windows.map((w) => String(w.requests))],
        ['failures', ...windows.map((w) => `${w.byOutcome.failure} (${percent(w.failureRate)})`)],
        [
          'live',
          ...windows.map(
            (w) => `${w.live.requests}, ${w.live.failures} failed (${percent(w.live.failureRate)})`,
          ),
        ],
        ['dry-run', ...windows.map((w) => `${w.dryRun.requests}, ${w.dryRun.failures} failed`)],
        ...[...new Set(windows.flatMap((w) => Object.keys(w.byOperation)))].sort().map((operation) => [
          `  ${operation}`,
          ...windows.map((w) => {
            const counts = w.byOperation[operation];
            return counts ? `${counts.requests}, ${counts.failures} failed` : '0';
          }),
        ]),
      ],
    ),
    '',
    summary.frequentErrors.length
      ? `Frequent errors (7 days):\n${table(
          ['COUNT', 'STATUS', 'LAST AT', 'ERROR'],
          summary.frequentErrors.map((error) => [
            String(error.count),
            String(error.status),
            time(error.lastAt),
            oneLine([error.scimType, error.detail].filter(Boolean).join(': ') || '-', 100),
          ]),
        )}`
      : 'Frequent errors (7 days): none.',
    '',
    `Manual changes (management API): ${summary.manualChanges.last24Hours} in 24 hours, ${summary.manualChanges.last7Days} in 7 days, last ${time(summary.manualChanges.lastAt)}`,
  ];
  return lines.join('\n');
}
