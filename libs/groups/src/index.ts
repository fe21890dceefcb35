export * from './group-member.entity.js';
export * from './group.entity.js';
export * from './groups.module.js';
export * from './groups.repository.js';
export * from './scim-group.mapper.js';
export * from './scim-groups.service.js';
