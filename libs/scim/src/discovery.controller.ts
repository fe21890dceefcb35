import { Controller, Get, HttpCode, Inject, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ScimTokenGuard } from './scim-token.guard.js';
import { APP_CONFIG, type AppConfig } from '#config';
import {
  resourceTypeDocument,
  resourceTypesListResponse,
  schemaDocument,
  schemasListResponse,
  serviceProviderConfig,
  type DiscoveryOptions,
  ScimError,
} from '#scim-protocol';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { Scim, type ScimCall } from './scim-tenant.js';

/** RFC 7644 §4 discovery, generated from the one schema definition in scim-protocol. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class DiscoveryController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private options(call: ScimCall): DiscoveryOptions {
    return { baseUrl: call.tenant.tenantUrl, maxResults: this.config.scimMaxPageSize };
  }

  @Get('ServiceProviderConfig')
  serviceProviderConfig(@Scim() call: ScimCall) {
    return serviceProviderConfig(this.options(call));
  }

  @Get('ResourceTypes')
  resourceTypes(@Scim() call: ScimCall) {
    return resourceTypesListResponse(this.options(call));
  }

  @Get('ResourceTypes/:name')
  resourceType(@Scim() call: ScimCall, @Param('name') name: string) {
    const document = resourceTypeDocument(name, this.options(call));
    if (!document) throw ScimError.notFound(`ResourceType ${name} not found`);
    return document;
  }

  @Get('Schemas')
  schemas(@Scim() call: ScimCall) {
    return schemasListResponse(this.options(call));
  }

  /**
   * RFC 7644 §3.4.3 search at the service root, across resource types. Not offered: Entra never
   * uses it, and a search spanning Users and Groups cannot page consistently over both. Answered
   * 501 in the SCIM envelope, pointing at the per-resource searches that are.
   */
  @Post('.search')
  @HttpCode(501)
  rootSearch(): never {
    throw new ScimError(
      501,
      'Search at the service root is not supported; use POST /Users/.search or POST /Groups/.search.',
    );
  }

  @Get('Schemas/:id')
  schema(@Scim() call: ScimCall, @Param('id') id: string) {
    const document = schemaDocument(id, this.options(call));
    if (!document) throw ScimError.notFound(`Schema ${id} not found`);
    return document;
  }
}
