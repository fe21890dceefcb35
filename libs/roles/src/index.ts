export * from './global-role.js';
export * from './global-role.rules.js';
