export * from './connector.metrics.js';
export * from './metrics.module.js';
