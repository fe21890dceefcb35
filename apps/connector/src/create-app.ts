import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { configureFastify, createFastifyAdapter } from './http/fastify.setup.js';
import { createLogger, type Logger } from './logging/logger.js';
import { NestPinoLogger } from './logging/nest-logger.js';

/**
 * Builds and initialises the HTTP application (not yet listening); used by main and the tests
 * alike. `logger` is the process's logger (main makes one for its own messages too); without it,
 * one is made from LOG_LEVEL and LOG_FORMAT.
 */
export async function createApp(options: AppModuleOptions, logger?: Logger): Promise<NestFastifyApplication> {
  const { config } = options;
  const log = logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    createFastifyAdapter(config, log),
    // Nest's `Logger` (framework and libraries) writes through the same pino logger as Fastify.
    { logger: new NestPinoLogger(log), abortOnError: false },
  );
  configureFastify(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
