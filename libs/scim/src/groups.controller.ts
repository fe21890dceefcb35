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
import { ScimTokenGuard } from '../../auth/src/scim-token.guard.js';
import { ScimGroupsService, type StreamedGroup } from '../../groups/src/scim-groups.service.js';
import { scimMember } from '../../groups/src/scim-group.mapper.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { Scim, type ScimCall, type ScimResult, sendResult } from './scim-tenant.js';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

/** The group's JSON with its members written batch by batch, never all in memory. */
async function* streamGroupJson(group: StreamedGroup): AsyncGenerator<string> {
  const head = JSON.stringify(group.body);
  yield `${head.slice(0, -1)},"members":[`;
  let first = true;
  for await (const batch of group.members) {
    const parts = batch.map((member) => JSON.stringify(scimMember(member, group.tenantUrl)));
    yield `${first ? '' : ','}${parts.join(',')}`;
    first = false;
  }
  yield ']}';
}

function isStreamed(result: ScimResult | StreamedGroup): result is StreamedGroup {
  return 'members' in result;
}

/** SCIM /Groups on both Tenant URLs; the service does the work. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class GroupsController {
  constructor(private readonly groups: ScimGroupsService) {}

  @Get('Groups')
  list(@Scim() call: ScimCall) {
    return this.groups.list(call);
  }

  @Post('Groups/.search')
  @HttpCode(200)
  search(@Scim() call: ScimCall, @Body() body: unknown) {
    return this.groups.search(call, body);
  }

  @Get('Groups/:id')
  async get(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.groups.get(call, id);
    if (!isStreamed(result)) return sendResult(reply, result);
    void reply.header('etag', result.etag);
    return new StreamableFile(Readable.from(streamGroupJson(result)), { type: SCIM_JSON });
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
