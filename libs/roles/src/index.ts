export * from './global-role.js';
