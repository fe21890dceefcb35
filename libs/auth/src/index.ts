export * from './api-token.entity.js';
export * from './api-tokens.repository.js';
export * from './api-tokens.service.js';
export * from './auth.module.js';
export * from './scim-token.guard.js';
export * from './token.secret.js';
