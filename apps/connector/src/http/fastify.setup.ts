import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BadRequestException } from '@nestjs/common';
import { LogController } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../../../../libs/config/src/app.config.js';
import {
  describeUnstorableInput,
  findUnstorableInput,
} from '../../../../libs/persistence/src/storable-input.js';
import { maskSecrets } from '../../../../libs/sync-audit/src/audit.redaction.js';
import { ScimError } from '../../../../libs/scim-protocol/src/scim.error.js';
import { isScimPath } from '../../../../libs/scim/src/scim.routes.js';
import {
  auditedJsonParser,
  registerSyncAuditHooks,
} from '../../../../libs/sync-audit/src/sync-audit.hooks.js';
import { SCIM_CONTENT_TYPE } from './error.renderer.js';
import { setupOpenApi } from './openapi.setup.js';

/**
 * A caller's request id is kept only when it looks like one: short, plain characters, and nothing
 * the audit would mask as a credential (a JWT pasted into X-Request-Id must not reach a log line).
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function acceptedRequestId(given: unknown): string | undefined {
  return typeof given === 'string' && REQUEST_ID.test(given) && maskSecrets(given) === given
    ? given
    : undefined;
}

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Belt and braces: nothing logs headers, but if anything ever does, no token goes out.
            redact: ['req.headers.authorization', 'headers.authorization'],
          },
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Honour a caller's (or ingress's) request id when it is sane, so logs can be joined up.
    genReqId: (request: IncomingMessage) =>
      acceptedRequestId(request.headers['x-request-id']) ?? randomUUID(),
    bodyLimit: config.scimBodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
}

/** Body parsing, content types, request ids and the per-request log line. */
export function configureFastify(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('publicBaseUrl', '');
  // Entra sends bodies as application/scim+json; parse them exactly like application/json. Both
  // parsers keep a body that does not parse on the request's audit record.
  fastify.addContentTypeParser(
    'application/scim+json',
    { parseAs: 'string' },
    auditedJsonParser(fastify.getDefaultJsonParser('error', 'ignore')),
  );
  // Nest's own application/json parser, wrapped the same way (through Nest, which would otherwise
  // add its default one at init).
  app.useBodyParser(
    'application/json',
    {},
    auditedJsonParser(fastify.getDefaultJsonParser('error', 'error')),
  );
  registerSyncAuditHooks(app);
  setupOpenApi(app);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    request.publicBaseUrl = config.publicBaseUrl ?? `${request.protocol}://${request.host}`;
  });
  // Text PostgreSQL cannot hold (U+0000, unpaired surrogates) and absurd nesting are the caller's
  // mistake: refused here, naming where, before any query could fail on them with a 500.
  fastify.addHook('preValidation', async (request) => {
    const inParameters = findUnstorableInput(request.params) ?? findUnstorableInput(request.query);
    const inBody = inParameters ? undefined : findUnstorableInput(request.body);
    const problem = inParameters ?? inBody;
    if (!problem) return;
    const detail = describeUnstorableInput(problem, inParameters ? 'parameter' : 'attribute');
    throw isScimPath(request.url) ? ScimError.invalidValue(detail) : new BadRequestException(detail);
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (isScimPath(request.url) && (type === undefined || String(type).startsWith('application/json'))) {
      void reply.header('content-type', SCIM_CONTENT_TYPE);
    }
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?', 1)[0],
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
}
