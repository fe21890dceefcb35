export * from './scim-user.mapper.js';
export * from './scim-users.service.js';
export * from './user.entity.js';
export * from './users.module.js';
export * from './users.repository.js';
