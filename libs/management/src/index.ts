export * from './management-controller.decorator.js';
export * from './management.errors.js';
export * from './management.guard.js';
export * from './management.module.js';
export * from './manual-change.recorder.js';
