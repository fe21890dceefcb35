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
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { ScimResultInterceptor } from './scim-result.interceptor.js';
import { Scim, type ScimCall } from './scim-tenant.js';
import { ScimTokenGuard } from './scim-token.guard.js';
import { ScimUsersService } from './scim-users.service.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';

/** SCIM /Users on both Tenant URLs; the service does the work. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor, ScimResultInterceptor)
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
  get(@Scim() call: ScimCall, @Param('id') id: string) {
    return this.users.get(call, id);
  }

  @Post('Users')
  @HttpCode(201)
  create(@Scim() call: ScimCall, @Body() body: unknown) {
    return this.users.create(call, body);
  }

  @Put('Users/:id')
  replace(@Scim() call: ScimCall, @Param('id') id: string, @Body() body: unknown) {
    return this.users.replace(call, id, body);
  }

  @Patch('Users/:id')
  patch(@Scim() call: ScimCall, @Param('id') id: string, @Body() body: unknown) {
    return this.users.patch(call, id, body);
  }

  @Delete('Users/:id')
  @HttpCode(204)
  remove(@Scim() call: ScimCall, @Param('id') id: string) {
    return this.users.delete(call, id);
  }
}
