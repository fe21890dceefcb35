import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, type AppConfig } from '#config';
import { ManagementServer } from '#health';
import { runMigrationsLocked } from '#persistence';
import { bootstrapFirstRun, type FirstRunResult } from './bootstrap/first-run.js';
import { createApp } from './create-app.js';
import { HttpDrain } from './http/http-drain.js';
import { openDatabase, type OpenDatabase } from './database/database.provider.js';
import { createLogger, type Logger } from './logging/logger.js';

/**
 * The process's logger (logging/logger.ts). Until the configuration is read it is a default one
 * (info, in the LOG_FORMAT asked for if that value is valid), so a configuration error is a log
 * line like any other.
 */
let logger: Logger | undefined;
function log(): Logger {
  const format = process.env.LOG_FORMAT;
  logger ??= createLogger({
    level: 'info',
    format: format === 'json' || format === 'pretty' ? format : 'auto',
  });
  return logger;
}

function baseUrl(config: AppConfig, port: number): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function banner(url: string, firstRun: FirstRunResult | undefined, embedded: boolean): string {
  const lines = ['', `SCIM connector listening on ${url}${embedded ? ' (embedded PostgreSQL)' : ''}`];
  if (firstRun) {
    const tenant = `${url}/scim/${firstRun.organizationId}`;
    lines.push(
      '',
      `First run: created the organization "${firstRun.organizationName}" and a Directory Synchronizer token.`,
      `  Tenant URL:          ${tenant}`,
      `  Dry-run Tenant URL:  ${tenant}/dry-run`,
      `  Secret Token:        ${firstRun.token}`,
      '  (the token is shown only this once)',
      '',
      'Try it:',
      `  curl -H "Authorization: Bearer ${firstRun.token}" ${tenant}/ServiceProviderConfig`,
    );
  } else {
    lines.push(
      '',
      'Organizations and tokens: npm run --silent cli -- organizations list',
      '                          npm run --silent cli -- tokens issue --organization <id> --role DirectorySynchronizer',
    );
  }
  return `${lines.join('\n')}\n\n`;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      log().fatal({ problems: error.problems }, `Configuration error: ${error.problems.join('; ')}`);
      process.exit(1);
    }
    throw error;
  }
  logger = createLogger({ level: config.logLevel, format: config.logFormat });

  let database: OpenDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let drain: HttpDrain | undefined;
  let started = false;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log().info({ signal }, `${signal} received: finishing in-flight requests, then stopping.`);
    const deadline = setTimeout(() => {
      log().error('Shutdown took longer than SHUTDOWN_GRACE_MS; exiting.');
      process.exit(1);
    }, config.shutdownGraceMs + 5_000);
    deadline.unref();
    // Requests already on the wire are served (with `Connection: close`); sockets still open at
    // SHUTDOWN_GRACE_MS are destroyed then, not before.
    drain?.start(config.shutdownGraceMs);
    try {
      // Stops accepting, waits for in-flight requests, then closes the pool (shutdown hooks).
      await app?.close();
    } finally {
      await database?.close();
    }
    log().info('stopped');
    process.exit(0);
  };
  // Registered first, so a signal during start-up still ends in an orderly stop once started.
  let stopRequested: string | undefined;
  const onSignal = (signal: string) => {
    stopRequested ??= signal;
    if (started) void stop(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  database = await openDatabase(config);
  try {
    app = await createApp({ config, databaseUrl: database.url }, log());
    drain = new HttpDrain(app.getHttpServer());
    const dataSource = app.get<DataSource>(getDataSourceToken());
    if (config.migrateOnStart) await runMigrationsLocked(dataSource);
    const firstRun = config.bootstrapDemoOrganization ? await bootstrapFirstRun(app) : undefined;
    await app.listen({ port: config.port, host: config.host });
    // /metrics and the probes, on a port an ingress does not publish; closed by app.close().
    const managementPort = await app.get(ManagementServer).listen(config.managementPort, config.host);
    log().info(
      { managementPort },
      `Metrics and health probes on port ${managementPort} (/metrics, /health/ready)`,
    );
    const address = app.getHttpServer().address();
    const port = address && typeof address === 'object' ? address.port : config.port;
    const url = baseUrl(config, port);
    // The banner stays plain text for a newcomer at a terminal; the log line never has the token.
    process.stdout.write(banner(url, firstRun, database.embedded));
    log().info({ url, embeddedPostgres: database.embedded }, 'listening');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  started = true;
  if (stopRequested) await stop(stopRequested);
}

main().catch((error: unknown) => {
  log().fatal(
    { err: error },
    `The connector could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
