import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { pageWindow } from './management-common.dto.js';
import { ManagementController } from './management-controller.decorator.js';
import {
  AddMemberDto,
  CreateGroupDto,
  GroupDto,
  GroupMemberDto,
  GroupMemberPageDto,
  GroupPageDto,
  ListGroupsQueryDto,
  MembersQueryDto,
  UpdateGroupDto,
} from './management-group.dto.js';
import { ManagementGroupsService } from './management-groups.service.js';
import { DIRECTORY_READERS, DIRECTORY_WRITERS } from './management-roles.js';
import { Principal, Roles, type ManagementPrincipal } from './management.guard.js';

const SYNCHRONIZED = {
  description:
    '`MANAGED_BY_DIRECTORY_SYNC`: the group is provisioned by Entra ID and read-only here, members included.',
};
const NOT_FOUND = { description: '`GROUP_NOT_FOUND`.' };

@ManagementController('groups', 'groups')
export class ManagementGroupsController {
  constructor(private readonly groups: ManagementGroupsService) {}

  @Get()
  @Roles(...DIRECTORY_READERS)
  @ApiOperation({
    operationId: 'listGroups',
    summary: 'List groups',
    description: 'Groups of the organization, manual and synchronized, by displayName.',
  })
  @ApiOkResponse({ type: GroupPageDto })
  async list(
    @Principal() principal: ManagementPrincipal,
    @Query() query: ListGroupsQueryDto,
  ): Promise<GroupPageDto> {
    return { ...(await this.groups.list(principal.organizationId, query)), ...pageWindow(query) };
  }

  @Post()
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'createGroup',
    summary: 'Create a group',
    description: 'Creates a manual group.',
  })
  @ApiCreatedResponse({ type: GroupDto })
  @ApiBadRequestResponse({ description: '`VALIDATION_FAILED`.' })
  @ApiConflictResponse({ description: '`GROUP_NAME_TAKEN`.' })
  create(@Principal() principal: ManagementPrincipal, @Body() body: CreateGroupDto): Promise<GroupDto> {
    return this.groups.create(principal, body);
  }

  @Get(':id')
  @Roles(...DIRECTORY_READERS)
  @ApiOperation({
    operationId: 'getGroup',
    summary: 'Get a group',
    description: 'One group.',
  })
  @ApiOkResponse({ type: GroupDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<GroupDto> {
    return this.groups.get(principal.organizationId, id);
  }

  @Patch(':id')
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'updateGroup',
    summary: 'Update a group',
    description: 'Renames a manual group or changes its description.',
  })
  @ApiOkResponse({ type: GroupDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ ...SYNCHRONIZED, description: `${SYNCHRONIZED.description} \`GROUP_NAME_TAKEN\`.` })
  update(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Body() body: UpdateGroupDto,
  ): Promise<GroupDto> {
    return this.groups.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'deleteGroup',
    summary: 'Delete a group',
    description: 'Deletes a manual group: its memberships and the permissions granted to it go with it.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse(SYNCHRONIZED)
  async delete(@Principal() principal: ManagementPrincipal, @Param('id') id: string): Promise<void> {
    await this.groups.delete(principal, id);
  }

  @Get(':id/members')
  @Roles(...DIRECTORY_READERS)
  @ApiOperation({
    operationId: 'listGroupMembers',
    summary: 'List group members',
    description: 'Direct members: nested groups, then users.',
  })
  @ApiOkResponse({ type: GroupMemberPageDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async members(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Query() query: MembersQueryDto,
  ): Promise<GroupMemberPageDto> {
    const window = pageWindow(query);
    return { ...(await this.groups.members(principal.organizationId, id, window)), ...window };
  }

  @Post(':id/members')
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'addGroupMember',
    summary: 'Add a group member',
    description:
      'Adds a user or a group (manual or synchronized) to a manual group. 201 when added, 200 when it was a member already.',
  })
  @ApiCreatedResponse({ type: GroupMemberDto })
  @ApiOkResponse({ type: GroupMemberDto, description: 'It was a member already; nothing changed.' })
  @ApiBadRequestResponse({
    description: '`GROUP_CYCLE`: the group would end up inside itself. `VALIDATION_FAILED`.',
  })
  @ApiNotFoundResponse({
    description: '`GROUP_NOT_FOUND`, `USER_NOT_FOUND` (field `id`).',
  })
  @ApiConflictResponse(SYNCHRONIZED)
  async addMember(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Body() body: AddMemberDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GroupMemberDto> {
    const { added, member } = await this.groups.addMember(principal, id, body);
    if (!added) void reply.status(200);
    return member;
  }

  @Delete(':id/members/:memberId')
  @HttpCode(204)
  @Roles(...DIRECTORY_WRITERS)
  @ApiOperation({
    operationId: 'removeGroupMember',
    summary: 'Remove a group member',
    description: 'Removes a user or a group from a manual group.',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: '`GROUP_NOT_FOUND`, `MEMBER_NOT_FOUND`.' })
  @ApiConflictResponse(SYNCHRONIZED)
  async removeMember(
    @Principal() principal: ManagementPrincipal,
    @Param('id') id: string,
    @Param('memberId') memberId: string,
  ): Promise<void> {
    await this.groups.removeMember(principal, id, memberId);
  }
}
