import type { Measurement } from './http-load.js';
import { round } from './stats.js';

/** One line of the results table: a baseline or a scenario run. */
export interface ResultRow {
  id: string;
  label: string;
  kind: 'baseline' | 'scenario';
  measurement?: Measurement;
  /** req/s of this row over the matching node-postgres and pgbench baselines. */
  ratioToNodePostgres?: number;
  ratioToPgbench?: number;
  /** Why a row has no measurement (skipped, not available), or a remark. */
  note?: string;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  /** undefined: could not be judged (not measured). */
  met: boolean | undefined;
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

export function formatTable(rows: ResultRow[]): string {
  const header = [
    'run',
    'conn',
    'requests',
    'req/s',
    'p50 ms',
    'p99 ms',
    'srv CPU ms/req',
    'PG CPU ms/req',
    'srv RSS MB',
    '× node-pg',
    '× pgbench',
    'failed',
  ];
  const lines = rows.map((row) => {
    const m = row.measurement;
    // A row without a measurement (a one-off figure, a skipped or failed scenario) carries a note instead.
    if (!m) return [row.label];
    return [
      row.label,
      String(m.connections),
      String(m.requests),
      fixed(m.rps, 0),
      fixed(m.latency.p50, 2),
      fixed(m.latency.p99, 2),
      fixed(m.serverCpuMsPerRequest, 3),
      fixed(m.postgresCpuMsPerRequest, 3),
      fixed(m.serverPeakRssMb, 0),
      fixed(row.ratioToNodePostgres, 2),
      fixed(row.ratioToPgbench, 2),
      String(m.failures),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...lines.filter((line) => line.length > 1).map((line) => (line[column] ?? '').length),
    ),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
      .join('  ');
  const renderRow = (cells: string[], index: number) =>
    cells.length > 1 ? render(cells) : `${cells[0]!.padEnd(widths[0]!)}  ${rows[index]!.note ?? 'skipped'}`;
  return [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(renderRow)].join(
    '\n',
  );
}

export function formatTargets(targets: TargetCheck[], judged: boolean): string {
  const mark = (met: boolean | undefined) => (met === undefined ? 'n/a ' : met ? 'MET ' : 'MISS');
  return [
    judged
      ? 'Targets (issue 8; ratios to the pgbench baselines of this run):'
      : 'Targets (quick mode: shown, not judged):',
    ...targets.map((t) => `  ${mark(t.met)}  ${t.name}: ${t.value} (target ${t.target})`),
  ].join('\n');
}

const maybe = (value: number | undefined, digits: number) =>
  value === undefined ? undefined : round(value, digits);

/** Rounds the numbers of a measurement for the JSON file. */
export function rounded(measurement: Measurement | undefined): unknown {
  if (!measurement) return undefined;
  const { samples: _samples, ...figures } = measurement;
  return {
    ...figures,
    durationSec: round(measurement.durationSec, 2),
    rps: round(measurement.rps, 1),
    latency: Object.fromEntries(
      Object.entries(measurement.latency).map(([key, value]) => [key, round(value, 3)]),
    ),
    serverCpuMsPerRequest: maybe(measurement.serverCpuMsPerRequest, 4),
    postgresCpuMsPerRequest: maybe(measurement.postgresCpuMsPerRequest, 4),
    serverPeakRssMb: maybe(measurement.serverPeakRssMb, 1),
  };
}
