import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Res,
  StreamableFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimTokenGuard } from './scim-token.guard.js';
import type { MemberRow } from '#groups';
import { ScimGroupsService, type StreamedGroup } from './scim-groups.service.js';
import { scimMember } from './scim-group.mapper.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { HeavyReadsLimiter } from './heavy-reads.limiter.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { Scim, type ScimCall, type ScimResult, sendResult } from './scim-tenant.js';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

/** Bytes a streamed group response buffers before it stops reading the database (about one batch). */
export const GROUP_STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * The group's JSON with its members written batch by batch, never all in memory. A byte stream (not
 * object mode) with a small high-water mark: it reads the next batch of members only when the
 * response has taken what it buffered, so a slow client holds about one batch plus its socket's
 * buffer, and a client that leaves stops the reading (destroy ends the batch generator; no database
 * connection is held between batches).
 */
export class GroupJsonStream extends Readable {
  private readonly batches: AsyncIterator<MemberRow[]>;
  private state: 'head' | 'members' | 'done' = 'head';
  private reading = false;
  private first = true;

  constructor(private readonly group: StreamedGroup) {
    super({ highWaterMark: GROUP_STREAM_HIGH_WATER_MARK });
    this.batches = group.members[Symbol.asyncIterator]();
  }

  override _read(): void {
    if (this.state === 'head') {
      this.state = 'members';
      const head = JSON.stringify(this.group.body);
      this.push(`${head.slice(0, -1)},"members":[`);
      return;
    }
    if (this.state === 'done' || this.reading) return;
    this.reading = true;
    this.batches.next().then(
      (next) => {
        this.reading = false;
        if (this.destroyed) return;
        if (next.done) {
          this.state = 'done';
          this.push(']}');
          this.push(null);
          return;
        }
        const { tenantUrl } = this.group;
        const parts = next.value.map((member) => JSON.stringify(scimMember(member, tenantUrl)));
        this.push(`${this.first ? '' : ','}${parts.join(',')}`);
        this.first = false;
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ends the generator (after the batch it may be reading), so no further batch is queried.
    this.state = 'done';
    void this.batches.return?.().then(
      () => callback(error),
      () => callback(error),
    );
  }
}

function isStreamed(result: ScimResult | StreamedGroup): result is StreamedGroup {
  return 'members' in result;
}

/**
 * SCIM /Groups on both Tenant URLs; the service does the work. Responses that carry members (a
 * group read, a list page with members) take a slot of the HeavyReadsLimiter before the first
 * member is read and hold it until the response has closed.
 */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class GroupsController {
  constructor(
    private readonly groups: ScimGroupsService,
    private readonly heavyReads: HeavyReadsLimiter,
  ) {}

  private slotUntilClosed(call: ScimCall, reply: FastifyReply): () => void {
    return () => this.heavyReads.acquireUntilClosed(call.tenant.organizationId, reply.raw);
  }

  @Get('Groups')
  list(@Scim() call: ScimCall, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.groups.list(call, this.slotUntilClosed(call, reply));
  }

  @Post('Groups/.search')
  @HttpCode(200)
  search(@Scim() call: ScimCall, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.groups.search(call, body, this.slotUntilClosed(call, reply));
  }

  @Get('Groups/:id')
  async get(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.groups.get(call, id, this.slotUntilClosed(call, reply));
    if (!isStreamed(result)) return sendResult(reply, result);
    void reply.header('etag', result.etag);
    return new StreamableFile(new GroupJsonStream(result), { type: SCIM_JSON });
  }

  @Post('Groups')
  @HttpCode(201)
  async create(
    @Scim() call: ScimCall,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.create(call, body));
  }

  @Put('Groups/:id')
  async replace(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.replace(call, id, body));
  }

  @Patch('Groups/:id')
  async patch(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.patch(call, id, body));
  }

  @Delete('Groups/:id')
  @HttpCode(204)
  async remove(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.delete(call, id));
  }
}
