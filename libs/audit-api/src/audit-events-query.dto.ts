import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  AUDIT_SOURCES,
  STORED_OPERATIONS,
  STORED_RESOURCE_TYPES,
  type AuditSource,
  type StoredOperation,
  type StoredResourceType,
} from '#audit-log';
import { EXPORT_FORMATS, type ExportFormat } from './audit-export.format.js';

export const AUDIT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Query strings carry text: "true"/"false" become booleans, anything else fails validation. */
const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const toUpperCase = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.toUpperCase() : value;

/** The filters shared by the list and the export. All combine with AND. */
export class AuditEventFiltersDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this organization's events." })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({
    enum: AUDIT_SOURCES,
    description: '"scim": only requests of Entra ID; "manual": only changes made through the management API.',
  })
  @IsOptional()
  @IsIn(AUDIT_SOURCES)
  source?: AuditSource;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this instant (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events strictly before this instant (ISO 8601).',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ type: Number, minimum: 100, maximum: 599, description: 'HTTP status answered.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({ enum: AUDIT_METHODS })
  @IsOptional()
  @Transform(toUpperCase)
  @IsIn(AUDIT_METHODS)
  method?: string;

  @ApiPropertyOptional({ enum: STORED_OPERATIONS })
  @IsOptional()
  @IsIn(STORED_OPERATIONS)
  operation?: StoredOperation;

  @ApiPropertyOptional({ enum: STORED_RESOURCE_TYPES })
  @IsOptional()
  @IsIn(STORED_RESOURCE_TYPES)
  resourceType?: StoredResourceType;

  @ApiPropertyOptional({
    description:
      "The connector's id of the user or group (exact); for manual changes also of the project, signing policy, permission or token.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  resourceId?: string;

  @ApiPropertyOptional({ description: 'externalId as Entra sent it (exact, case-sensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  externalId?: string;

  @ApiPropertyOptional({ description: 'userName (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  userName?: string;

  @ApiPropertyOptional({
    description:
      'displayName (case-insensitive); for manual changes the label of anything but a user (project name, token name, ...).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  displayName?: string;

  @ApiPropertyOptional({ description: 'The request id (X-Request-Id of the response).' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  requestId?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: only the dry-run Tenant URL; false: only the live one.',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ description: 'Free text, found case-insensitively anywhere in the error detail.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class AuditEventsQueryDto extends AuditEventFiltersDto {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page; send the same filters with it.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class AuditExportQueryDto extends AuditEventFiltersDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}
