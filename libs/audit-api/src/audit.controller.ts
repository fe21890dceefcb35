import {
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Query,
  StreamableFile,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { EXPORT_CONTENT_TYPES } from './audit-export.format.js';
import { AuditEventDto, AuditEventsPageDto } from './audit-event.dto.js';
import { AuditEventsQueryDto, AuditExportQueryDto, DEFAULT_PAGE_SIZE } from './audit-events-query.dto.js';
import { AuditEventsService } from './audit-events.service.js';
import { AuditReaderGuard, Reader, type AuditReader } from './audit-reader.guard.js';
import { AuditSummaryDto } from './audit-summary.dto.js';
import { AuditSummaryService } from './audit-summary.service.js';

export const AUDIT_API_TAG = 'audit';
export const AUDIT_BEARER = 'audit-bearer';

const BAD_QUERY = {
  description:
    '`BAD_REQUEST`: an unknown or malformed query parameter, `from` after `to`, or a forged `cursor`.',
};

/**
 * The audit API for support staff and organization administrators; read-only. Its errors are the
 * framework's own (BadRequestException and the like): the global renderer sends them as problem
 * details with the code of their status, and the OpenAPI setup gives them the `ProblemDetails` schema.
 */
@Controller('api/v1/audit')
@ApiTags(AUDIT_API_TAG)
@ApiBearerAuth(AUDIT_BEARER)
@ApiUnauthorizedResponse({ description: '`UNAUTHORIZED`: missing, unknown or revoked token.' })
@ApiForbiddenResponse({
  description:
    "`FORBIDDEN`: a token that may not read the audit (e.g. a Directory Synchronizer's), or another organization than the administrator's own.",
})
@UseGuards(AuditReaderGuard)
// Unknown query parameters are refused rather than ignored, so a misspelt filter never widens a search.
@UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
export class AuditController {
  constructor(
    private readonly events: AuditEventsService,
    private readonly summaries: AuditSummaryService,
  ) {}

  @Get('events')
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: 'List audit events',
    description: 'Audit events, newest first, filtered; keyset-paginated with an opaque cursor.',
  })
  @ApiOkResponse({ type: AuditEventsPageDto })
  @ApiBadRequestResponse(BAD_QUERY)
  list(@Reader() reader: AuditReader, @Query() query: AuditEventsQueryDto): Promise<AuditEventsPageDto> {
    const { limit, cursor, ...filters } = query;
    return this.events.list(reader, filters, limit ?? DEFAULT_PAGE_SIZE, cursor);
  }

  @Get('events/export')
  @ApiOperation({
    operationId: 'exportAuditEvents',
    summary: 'Export audit events',
    description: 'Every matching event, newest first, streamed as NDJSON (one JSON object a line) or CSV.',
  })
  @ApiProduces(EXPORT_CONTENT_TYPES.ndjson, EXPORT_CONTENT_TYPES.csv)
  @ApiOkResponse({ description: 'The events, streamed.' })
  @ApiBadRequestResponse(BAD_QUERY)
  export(@Reader() reader: AuditReader, @Query() query: AuditExportQueryDto): StreamableFile {
    const { format = 'ndjson', ...filters } = query;
    return new StreamableFile(this.events.export(reader, filters, format), {
      type: EXPORT_CONTENT_TYPES[format],
      disposition: `attachment; filename="audit-events.${format}"`,
    });
  }

  @Get('events/:id')
  @ApiOperation({
    operationId: 'getAuditEvent',
    summary: 'Get an audit event',
    description: 'One audit event.',
  })
  @ApiOkResponse({ type: AuditEventDto })
  @ApiNotFoundResponse({
    description: "`NOT_FOUND`: no such event (or another organization's, for an administrator).",
  })
  get(@Reader() reader: AuditReader, @Param('id') id: string): Promise<AuditEventDto> {
    return this.events.get(reader, id);
  }

  @Get('organizations/:organizationId/summary')
  @ApiOperation({
    operationId: 'getOrganizationAuditSummary',
    summary: "Get an organization's audit summary",
    description: "An organization's sync health at a glance.",
  })
  @ApiOkResponse({ type: AuditSummaryDto })
  @ApiBadRequestResponse({ description: '`BAD_REQUEST`: the organization id is not a UUID.' })
  @ApiNotFoundResponse({ description: '`NOT_FOUND`: no such organization.' })
  summary(
    @Reader() reader: AuditReader,
    @Param('organizationId', new ParseUUIDPipe()) organizationId: string,
  ): Promise<AuditSummaryDto> {
    return this.summaries.summary(reader, organizationId);
  }
}
