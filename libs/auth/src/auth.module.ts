import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../../organizations/src/organizations.module.js';
import { UsersModule } from '../../users/src/users.module.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import { ApiTokensService } from './api-tokens.service.js';
import { ScimTokenGuard } from './scim-token.guard.js';

@Module({
  imports: [OrganizationsModule, UsersModule],
  providers: [ApiTokensRepository, ApiTokensService, ScimTokenGuard],
  exports: [ApiTokensService, ScimTokenGuard],
})
export class AuthModule {}
