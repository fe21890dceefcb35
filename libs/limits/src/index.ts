export * from './bounded-buckets.js';
export * from './scim-limiter.js';
export * from './scim-limits.hooks.js';
