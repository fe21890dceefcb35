import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noteAuditFailure } from '#audit-log';
import { renderError } from './error.renderer.js';

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const rendered = renderError(error, request.url, request.id);
  // The audit row of a SCIM request stores exactly what the client was told.
  noteAuditFailure(request, rendered.classified);
  if (rendered.classified.unexpected || rendered.status >= 500) {
    // The logger's `err` serializer keeps only what cannot leak (logging/logger.ts).
    request.log.error({ err: error }, 'request failed');
  }
  void reply.status(rendered.status).headers(rendered.headers).type(rendered.contentType).send(rendered.body);
}

/** Every error, from guards, pipes, handlers, unknown routes and body parsing alike. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
