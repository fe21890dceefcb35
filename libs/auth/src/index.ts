export * from './api-token.entity.js';
export * from './api-tokens.repository.js';
export * from './api-tokens.service.js';
export * from './auth.module.js';
export * from './support-token.entity.js';
export * from './support-tokens.repository.js';
export * from './support-tokens.service.js';
export * from './token.secret.js';
