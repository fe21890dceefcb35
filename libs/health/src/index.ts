export * from './health.module.js';
export * from './management.server.js';
