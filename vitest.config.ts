import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // SWC instead of Vite's built-in transform, so emitDecoratorMetadata (Nest DI) is honoured
  // for every file, including those outside tsconfig's include.
  plugins: [swc.vite()],
  test: {
    environment: 'node',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
          // Each file gets its own database cloned from a migrated template, so files may run in parallel.
          hookTimeout: 60_000,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
