export * from './audit-api.module.js';
export * from './audit-events.query.js';
export * from './audit-reader.guard.js';
export * from './audit-retention.service.js';
export * from './audit.controller.js';
export * from './audit-events.repository.js';
