export * from './audit-api.module.js';
export * from './audit-events.query.js';
export * from './audit-reader.guard.js';
export * from './audit-retention.service.js';
export * from './audit.controller.js';
export * from './audit-events.repository.js';
// The operator CLI queries the audit the way the API does (same services, same filter validation).
export * from './audit-events.service.js';
export * from './audit-summary.service.js';
export * from './audit-events-query.dto.js';
export type { AuditEventsPageDto } from './audit-event.dto.js';
export type { AuditSummaryDto } from './audit-summary.dto.js';
