import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PRINCIPAL_TYPES, type PrincipalType } from '#groups';
import {
  Clearable,
  NamedPageQueryDto,
  PageDto,
  PageQueryDto,
  PresentNotNull,
  toBoolean,
  trimmed,
} from './management-common.dto.js';

export class ListGroupsQueryDto extends NamedPageQueryDto {
  @ApiPropertyOptional({ description: 'Only synchronized (true) or only manual (false) groups.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  synchronized?: boolean;
}

export class CreateGroupDto {
  @ApiProperty({
    description:
      'Unique in the organization, case-insensitively, synchronized groups included. Entra ID matches groups by displayName: a manual group named like an Entra group that gets assigned is taken over by provisioning.',
    example: 'Release managers',
  })
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  displayName!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

export class UpdateGroupDto {
  @ApiPropertyOptional()
  @PresentNotNull()
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  displayName?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @Clearable()
  @IsString()
  @MaxLength(1024)
  description?: string | null;
}

export class AddMemberDto {
  @ApiProperty({ enum: PRINCIPAL_TYPES, description: 'A user, or a group (manual or synchronized).' })
  @IsIn(PRINCIPAL_TYPES)
  type!: PrincipalType;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class GroupDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "Entra's id of a synchronized group." })
  externalId!: string | null;
  @ApiProperty({
    description:
      'Provisioned by Entra ID: read-only here, members included; it may be a member of a manual group.',
  })
  isDirectorySynchronized!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class GroupPageDto extends PageDto {
  @ApiProperty({ type: [GroupDto] }) items!: GroupDto[];
}

export class GroupMemberDto {
  @ApiProperty({ enum: PRINCIPAL_TYPES }) type!: PrincipalType;
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The userName of a user.' }) userName!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty() isDirectorySynchronized!: boolean;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Users only.' }) active!: boolean | null;
}

export class GroupMemberPageDto extends PageDto {
  @ApiProperty({ type: [GroupMemberDto], description: 'Nested groups first, then users.' })
  items!: GroupMemberDto[];
}

export class MembersQueryDto extends PageQueryDto {}
