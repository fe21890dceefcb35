export * from './group-member.entity.js';
export * from './group-nested-group.entity.js';
export * from './group.entity.js';
export * from './groups-admin.repository.js';
export * from './groups.module.js';
export * from './groups.repository.js';
export * from './principal-type.js';
export * from './group-membership.service.js';
