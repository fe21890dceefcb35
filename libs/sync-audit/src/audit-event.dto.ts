import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_OPERATIONS, AUDIT_RESOURCE_TYPES } from './audit.trail.js';
import type { AuditEventRecord } from './audit-events.repository.js';

/** OpenAPI description of one audit event (the API returns AuditEventRecord as is). */
export class AuditEventDto implements AuditEventRecord {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'When the request arrived.' }) occurredAt!: Date;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Null when the URL named no existing organization.',
  })
  organizationId!: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The API token used, once authenticated.',
  })
  tokenId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: "The token's CI user." })
  userId!: string | null;
  @ApiProperty({ description: 'X-Request-Id of the response.' }) requestId!: string;
  @ApiProperty({ nullable: true, type: String }) clientAddress!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty() method!: string;
  @ApiProperty({ description: 'Path without the query string.' }) path!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Raw query string, without "?".' }) query!:
    string | null;
  @ApiProperty({ description: 'Sent to the dry-run Tenant URL: nothing but this record was committed.' })
  dryRun!: boolean;
  @ApiProperty({ enum: AUDIT_OPERATIONS, nullable: true, type: String }) operation!: string | null;
  @ApiProperty({ enum: AUDIT_RESOURCE_TYPES, nullable: true, type: String }) resourceType!: string | null;
  @ApiProperty({ nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty({ nullable: true, type: String }) userName!: string | null;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ description: 'HTTP status answered (499: the client closed the connection first).' })
  status!: number;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: string;
  @ApiProperty({ nullable: true, type: String, description: 'SCIM scimType of a failure.' }) scimType!:
    string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Error detail of a failure, as the client got it.',
  })
  detail!: string | null;
  @ApiProperty() durationMs!: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The body as received, secrets redacted; over 64 KiB: {"$truncated": true, "sizeBytes", "preview"}; not JSON: {"$unparsed": "..."}.',
  })
  requestBody!: unknown;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Successes only: changed attributes (before/after), membersAdded/membersRemoved ({count, ids} with at most 100 ids), membersRemovedAll, consequences, notes, totalResults. For a dry-run, what would have happened.',
  })
  effect!: unknown;
}

export class AuditEventsPageDto {
  @ApiProperty({ type: [AuditEventDto] }) events!: AuditEventDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  })
  nextCursor!: string | null;
}
