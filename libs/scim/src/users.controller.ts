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
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimTokenGuard } from './scim-token.guard.js';
import { ScimUsersService } from './scim-users.service.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { Scim, type ScimCall, sendResult } from './scim-tenant.js';

/** SCIM /Users on both Tenant URLs; the service does the work. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class UsersController {
  constructor(private readonly users: ScimUsersService) {}

  @Get('Users')
  list(@Scim() call: ScimCall) {
    return this.users.list(call);
  }

  @Post('Users/.search')
  @HttpCode(200)
  search(@Scim() call: ScimCall, @Body() body: unknown) {
    return this.users.search(call, body);
  }

  @Get('Users/:id')
  async get(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.get(call, id));
  }

  @Post('Users')
  @HttpCode(201)
  async create(
    @Scim() call: ScimCall,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.create(call, body));
  }

  @Put('Users/:id')
  async replace(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.replace(call, id, body));
  }

  @Patch('Users/:id')
  async patch(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.patch(call, id, body));
  }

  @Delete('Users/:id')
  @HttpCode(204)
  async remove(
    @Scim() call: ScimCall,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendResult(reply, await this.users.delete(call, id));
  }
}
