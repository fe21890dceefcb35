export * from './dry-run.interceptor.js';
export * from './scim-tenant.js';
export * from './scim.module.js';
export * from './scim.routes.js';
