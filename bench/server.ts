import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processCpuMs, processMemoryKb, resetPeakRss, RssSampler } from './proc.js';

/** The repository root (this file runs from dist/bench/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../apps/connector/src/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../apps/connector/src/cli.js', import.meta.url));

const execFileAsync = promisify(execFile);

/** Runs one operator CLI command with --json against the bench database; returns its JSON. */
export async function runCli<T>(databaseUrl: string, args: string[]): Promise<T> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [CLI, ...args, '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as T;
  } catch (error) {
    const detail = error as { stderr?: string; message?: string };
    throw new Error(`cli ${args.join(' ')} failed: ${detail.stderr?.trim() || detail.message}`, {
      cause: error,
    });
  }
}

export interface ServerStartOptions {
  databaseUrl: string;
  /** When set, the server runs with --cpu-prof and writes its profile here on exit. */
  profileDir?: string;
  /** More environment (e.g. the limits of docs/limits.md). */
  env?: Record<string, string>;
}

/**
 * The connector as production runs it: `node dist/apps/connector/src/main.js` in its own process,
 * NODE_ENV=production, warn-level logs, no demo organization, listening on a free loopback port.
 */
export class ConnectorProcess {
  readonly rss: RssSampler;
  /** Highest peak RSS seen before any reset (VmHWM is reset for scenario 5). */
  private peakBeforeResetsKb = 0;
  private output = '';
  errorLogLines = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.rss = new RssSampler(child.pid!).start();
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ServerStartOptions): Promise<ConnectorProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: options.databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      // A free port: a second server (or anything else on 9464) must not stop the benchmark.
      MANAGEMENT_PORT: '0',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_DEMO_ORGANIZATION: 'false',
      MIGRATE_ON_START: 'true',
      ...options.env,
    };
    // Node 20 refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line.
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    // The same heap bound as `npm start` and the container image.
    const child = spawn(process.execPath, ['--max-old-space-size=256', ...profile, MAIN], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const timeout = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the connector did not start within 60 s:\n${output}`));
      }, 60_000);
      const onData = () => {
        const match = /SCIM connector listening on (http:\/\/[^\s]+)/.exec(output);
        if (match) {
          clearTimeout(timeout);
          child.stdout.off('data', onData);
          resolve(match[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timeout);
        reject(new Error(`the connector exited with code ${code} during start-up:\n${output}`));
      });
    });
    const server = new ConnectorProcess(child, baseUrl);
    // Count error-level log lines (level "error" or "fatal", docs/operations.md#logs) for the
    // report; keep a tail for diagnostics.
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      server.errorLogLines += (text.match(/"level":"(error|fatal)"/g) ?? []).length;
      server.output = (server.output + text).slice(-16 * 1024);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      server.output = (server.output + chunk.toString('utf8')).slice(-16 * 1024);
    });
    return server;
  }

  cpuMs(): number {
    return processCpuMs(this.pid) ?? NaN;
  }

  /** Peak RSS of the server so far, over every reset, in MB. */
  peakRssMb(): number {
    this.rss.sample();
    return Math.max(this.peakBeforeResetsKb, this.rss.peakKb) / 1024;
  }

  /** Starts a fresh peak measurement (VmHWM reset); returns false when the kernel refused. */
  resetPeak(): boolean {
    this.rss.sample();
    this.peakBeforeResetsKb = Math.max(this.peakBeforeResetsKb, this.rss.peakKb);
    return resetPeakRss(this.pid);
  }

  /** VmHWM now, in MB: the peak since the last reset. */
  hwmMb(): number {
    return (processMemoryKb(this.pid)?.hwmKb ?? NaN) / 1024;
  }

  outputTail(): string {
    return this.output;
  }

  /** SIGTERM, as an orchestrator stops it; waits for the exit (and the CPU profile, if any). */
  async stop(): Promise<number | null> {
    this.peakRssMb();
    this.rss.stop();
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const [code] = await exited;
    clearTimeout(timer);
    return code;
  }
}
