import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One SCIM request, whatever its outcome, or one change made through the management API
 * (`source`). Written by hand-written SQL (audit-events.repository.ts); the entity exists so the
 * schema check can compare it with the migrations. Its indexes are expression, partial and
 * descending ones written in the migrations, hence `synchronize: false`. The schema check compares
 * checks by name only: keep these expressions equal to the latest migration's by hand
 * (audit-sources.spec.ts checks they list every value the code may store).
 */
@Entity({ name: 'sync_audit_events' })
@Check('CHK_sync_audit_events_outcome', `outcome IN ('success', 'failure')`)
@Check('CHK_sync_audit_events_source', `source IN ('scim', 'manual')`)
@Check(
  'CHK_sync_audit_events_operation',
  `operation IN ('query', 'read', 'create', 'update', 'replace', 'delete', 'discovery', 'test-connection', 'deactivate', 'reactivate', 'add-member', 'remove-member', 'grant', 'revoke', 'issue', 'revoke-token')`,
)
@Check(
  'CHK_sync_audit_events_resource_type',
  `resource_type IN ('User', 'Group', 'ServiceProviderConfig', 'ResourceType', 'Schema', 'Project', 'SigningPolicy', 'Permission', 'ApiToken')`,
)
@Check('CHK_sync_audit_events_status', `status BETWEEN 100 AND 599`)
@Index('IX_sync_audit_events_organization_time', { synchronize: false })
@Index('IX_sync_audit_events_time', { synchronize: false })
@Index('IX_sync_audit_events_organization_success', { synchronize: false })
@Index('IX_sync_audit_events_organization_test_connection', { synchronize: false })
@Index('IX_sync_audit_events_resource_id', { synchronize: false })
@Index('IX_sync_audit_events_external_id', { synchronize: false })
@Index('IX_sync_audit_events_user_name', { synchronize: false })
@Index('IX_sync_audit_events_display_name', { synchronize: false })
@Index('IX_sync_audit_events_request_id', { synchronize: false })
@Index('IX_sync_audit_events_detail_trgm', { synchronize: false })
@Index('IX_sync_audit_events_manual_organization_time', { synchronize: false })
@Index('IX_sync_audit_events_manual_time', { synchronize: false })
@Index('UQ_sync_audit_events_aggregate_key', { synchronize: false })
@Check('CHK_sync_audit_events_count', `count >= 1`)
export class SyncAuditEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_sync_audit_events' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** Null when the URL named no existing organization. */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId!: string | null;

  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId!: string | null;

  /** 'scim': a request of Entra ID; 'manual': a change made through the management API. */
  @Column({ type: 'text', default: 'scim' })
  source!: 'scim' | 'manual';

  /**
   * The user whose API token made the request: the Directory Synchronizer's CI user for SCIM rows,
   * the acting user for manual changes.
   */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'client_address', type: 'text', nullable: true })
  clientAddress!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  path!: string;

  /** The raw query string, without the '?'. */
  @Column({ type: 'text', nullable: true })
  query!: string | null;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  @Column({ type: 'text', nullable: true })
  operation!: string | null;

  @Column({ name: 'resource_type', type: 'text', nullable: true })
  resourceType!: string | null;

  @Column({ name: 'resource_id', type: 'text', nullable: true })
  resourceId!: string | null;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ name: 'user_name', type: 'text', nullable: true })
  userName!: string | null;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ type: 'smallint' })
  status!: number;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ name: 'scim_type', type: 'text', nullable: true })
  scimType!: string | null;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'request_body', type: 'jsonb', nullable: true })
  requestBody!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  effect!: unknown;

  /** Requests the row stands for: 1, or more for a folded row of 401s / 429s. */
  @Column({ type: 'integer', default: 1 })
  count!: number;

  /** Folded rows: when the last request they count arrived. */
  @Column({ name: 'last_occurred_at', type: 'timestamptz', nullable: true })
  lastOccurredAt!: Date | null;

  /** Folded rows: the presented API token's lookup prefix, if it had our form. */
  @Column({ name: 'token_prefix', type: 'text', nullable: true })
  tokenPrefix!: string | null;

  /** Folded rows: what they are folded by (source, minute, ...); unique among them. */
  @Column({ name: 'aggregate_key', type: 'text', nullable: true })
  aggregateKey!: string | null;
}
