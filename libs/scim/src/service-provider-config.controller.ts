import { Controller, Get, UseGuards, UseInterceptors } from '@nestjs/common';
import { ScimTokenGuard } from '../../auth/src/scim-token.guard.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { SCIM_TENANT_ROUTES } from './scim.routes.js';

@Controller(SCIM_TENANT_ROUTES)
@UseGuards(ScimTokenGuard)
@UseInterceptors(DryRunInterceptor)
export class ServiceProviderConfigController {
  @Get('ServiceProviderConfig')
  get(): Record<string, unknown> {
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: "API token of the organization's Directory Synchronizer user",
          primary: true,
        },
      ],
    };
  }
}
