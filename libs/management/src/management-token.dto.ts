import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { GLOBAL_ROLES, type GlobalRole } from '#roles';
import { trimmed } from './management-common.dto.js';

export class IssueTokenDto {
  @ApiProperty({
    enum: GLOBAL_ROLES,
    description:
      'The global role of the CI user created for the token: DirectorySynchronizer for Entra ID provisioning (setup guide, step 3), any other role for this API. Only a GlobalAdministrator may issue a GlobalAdministrator token.',
  })
  @IsIn(GLOBAL_ROLES)
  role!: GlobalRole;

  @ApiPropertyOptional({
    description: "The CI user's userName (unique); generated when absent.",
    example: 'entra-provisioning',
  })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name?: string;
}

export class IssuedTokenDto {
  @ApiProperty({ description: 'The secret. Shown only this once; only its hash is stored.' }) token!: string;
  @ApiProperty({ format: 'uuid' }) tokenId!: string;
  @ApiProperty({ format: 'uuid', description: 'The CI user created for it.' }) userId!: string;
}

export class TokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() userName!: string;
  @ApiProperty({ enum: GLOBAL_ROLES }) globalRole!: GlobalRole;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The public part of the token (`sct_<prefix>_…`), to recognise it.' })
  prefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: Date | null;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
}
