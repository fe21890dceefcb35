export * from './global-role.js';
export * from './role-assignment.js';
