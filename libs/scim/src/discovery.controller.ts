import { Controller, Get, Inject, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ScimTokenGuard } from '../../auth/src/scim-token.guard.js';
import { APP_CONFIG, type AppConfig } from '../../config/src/app.config.js';
import {
  resourceTypeDocument,
  resourceTypesListResponse,
  schemaDocument,
  schemasListResponse,
  serviceProviderConfig,
  type DiscoveryOptions,
} from '../../scim-protocol/src/discovery.documents.js';
import { ScimError } from '../../scim-protocol/src/scim.error.js';
import type { ScimTenant } from '../../users/src/scim-users.service.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';
import { Tenant } from './scim-tenant.js';

/** RFC 7644 §4 discovery, generated from the one schema definition in scim-protocol. */
@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class DiscoveryController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private options(tenant: ScimTenant): DiscoveryOptions {
    return { baseUrl: tenant.tenantUrl, maxResults: this.config.scimMaxPageSize };
  }

  @Get('ServiceProviderConfig')
  serviceProviderConfig(@Tenant() tenant: ScimTenant) {
    return serviceProviderConfig(this.options(tenant));
  }

  @Get('ResourceTypes')
  resourceTypes(@Tenant() tenant: ScimTenant) {
    return resourceTypesListResponse(this.options(tenant));
  }

  @Get('ResourceTypes/:name')
  resourceType(@Tenant() tenant: ScimTenant, @Param('name') name: string) {
    const document = resourceTypeDocument(name, this.options(tenant));
    if (!document) throw ScimError.notFound(`ResourceType ${name} not found`);
    return document;
  }

  @Get('Schemas')
  schemas(@Tenant() tenant: ScimTenant) {
    return schemasListResponse(this.options(tenant));
  }

  @Get('Schemas/:id')
  schema(@Tenant() tenant: ScimTenant, @Param('id') id: string) {
    const document = schemaDocument(id, this.options(tenant));
    if (!document) throw ScimError.notFound(`Schema ${id} not found`);
    return document;
  }
}
