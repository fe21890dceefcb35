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
import type { ServerResponse } from 'node:http';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { HeavyReadsLimiter } from './heavy-reads.limiter.js';
import { ScimGroupsService } from './scim-groups.service.js';
import { ScimResultInterceptor } from './scim-result.interceptor.js';
import { Connection, Scim, type ScimCall } from './scim-tenant.js';
import { ScimTokenGuard } from './scim-token.guard.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';

/**
 * SCIM /Groups on both Tenant URLs; the service does the work. Responses that carry members (a
 * group read, a list page with members) take a slot of the HeavyReadsLimiter before the first
 * member is read and hold it until the response has closed.
 */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor, ScimResultInterceptor)
export class GroupsController {
  constructor(
    private readonly groups: ScimGroupsService,
    private readonly heavyReads: HeavyReadsLimiter,
  ) {}

  private slotUntilClosed(call: ScimCall, connection: ServerResponse): () => void {
    return () => this.heavyReads.acquireUntilClosed(call.tenant.organizationId, connection);
  }

  @Get('Groups')
  list(@Scim() call: ScimCall, @Connection() connection: ServerResponse) {
    return this.groups.list(call, this.slotUntilClosed(call, connection));
  }

  @Post('Groups/.search')
  @HttpCode(200)
  search(@Scim() call: ScimCall, @Body() body: unknown, @Connection() connection: ServerResponse) {
    return this.groups.search(call, body, this.slotUntilClosed(call, connection));
  }

  @Get('Groups/:id')
  get(@Scim() call: ScimCall, @Param('id') id: string, @Connection() connection: ServerResponse) {
    return this.groups.get(call, id, this.slotUntilClosed(call, connection));
  }

  @Post('Groups')
  @HttpCode(201)
  create(@Scim() call: ScimCall, @Body() body: unknown) {
    return this.groups.create(call, body);
  }

  @Put('Groups/:id')
  replace(@Scim() call: ScimCall, @Param('id') id: string, @Body() body: unknown) {
    return this.groups.replace(call, id, body);
  }

  @Patch('Groups/:id')
  patch(@Scim() call: ScimCall, @Param('id') id: string, @Body() body: unknown) {
    return this.groups.patch(call, id, body);
  }

  @Delete('Groups/:id')
  @HttpCode(204)
  remove(@Scim() call: ScimCall, @Param('id') id: string) {
    return this.groups.delete(call, id);
  }
}
