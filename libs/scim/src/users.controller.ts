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
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimTokenGuard } from '../../auth/src/scim-token.guard.js';
import { ScimUsersService, type ScimTenant } from '../../users/src/scim-users.service.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { header, projectionOf, sendResult, Tenant } from './scim-tenant.js';

type QueryParams = Record<string, string | string[] | undefined>;

/** SCIM /Users on both Tenant URLs; the service does the work. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class UsersController {
  constructor(private readonly users: ScimUsersService) {}

  @Get('Users')
  list(@Tenant() tenant: ScimTenant, @Query() query: QueryParams) {
    return this.users.list(tenant, query);
  }

  @Post('Users/.search')
  @HttpCode(200)
  search(@Tenant() tenant: ScimTenant, @Body() body: unknown) {
    return this.users.search(tenant, body);
  }

  @Get('Users/:id')
  async get(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(
      reply,
      await this.users.get(tenant, id, projectionOf(query), header(request, 'if-none-match')),
    );
  }

  @Post('Users')
  @HttpCode(201)
  async create(
    @Tenant() tenant: ScimTenant,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.create(tenant, body, projectionOf(query)));
  }

  @Put('Users/:id')
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
      await this.users.replace(tenant, id, body, projectionOf(query), header(request, 'if-match')),
    );
  }

  @Patch('Users/:id')
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
      await this.users.patch(tenant, id, body, projectionOf(query), header(request, 'if-match')),
    );
  }

  @Delete('Users/:id')
  @HttpCode(204)
  async remove(
    @Tenant() tenant: ScimTenant,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.delete(tenant, id, header(request, 'if-match')));
  }
}
