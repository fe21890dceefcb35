import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ProjectMembersDto } from './effective-permissions.dto.js';
import { NamedPageQueryDto, PageQueryDto, pageWindow } from './management-common.dto.js';
import { ManagementController } from './management-controller.decorator.js';
import { ManagementPermissionsService } from './management-permissions.service.js';
import {
  CreateProjectDto,
  GrantPermissionDto,
  PermissionDto,
  PermissionListDto,
  ProjectDto,
  ProjectPageDto,
  UpdateProjectDto,
} from './management-project.dto.js';
import { ManagementProjectsService } from './management-projects.service.js';
import { PROJECT_READERS, PROJECT_WRITERS } from './management-roles.js';
import { Principal, Roles, type ManagementPrincipal } from './management.guard.js';

const NOT_FOUND = { description: '`PROJECT_NOT_FOUND`.' };
export const GRANT_ERRORS = {
  badRequest: {
    description:
      '`VALIDATION_FAILED`, e.g. a permission that does not apply to this target (field `permission`).',
  },
  notFound: {
    description: 'The target, or the principal (`USER_NOT_FOUND`/`GROUP_NOT_FOUND`, field `principal.id`).',
  },
  conflict: { description: '`PERMISSION_ALREADY_GRANTED`.' },
};

@ManagementController('projects', 'projects')
export class ManagementProjectsController {
  constructor(
    private readonly projects: ManagementProjectsService,
    private readonly permissions: ManagementPermissionsService,
  ) {}

  @Get()
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'listProjects',
    summary: 'List projects',
    description: 'Projects of the organization, by name.',
  })
  @ApiOkResponse({ type: ProjectPageDto })
  async list(
    @Principal() principal: ManagementPrincipal,
    @Query() query: NamedPageQueryDto,
  ): Promise<ProjectPageDto> {
    return { ...(await this.projects.list(principal.organizationId, query)), ...pageWindow(query) };
  }

  @Post()
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'createProject',
    summary: 'Create a project',
    description: 'Creates a project.',
  })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiBadRequestResponse({ description: '`VALIDATION_FAILED`.' })
  @ApiConflictResponse({ description: '`PROJECT_NAME_TAKEN`.' })
  create(@Principal() principal: ManagementPrincipal, @Body() body: CreateProjectDto): Promise<ProjectDto> {
    return this.projects.create(principal, body);
  }

  @Get(':id')
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'getProject',
    summary: 'Get a project',
    description: 'One project.',
  })
  @ApiOkResponse({ type: ProjectDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<ProjectDto> {
    return this.projects.get(principal.organizationId, id);
  }

  @Patch(':id')
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'updateProject',
    summary: 'Update a project',
    description: 'Renames a project or changes its description.',
  })
  @ApiOkResponse({ type: ProjectDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: '`PROJECT_NAME_TAKEN`.' })
  update(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Body() body: UpdateProjectDto,
  ): Promise<ProjectDto> {
    return this.projects.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'deleteProject',
    summary: 'Delete a project',
    description: 'Deletes a project with its signing policies and every permission on them.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async delete(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<void> {
    await this.projects.delete(principal, id);
  }

  @Get(':id/members')
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'listProjectMembers',
    summary: 'List project members',
    description:
      'Who holds which permission on the project and its signing policies, and how (directly or through which groups, nested ones included). Active users only, paged by user. One database round trip.',
  })
  @ApiOkResponse({ type: ProjectMembersDto })
  @ApiNotFoundResponse(NOT_FOUND)
  members(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<ProjectMembersDto> {
    return this.permissions.members(principal.organizationId, id, pageWindow(query));
  }

  @Get(':id/permissions')
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'listProjectPermissions',
    summary: 'List project permissions',
    description: 'Permissions granted on the project itself (Configurator).',
  })
  @ApiOkResponse({ type: PermissionListDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async listPermissions(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
  ): Promise<PermissionListDto> {
    return { items: await this.permissions.list(principal.organizationId, id, null) };
  }

  @Post(':id/permissions')
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'grantProjectPermission',
    summary: 'Grant a project permission',
    description: 'Grants Configurator on the project to a user or a group (manual or synchronized).',
  })
  @ApiCreatedResponse({ type: PermissionDto })
  @ApiBadRequestResponse(GRANT_ERRORS.badRequest)
  @ApiNotFoundResponse(GRANT_ERRORS.notFound)
  @ApiConflictResponse(GRANT_ERRORS.conflict)
  grant(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Body() body: GrantPermissionDto,
  ): Promise<PermissionDto> {
    return this.permissions.grant(principal, id, null, body);
  }

  @Delete(':id/permissions/:permissionId')
  @HttpCode(204)
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'revokeProjectPermission',
    summary: 'Revoke a project permission',
    description: 'Revokes a permission granted on the project.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({
    description: '`PROJECT_NOT_FOUND`, `PERMISSION_NOT_FOUND`.',
  })
  async revoke(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Param('permissionId') permissionId: string,
  ): Promise<void> {
    await this.permissions.revoke(principal, id, null, permissionId);
  }
}
