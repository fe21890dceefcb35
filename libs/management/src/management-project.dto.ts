import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PRINCIPAL_TYPES, type PrincipalType } from '#groups';
import { PERMISSION_KINDS, type PermissionKind } from '#projects';
import { Clearable, PageDto, PresentNotNull, trimmed } from './management-common.dto.js';

export class CreateProjectDto {
  @ApiProperty({ description: 'Unique in the organization, case-insensitively.', example: 'Desktop app' })
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

/** Signing policies are named like projects (unique within their project). */
export class CreateSigningPolicyDto extends CreateProjectDto {}

export class UpdateProjectDto {
  @ApiPropertyOptional()
  @PresentNotNull()
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @Clearable()
  @IsString()
  @MaxLength(1024)
  description?: string | null;
}

export class UpdateSigningPolicyDto extends UpdateProjectDto {}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class SigningPolicyDto extends ProjectDto {
  @ApiProperty({ format: 'uuid' }) projectId!: string;
}

export class ProjectPageDto extends PageDto {
  @ApiProperty({ type: [ProjectDto] }) items!: ProjectDto[];
}

export class SigningPolicyPageDto extends PageDto {
  @ApiProperty({ type: [SigningPolicyDto] }) items!: SigningPolicyDto[];
}

export class PrincipalRefDto {
  @ApiProperty({ enum: PRINCIPAL_TYPES, description: 'A user, or a group (manual or synchronized).' })
  @IsIn(PRINCIPAL_TYPES)
  type!: PrincipalType;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class GrantPermissionDto {
  @ApiProperty({
    enum: PERMISSION_KINDS,
    description: 'On a project: `Configurator`. On a signing policy: `Submitter` or `Approver`.',
  })
  @IsIn(PERMISSION_KINDS)
  permission!: PermissionKind;

  @ApiProperty({
    type: PrincipalRefDto,
    description: 'Who receives it. Through a group, nested groups count.',
  })
  @IsDefined()
  @ValidateNested()
  @Type(() => PrincipalRefDto)
  principal!: PrincipalRefDto;
}

export class PrincipalDto {
  @ApiProperty({ enum: PRINCIPAL_TYPES }) type!: PrincipalType;
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'userName of a user, displayName of a group.' }) name!: string;
  @ApiProperty() isDirectorySynchronized!: boolean;
}

export class PermissionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) signingPolicyId!: string | null;
  @ApiProperty({ enum: PERMISSION_KINDS }) permission!: PermissionKind;
  @ApiProperty({ type: PrincipalDto }) principal!: PrincipalDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
}

export class PermissionListDto {
  @ApiProperty({ type: [PermissionDto] }) items!: PermissionDto[];
}
