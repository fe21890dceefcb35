import { Body, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { EffectivePermissionsDto } from './effective-permissions.dto.js';
import { ManagementController } from './management-controller.decorator.js';
import { DIRECTORY_READERS, DIRECTORY_WRITERS, EFFECTIVE_PERMISSION_READERS } from './management-roles.js';
import {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './management-user.dto.js';
import { ManagementPermissionsService } from './management-permissions.service.js';
import { ManagementUsersService } from './management-users.service.js';
import { pageWindow } from './management-common.dto.js';
import { AllowSelf, Principal, Roles, type ManagementPrincipal } from './management.guard.js';

const SYNCHRONIZED = {
  description: '`MANAGED_BY_DIRECTORY_SYNC`: the user is provisioned by Entra ID and read-only here.',
};

@ManagementController('users', 'users')
export class ManagementUsersController {
  constructor(
    private readonly users: ManagementUsersService,
    private readonly permissions: ManagementPermissionsService,
  ) {}

  @Get()
  @Roles(...DIRECTORY_READERS)
  @ApiOperation({
    operationId: 'listUsers',
    summary: 'List users',
    description: 'Users of the organization (people and CI users, manual and synchronized), by userName.',
  })
  @ApiOkResponse({ type: UserPageDto })
  async list(
    @Principal() principal: ManagementPrincipal,
    @Query() query: ListUsersQueryDto,
  ): Promise<UserPageDto> {
    const page = await this.users.list(principal.organizationId, query);
    return { ...page, ...pageWindow(query) };
  }

  @Post()
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'createUser',
    summary: 'Create a user',
    description: 'Creates a manual user: a person (interactive) or a CI user.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: '`VALIDATION_FAILED`, naming the field.' })
  @ApiConflictResponse({ description: '`USER_NAME_TAKEN`, `IDENTITY_TAKEN`.' })
  create(@Principal() principal: ManagementPrincipal, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(principal, body);
  }

  @Get(':id')
  @Roles(...DIRECTORY_READERS)
  @AllowSelf()
  @ApiOperation({
    operationId: 'getUser',
    summary: 'Get a user',
    description: 'One user. Every user may read itself.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: '`USER_NOT_FOUND`.' })
  get(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<UserDto> {
    return this.users.get(principal.organizationId, id);
  }

  @Patch(':id')
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'updateUser',
    summary: 'Update a user',
    description: 'Changes name, e-mail, global role or identity of a manual user.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: '`USER_NOT_FOUND`.' })
  @ApiConflictResponse(SYNCHRONIZED)
  update(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserDto> {
    return this.users.update(principal, id, body);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'deactivateUser',
    summary: 'Deactivate a user',
    description:
      'Deactivates a manual user: its tokens stop working and it holds no permission; the record stays.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse(SYNCHRONIZED)
  deactivate(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<UserDto> {
    return this.users.setActive(principal, id, false);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'reactivateUser',
    summary: 'Reactivate a user',
    description: 'Reactivates a manual user.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse(SYNCHRONIZED)
  reactivate(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<UserDto> {
    return this.users.setActive(principal, id, true);
  }

  @Get(':id/effective-permissions')
  @Roles(...EFFECTIVE_PERMISSION_READERS)
  @AllowSelf()
  @ApiOperation({
    operationId: 'getUserEffectivePermissions',
    summary: "Get a user's effective permissions",
    description:
      "The user's permissions on every project and signing policy, each with the grants that give it: direct, or through which chain of (nested) groups. One database round trip.",
  })
  @ApiOkResponse({ type: EffectivePermissionsDto })
  @ApiNotFoundResponse({ description: '`USER_NOT_FOUND`.' })
  effectivePermissions(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
  ): Promise<EffectivePermissionsDto> {
    return this.permissions.effectiveForUser(principal.organizationId, id);
  }
}
