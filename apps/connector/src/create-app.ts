import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '#config';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { configureFastify, createFastifyAdapter } from './http/fastify.setup.js';

const NEST_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  // Nest's start-up chatter (one line per module and route) is debug material.
  info: ['fatal', 'error', 'warn'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  silent: [],
};

/** Builds and initialises the HTTP application (not yet listening); used by main and the tests alike. */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(options),
    createFastifyAdapter(config),
    {
      logger:
        config.logLevel === 'silent'
          ? false
          : new ConsoleLogger({ json: true, logLevels: NEST_LEVELS[config.logLevel] }),
      abortOnError: false,
    },
  );
  configureFastify(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
