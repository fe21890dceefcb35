import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '#config';
import { AppModule } from '../apps/connector/src/app.module.js';
import { createOpenApiDocument } from '../apps/connector/src/http/openapi.setup.js';

/**
 * The OpenAPI document that /api/docs-json serves, built without a database: in preview mode Nest
 * registers the modules and their routes but instantiates no provider, so nothing connects (the
 * database URL below is never dialled). Only PUBLIC_BASE_URL reaches the document.
 */
export async function buildOpenApiDocument(publicBaseUrl?: string): Promise<OpenAPIObject> {
  const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_BASE_URL: publicBaseUrl });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, databaseUrl: 'postgres://unused@127.0.0.1:1/unused' }),
    // A bare adapter: the document depends on the routes only, not on the server's options.
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return createOpenApiDocument(app, config);
  } finally {
    await app.close();
  }
}

/** `node dist/scripts/openapi-document.js <output.json>`: what `npm run lint:openapi` lints. */
async function main(output: string | undefined): Promise<void> {
  if (!output) throw new Error('usage: node dist/scripts/openapi-document.js <output.json>');
  const document = await buildOpenApiDocument(process.env.PUBLIC_BASE_URL);
  await writeFile(output, `${JSON.stringify(document, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]);
