#!/usr/bin/env node
// Runs `tsc -p tsconfig.build.json` only when a build input changed since the last build this
// script made: `npm run cli` and `npm start` then start at once on an up-to-date `dist/` instead of
// paying for a full type-check (6 s idle, far more under load) before every call. Even an
// incremental tsc still loads and checks the program, so it is no substitute for this check.
//
// Inputs: every file and folder under apps/, libs/, migrations/ (a folder's mtime changes when a
// file is added, removed or renamed), tsconfig*.json and package.json (dependencies, imports). The
// stamp gets the time the build *started*, so an edit made while tsc runs triggers the next build.
// `--force` builds anyway (and refreshes the stamp).
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['apps', 'libs', 'migrations'];

function newestUnder(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)));
  return newest;
}

function newestInput() {
  const topLevel = readdirSync(root).filter(
    (name) => /^tsconfig.*\.json$/.test(name) || name === 'package.json',
  );
  return Math.max(...[...SOURCE_DIRS, ...topLevel].map((name) => newestUnder(join(root, name))));
}

const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? -1;
if (!process.argv.includes('--force') && built >= newestInput()) process.exit(0);

const startedAt = new Date();
// The TypeScript compiler's JavaScript entry, run by this Node: no shell, no npx lookup.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const { status, error } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (error) throw error;
if (status !== 0) process.exit(status ?? 1);
// The `bin` entry, runnable as a program (as `npm run build` leaves it).
chmodSync(join(root, 'dist', 'apps', 'connector', 'src', 'cli.js'), 0o755);
mkdirSync(dirname(stamp), { recursive: true });
closeSync(openSync(stamp, 'w'));
utimesSync(stamp, startedAt, startedAt);
