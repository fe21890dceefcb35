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
import { NamedPageQueryDto, pageWindow } from './management-common.dto.js';
import { ManagementController } from './management-controller.decorator.js';
import { ManagementPermissionsService } from './management-permissions.service.js';
import {
  CreateSigningPolicyDto,
  GrantPermissionDto,
  PermissionDto,
  PermissionListDto,
  SigningPolicyDto,
  SigningPolicyPageDto,
  UpdateSigningPolicyDto,
} from './management-project.dto.js';
import { GRANT_ERRORS } from './management-projects.controller.js';
import { ManagementProjectsService } from './management-projects.service.js';
import { PROJECT_READERS, PROJECT_WRITERS } from './management-roles.js';
import { Principal, Roles, type ManagementPrincipal } from './management.guard.js';

const NOT_FOUND = {
  description: '`PROJECT_NOT_FOUND`, `SIGNING_POLICY_NOT_FOUND`.',
};

@ManagementController('projects/:projectId/signing-policies', 'signing policies')
export class ManagementSigningPoliciesController {
  constructor(
    private readonly projects: ManagementProjectsService,
    private readonly permissions: ManagementPermissionsService,
  ) {}

  @Get()
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'listSigningPolicies',
    summary: 'List signing policies',
    description: "The project's signing policies, by name.",
  })
  @ApiOkResponse({ type: SigningPolicyPageDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async list(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Query() query: NamedPageQueryDto,
  ): Promise<SigningPolicyPageDto> {
    return {
      ...(await this.projects.listPolicies(principal.organizationId, projectId, query)),
      ...pageWindow(query),
    };
  }

  @Post()
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'createSigningPolicy',
    summary: 'Create a signing policy',
    description: 'Creates a signing policy in the project.',
  })
  @ApiCreatedResponse({ type: SigningPolicyDto })
  @ApiBadRequestResponse({ description: '`VALIDATION_FAILED`.' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: '`SIGNING_POLICY_NAME_TAKEN`.' })
  create(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Body() body: CreateSigningPolicyDto,
  ): Promise<SigningPolicyDto> {
    return this.projects.createPolicy(principal, projectId, body);
  }

  @Get(':id')
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'getSigningPolicy',
    summary: 'Get a signing policy',
    description: 'One signing policy.',
  })
  @ApiOkResponse({ type: SigningPolicyDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
  ): Promise<SigningPolicyDto> {
    return this.projects.getPolicy(principal.organizationId, projectId, id);
  }

  @Patch(':id')
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'updateSigningPolicy',
    summary: 'Update a signing policy',
    description: 'Renames a signing policy or changes its description.',
  })
  @ApiOkResponse({ type: SigningPolicyDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: '`SIGNING_POLICY_NAME_TAKEN`.' })
  update(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
    @Body() body: UpdateSigningPolicyDto,
  ): Promise<SigningPolicyDto> {
    return this.projects.updatePolicy(principal, projectId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'deleteSigningPolicy',
    summary: 'Delete a signing policy',
    description: 'Deletes a signing policy and the permissions on it.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  async delete(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
  ): Promise<void> {
    await this.projects.deletePolicy(principal, projectId, id);
  }

  @Get(':id/permissions')
  @Roles(...PROJECT_READERS)
  @ApiOperation({
    operationId: 'listSigningPolicyPermissions',
    summary: 'List signing policy permissions',
    description: 'Permissions granted on the signing policy (Submitter, Approver).',
  })
  @ApiOkResponse({ type: PermissionListDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async listPermissions(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
  ): Promise<PermissionListDto> {
    return { items: await this.permissions.list(principal.organizationId, projectId, id) };
  }

  @Post(':id/permissions')
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'grantSigningPolicyPermission',
    summary: 'Grant a signing policy permission',
    description:
      'Grants Submitter or Approver on the signing policy to a user or a group (manual or synchronized).',
  })
  @ApiCreatedResponse({ type: PermissionDto })
  @ApiBadRequestResponse(GRANT_ERRORS.badRequest)
  @ApiNotFoundResponse(GRANT_ERRORS.notFound)
  @ApiConflictResponse(GRANT_ERRORS.conflict)
  grant(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
    @Body() body: GrantPermissionDto,
  ): Promise<PermissionDto> {
    return this.permissions.grant(principal, projectId, id, body);
  }

  @Delete(':id/permissions/:permissionId')
  @HttpCode(204)
  @Roles(...PROJECT_WRITERS)
  @ApiOperation({
    operationId: 'revokeSigningPolicyPermission',
    summary: 'Revoke a signing policy permission',
    description: 'Revokes a permission granted on the signing policy.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({
    description: `${NOT_FOUND.description} \`PERMISSION_NOT_FOUND\`.`,
  })
  async revoke(
    @Principal() principal: ManagementPrincipal,
    @Param('projectId') projectId: string,
    @Param('id') id: string,
    @Param('permissionId') permissionId: string,
  ): Promise<void> {
    await this.permissions.revoke(principal, projectId, id, permissionId);
  }
}
