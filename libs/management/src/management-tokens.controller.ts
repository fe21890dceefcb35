import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ManagementController } from './management-controller.decorator.js';
import { TOKEN_READERS, TOKEN_WRITERS } from './management-roles.js';
import { IssuedTokenDto, IssueTokenDto, TokenDto, TokenListDto } from './management-token.dto.js';
import { ManagementTokensService } from './management-tokens.service.js';
import { Principal, Roles, type ManagementPrincipal } from './management.guard.js';

@ManagementController('tokens', 'tokens')
export class ManagementTokensController {
  constructor(private readonly tokens: ManagementTokensService) {}

  @Get()
  @Roles(...TOKEN_READERS)
  @ApiOperation({
    operationId: 'listTokens',
    summary: 'List API tokens',
    description: "The organization's API tokens (never their secrets), with last use.",
  })
  @ApiOkResponse({ type: TokenListDto })
  async list(@Principal() principal: ManagementPrincipal): Promise<TokenListDto> {
    return { items: await this.tokens.list(principal.organizationId) };
  }

  @Post()
  @Roles(...TOKEN_WRITERS)
  @ApiOperation({
    operationId: 'issueToken',
    summary: 'Issue an API token',
    description:
      "Creates a CI user with the role and an API token for it, like the CLI's `tokens issue`. The secret is in this answer only.",
  })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  @ApiBadRequestResponse({ description: '`VALIDATION_FAILED`.' })
  @ApiConflictResponse({ description: '`USER_NAME_TAKEN` (field `name`).' })
  issue(@Principal() principal: ManagementPrincipal, @Body() body: IssueTokenDto): Promise<IssuedTokenDto> {
    return this.tokens.issue(principal, body);
  }

  @Post(':tokenId/revoke')
  @HttpCode(200)
  @Roles(...TOKEN_WRITERS)
  @ApiOperation({
    operationId: 'revokeToken',
    summary: 'Revoke an API token',
    description: 'Revokes a token at once (revoking twice changes nothing).',
  })
  @ApiOkResponse({ type: TokenDto })
  @ApiNotFoundResponse({ description: '`TOKEN_NOT_FOUND`.' })
  revoke(@Principal() principal: ManagementPrincipal, @Param('tokenId') tokenId: string): Promise<TokenDto> {
    return this.tokens.revoke(principal, tokenId);
  }
}
