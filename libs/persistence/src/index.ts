export * from './data-source.options.js';
export * from './database.errors.js';
export * from './embedded-postgres.server.js';
export * from './migrations.runner.js';
export * from './persistence.module.js';
export * from './uuid.js';
export * from './sql.executor.js';
export * from './sql.module.js';
