import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_SOURCES, STORED_OPERATIONS, STORED_RESOURCE_TYPES, type AuditSource } from '#audit-log';
import type { AuditEventRecord } from './audit-events.repository.js';

/**
 * OpenAPI description of one audit event (the API returns AuditEventRecord as is): a request of
 * Entra ID under /scim (`source: "scim"`) or a change made through the management API
 * (`source: "manual"`).
 */
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
    enum: AUDIT_SOURCES,
    description:
      '"scim": one request of Entra ID under /scim; "manual": one change made through the management API (a request that changed several things has one row per change, sharing its requestId).',
  })
  source!: AuditSource;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The API token used, once authenticated.',
  })
  tokenId!: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      "The token's user: the Directory Synchronizer's CI user for SCIM rows; the acting user for manual changes.",
  })
  userId!: string | null;
  @ApiProperty({ description: 'X-Request-Id of the response.' }) requestId!: string;
  @ApiProperty({ nullable: true, type: String }) clientAddress!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty() method!: string;
  @ApiProperty({ description: 'Path without the query string.' }) path!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Raw query string, without "?".' }) query!:
    string | null;
  @ApiProperty({
    description:
      'Sent to the dry-run Tenant URL: nothing but this record was committed. Always false for manual changes.',
  })
  dryRun!: boolean;
  @ApiProperty({
    enum: STORED_OPERATIONS,
    nullable: true,
    type: String,
    description:
      'SCIM rows: query, read, create, update, replace, delete, discovery, test-connection. Manual changes: create, update, delete, deactivate, reactivate, add-member, remove-member, grant, revoke, issue, revoke-token.',
  })
  operation!: string | null;
  @ApiProperty({
    enum: STORED_RESOURCE_TYPES,
    nullable: true,
    type: String,
    description:
      'SCIM rows: User, Group, ServiceProviderConfig, ResourceType, Schema. Manual changes: User, Group, Project, SigningPolicy, Permission, ApiToken.',
  })
  resourceType!: string | null;
  @ApiProperty({ nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The user the request is about; for a manual change of a user, its label (userName).',
  })
  userName!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The group the request is about; for a manual change of anything but a user, its label (group's displayName, project or signing policy name, permission, token name).",
  })
  displayName!: string | null;
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
      'SCIM rows: the body as received, secrets redacted; over 64 KiB: {"$truncated": true, "sizeBytes", "preview"}; not JSON: {"$unparsed": "..."}. Null for manual changes (their effect says what changed).',
  })
  requestBody!: unknown;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Successes only. SCIM rows: changed attributes (before/after), membersAdded/membersRemoved ({count, ids} with at most 100 ids), membersRemovedAll, consequences, notes, totalResults; for a dry-run, what would have happened. Manual changes: changed fields (before/after) and what the change concerns (e.g. memberType/memberId, permission/principal, projectId). Secrets redacted, capped like bodies.',
  })
  effect!: unknown;
  @ApiProperty({
    minimum: 1,
    description:
      'How many requests this row stands for. 1, except for folded rows: requests refused for want of a valid token (401) are recorded one row per minute and source (client address, token prefix, URL organization, operation), and requests refused by a limit (429) one row per minute and source (too many failed authentications) or organization and source (rate, concurrency). Such a row shows its first request (requestId, path, occurredAt).',
  })
  count!: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: Date,
    description: 'Folded rows: when the last request they count arrived. Null otherwise.',
  })
  lastOccurredAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Folded rows: the 12-hex-digit lookup prefix of the API token presented (never the secret), when it was one of ours in form. Null otherwise.',
  })
  tokenPrefix!: string | null;
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
