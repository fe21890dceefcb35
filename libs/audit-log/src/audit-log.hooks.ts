import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyBodyParser, FastifyRequest } from 'fastify';
import { noteUnparsedBody, SyncAuditRecorder } from './audit-log.recorder.js';

type CallbackParser<Body extends string | Buffer> = (
  request: FastifyRequest,
  body: Body,
  done: (error: Error | null, value?: unknown) => void,
) => void;

/**
 * Fastify hooks, not a Nest interceptor: they see every request the transport audits (`audits`,
 * for example every path under /scim), including those a guard rejects, unknown routes, and
 * bodies that fail to parse before Nest is reached.
 */
export function registerSyncAuditHooks(app: NestFastifyApplication, audits: (url: string) => boolean): void {
  const fastify = app.getHttpAdapter().getInstance();
  const recorder = app.get(SyncAuditRecorder);
  fastify.addHook('onRequest', async (request, reply) => {
    if (audits(request.url)) recorder.start(request, reply);
  });
  // Fastify closes after the last in-flight response; the rows those responses scheduled must be
  // in before Nest's shutdown hooks close the pool.
  fastify.addHook('onClose', async () => recorder.flush());
}

/**
 * Wraps a JSON body parser (parseAs: 'string') so that a body which does not parse is kept on the
 * request's audit record: support can then see what arrived, not only that it was malformed.
 */
export function auditedJsonParser<Body extends string | Buffer>(
  parser: FastifyBodyParser<string>,
): CallbackParser<Body> {
  // Fastify's default JSON parser is the callback form, and takes a string or a Buffer alike.
  const parse = parser as unknown as CallbackParser<Body>;
  return (request, body, done) => {
    parse(request, body, (error, value) => {
      if (error) noteUnparsedBody(request, typeof body === 'string' ? body : body.toString('utf8'));
      done(error, value);
    });
  };
}
