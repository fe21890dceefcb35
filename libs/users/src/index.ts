export * from './user-name.js';
export * from './user.entity.js';
export * from './users-admin.repository.js';
export * from './users.module.js';
export * from './users.repository.js';
export * from './directory-sync.rules.js';
