import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PERMISSION_KINDS, type PermissionKind } from '#projects';
import { USER_KINDS, type UserKind } from '#users';
import { PageDto } from './management-common.dto.js';

export class PathGroupDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() isDirectorySynchronized!: boolean;
}

export class GrantDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The permission (grant) this comes from; revoke it by this id.',
  })
  permissionId!: string;

  @ApiProperty({
    enum: ['direct', 'group'],
    description: '`direct`: granted to the user itself; `group`: through the groups in `groups`.',
  })
  kind!: 'direct' | 'group';

  @ApiPropertyOptional({
    type: [PathGroupDto],
    description:
      'The chain of groups, in order: the group the user is a member of, then each group containing the previous one, ending with the group the permission was granted to. The shortest such chain.',
  })
  groups?: PathGroupDto[];
}

export class HeldPermissionDto {
  @ApiProperty({ enum: PERMISSION_KINDS }) permission!: PermissionKind;
  @ApiProperty({ type: [GrantDto], description: 'Every grant that gives it (one suffices).' })
  grants!: GrantDto[];
}

export class EffectiveSigningPolicyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [HeldPermissionDto] }) permissions!: HeldPermissionDto[];
}

export class EffectiveProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: [HeldPermissionDto],
    description: 'Permissions on the project itself (Configurator).',
  })
  permissions!: HeldPermissionDto[];
  @ApiProperty({ type: [EffectiveSigningPolicyDto] }) signingPolicies!: EffectiveSigningPolicyDto[];
}

export class PermissionSubjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() userName!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ enum: USER_KINDS }) kind!: UserKind;
  @ApiProperty({ description: 'A deactivated user holds no permission.' }) active!: boolean;
  @ApiProperty() isDirectorySynchronized!: boolean;
}

export class EffectivePermissionsDto {
  @ApiProperty({ type: PermissionSubjectDto }) user!: PermissionSubjectDto;
  @ApiProperty({ type: [EffectiveProjectDto], description: 'Only projects where the user holds something.' })
  projects!: EffectiveProjectDto[];
}

export class PermissionTargetDto {
  @ApiProperty({ enum: ['project', 'signingPolicy'] }) type!: 'project' | 'signingPolicy';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class MemberPermissionDto {
  @ApiProperty({ type: PermissionTargetDto }) target!: PermissionTargetDto;
  @ApiProperty({ enum: PERMISSION_KINDS }) permission!: PermissionKind;
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
}

export class ProjectMemberDto {
  @ApiProperty({ type: PermissionSubjectDto }) user!: PermissionSubjectDto;
  @ApiProperty({ type: [MemberPermissionDto] }) permissions!: MemberPermissionDto[];
}

export class ProjectRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class ProjectMembersDto extends PageDto {
  @ApiProperty({ type: ProjectRefDto }) project!: ProjectRefDto;
  @ApiProperty({ type: [ProjectMemberDto], description: 'Active users, by userName; `total` counts users.' })
  members!: ProjectMemberDto[];
}
