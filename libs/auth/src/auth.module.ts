import { Module } from '@nestjs/common';
import { OrganizationsModule } from '#organizations';
import { UsersModule } from '#users';
import { ApiTokensRepository } from './api-tokens.repository.js';
import { ApiTokensService } from './api-tokens.service.js';
import { SupportTokensRepository } from './support-tokens.repository.js';
import { SupportTokensService } from './support-tokens.service.js';
import { TokenCache } from './token.cache.js';

/** API tokens (of an organization's users) and support tokens (of the connector's staff). */
@Module({
  imports: [OrganizationsModule, UsersModule],
  providers: [
    ApiTokensRepository,
    ApiTokensService,
    SupportTokensRepository,
    SupportTokensService,
    TokenCache,
  ],
  exports: [ApiTokensService, SupportTokensService],
})
export class AuthModule {}
