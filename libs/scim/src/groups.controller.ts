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
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimTokenGuard } from '../../auth/src/scim-token.guard.js';
import { ScimGroupsService, type StreamedGroup } from '../../groups/src/scim-groups.service.js';
import { scimMember } from '../../groups/src/scim-group.mapper.js';
import type { ScimResult, ScimTenant } from '../../users/src/scim-users.service.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { header, projectionOf, sendResult, Tenant } from './scim-tenant.js';

type QueryParams = Record<string, string | string[] | undefined>;

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
  list(@Tenant() tenant: ScimTenant, @Query() query: QueryParams) {
    return this.groups.list(tenant, query);
  }

  @Post('Groups/.search')
  @HttpCode(200)
  search(@Tenant() tenant: ScimTenant, @Body() body: unknown) {
    return this.groups.search(tenant, body);
  }

  @Get('Groups/:id')
  async get(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.groups.get(tenant, id, projectionOf(query), header(request, 'if-none-match'));
    if (!isStreamed(result)) return sendResult(reply, result);
    void reply.header('etag', result.etag);
    return new StreamableFile(Readable.from(streamGroupJson(result)), { type: SCIM_JSON });
  }

  @Post('Groups')
  @HttpCode(201)
  async create(
    @Tenant() tenant: ScimTenant,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.create(tenant, body, projectionOf(query)));
  }

  @Put('Groups/:id')
  async replace(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(
      reply,
      await this.groups.replace(tenant, id, body, projectionOf(query), header(request, 'if-match')),
    );
  }

  @Patch('Groups/:id')
  async patch(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(
      reply,
      await this.groups.patch(tenant, id, body, projectionOf(query), header(request, 'if-match')),
    );
  }

  @Delete('Groups/:id')
  @HttpCode(204)
  async remove(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.groups.delete(tenant, id, header(request, 'if-match')));
  }
}
