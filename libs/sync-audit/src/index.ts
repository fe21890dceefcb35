export * from './audit.trail.js';
export * from './sync-audit.module.js';
