import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_OPERATIONS } from '#audit-log';

export class RequestCountsDto {
  @ApiProperty() requests!: number;
  @ApiProperty() failures!: number;
}

export class LiveCountsDto extends RequestCountsDto {
  @ApiProperty({ description: 'failures / requests, 0 when there were none.' }) failureRate!: number;
}

export class OutcomeCountsDto {
  @ApiProperty() success!: number;
  @ApiProperty() failure!: number;
}

export class ActivityWindowDto {
  @ApiProperty() requests!: number;
  @ApiProperty({ type: OutcomeCountsDto }) byOutcome!: OutcomeCountsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/RequestCountsDto' },
    description: `Keyed by operation (${AUDIT_OPERATIONS.join(', ')}; "other" for requests with none).`,
  })
  byOperation!: Record<string, RequestCountsDto>;
  @ApiProperty({ description: 'Failed share of all requests, dry-run included.' }) failureRate!: number;
  @ApiProperty({ type: LiveCountsDto }) live!: LiveCountsDto;
  @ApiProperty({ type: RequestCountsDto }) dryRun!: RequestCountsDto;
}

export class TestConnectionDto {
  @ApiProperty({ format: 'date-time' }) at!: Date;
  @ApiProperty() status!: number;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: string;
  @ApiProperty() dryRun!: boolean;
}

export class FrequentErrorDto {
  @ApiProperty() status!: number;
  @ApiProperty({ nullable: true, type: String }) scimType!: string | null;
  @ApiProperty({ nullable: true, type: String }) detail!: string | null;
  @ApiProperty() count!: number;
  @ApiProperty({ format: 'date-time' }) lastAt!: Date;
}

export class ManualChangesDto {
  @ApiProperty() last24Hours!: number;
  @ApiProperty() last7Days!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) lastAt!: Date | null;
}

/** Every field but `manualChanges` describes Entra's requests (source "scim") only. */
export class AuditSummaryDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ enum: ['never connected', 'dry-run only', 'healthy', 'failing'] }) status!: string;
  @ApiProperty({ description: 'Why, in one sentence.' }) statusReason!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date, description: "Entra's first request." })
  firstRequestAt!: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date, description: "Entra's latest request." })
  lastRequestAt!: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) lastSuccessAt!: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) lastLiveSuccessAt!: Date | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) lastDryRunSuccessAt!: Date | null;
  @ApiProperty({
    type: TestConnectionDto,
    nullable: true,
    description: "Entra's latest Test connection probe.",
  })
  lastTestConnection!: TestConnectionDto | null;
  @ApiProperty({ type: ActivityWindowDto }) last24Hours!: ActivityWindowDto;
  @ApiProperty({ type: ActivityWindowDto }) last7Days!: ActivityWindowDto;
  @ApiProperty({ type: [FrequentErrorDto], description: 'The most frequent failures of the last 7 days.' })
  frequentErrors!: FrequentErrorDto[];
  @ApiProperty({
    type: ManualChangesDto,
    description:
      'Changes made through the management API (source "manual"): how many in the last 24 hours and 7 days, and the latest. Not part of the sync status.',
  })
  manualChanges!: ManualChangesDto;
}
