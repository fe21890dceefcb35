export * from './effective-permissions.repository.js';
export * from './permission-kind.js';
export * from './permission.entity.js';
export * from './permissions.repository.js';
export * from './project.entity.js';
export * from './projects.module.js';
export * from './projects.repository.js';
export * from './signing-policy.entity.js';
