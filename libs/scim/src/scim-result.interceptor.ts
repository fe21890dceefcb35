import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import type { ScimResult } from '#scim-protocol';
import { GroupJsonStream } from './group-json.stream.js';
import type { StreamedGroup } from './scim-groups.service.js';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

function isStreamedGroup(value: object): value is StreamedGroup {
  return 'members' in value && 'tenantUrl' in value;
}

function isScimResult(value: object): value is ScimResult {
  return typeof (value as { status?: unknown }).status === 'number';
}

/**
 * Renders what a SCIM resource service answers, so handlers stay one call: a ScimResult's status,
 * ETag and Location go on the reply and its body is serialized; a group with members becomes a
 * stream. List responses (no status) pass as they are. Inside DryRunInterceptor, so the audit row
 * it records before commit sees the final status.
 */
@Injectable()
export class ScimResultInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result: unknown) => {
        if (result === null || typeof result !== 'object') return result;
        if (isStreamedGroup(result)) {
          void reply.header('etag', result.etag);
          return new StreamableFile(new GroupJsonStream(result), { type: SCIM_JSON });
        }
        if (!isScimResult(result)) return result;
        void reply.status(result.status);
        if (result.etag) void reply.header('etag', result.etag);
        if (result.location && result.status === 201) void reply.header('location', result.location);
        return result.body;
      }),
    );
  }
}
