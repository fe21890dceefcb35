import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { normalizeUserName, USER_KINDS, type UserKind } from '#users';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { GLOBAL_ROLES, type GlobalRole } from '#roles';
import {
  Clearable,
  NamedPageQueryDto,
  PageDto,
  PresentNotNull,
  toBoolean,
  trimmed,
} from './management-common.dto.js';

/** `<sso-identifier>:<objectId>`, as the setup guide's externalId expression builds it. */
export const IDENTITY_PATTERN = /^[^:\s]+:\S+$/;

export class ListUsersQueryDto extends NamedPageQueryDto {
  @ApiPropertyOptional({ description: 'Only synchronized (true) or only manual (false) users.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  synchronized?: boolean;

  @ApiPropertyOptional({ description: 'Only active (true) or only deactivated (false) users.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ enum: USER_KINDS })
  @IsOptional()
  @IsIn(USER_KINDS)
  kind?: UserKind;
}

/** userNames are stored normalized (fullwidth folded, NFC, trimmed), as SCIM stores them. */
const normalizedUserName = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? normalizeUserName(value) : value;

export class CreateUserDto {
  @ApiPropertyOptional({
    enum: USER_KINDS,
    default: 'interactive',
    description: 'A person (signs in through SSO) or a CI user (uses API tokens).',
  })
  @IsOptional()
  @IsIn(USER_KINDS)
  kind?: UserKind;

  @ApiProperty({
    description: 'Unique in the organization, case-insensitively.',
    example: 'jane@acme.example',
  })
  @Transform(normalizedUserName)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  userName!: string;

  @ApiPropertyOptional({ example: 'Jane Doe' })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(256)
  displayName?: string;

  @ApiPropertyOptional({ example: 'jane@acme.example' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({
    description:
      "Interactive users only: `<sso-identifier>:<objectId>` with the organization's SSO identifier; unique. Entra ID matches users by it (SCIM externalId).",
    example: 'acme:0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(IDENTITY_PATTERN, { message: 'identity must look like <sso-identifier>:<objectId>' })
  identity?: string;

  @ApiPropertyOptional({
    enum: GLOBAL_ROLES,
    default: 'RegularUser',
    description:
      'Exactly one global role. DirectorySynchronizer is for CI users only; only a GlobalAdministrator may grant GlobalAdministrator.',
  })
  @IsOptional()
  @IsIn(GLOBAL_ROLES)
  globalRole?: GlobalRole;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @PresentNotNull()
  @Transform(normalizedUserName)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  userName?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @Clearable()
  @Transform(trimmed)
  @IsString()
  @MaxLength(256)
  displayName?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @Clearable()
  @IsEmail()
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @Clearable()
  @IsString()
  @MaxLength(1024)
  @Matches(IDENTITY_PATTERN, { message: 'identity must look like <sso-identifier>:<objectId>' })
  identity?: string | null;

  @ApiPropertyOptional({ enum: GLOBAL_ROLES })
  @PresentNotNull()
  @IsIn(GLOBAL_ROLES)
  globalRole?: GlobalRole;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: USER_KINDS }) kind!: UserKind;
  @ApiProperty() userName!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The primary e-mail address.' })
  email!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: '`<sso-identifier>:<objectId>`; SCIM externalId.',
  })
  identity!: string | null;
  @ApiProperty({ enum: GLOBAL_ROLES }) globalRole!: GlobalRole;
  @ApiProperty() active!: boolean;
  @ApiProperty({ description: 'Provisioned by Entra ID: read-only in this API.' })
  isDirectorySynchronized!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class UserPageDto extends PageDto {
  @ApiProperty({ type: [UserDto] }) items!: UserDto[];
}
