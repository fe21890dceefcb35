import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Libraries are imported by their entry (`#users`, package.json `imports`): Node resolves it to
// `dist/`, TypeScript to the source (the `source` condition). Tests, global setup included, run the
// source: an alias, because Vite's resolution of package imports skips custom conditions there.
const libraryEntries = {
  find: /^#([a-z-]+)$/,
  replacement: fileURLToPath(new URL('./libs/$1/src/index.ts', import.meta.url)),
};

export default defineConfig({
  // SWC instead of Vite's built-in transform, so emitDecoratorMetadata (Nest DI) is honoured
  // for every file, including those outside tsconfig's include.
  plugins: [swc.vite()],
  resolve: { alias: [libraryEntries] },
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
