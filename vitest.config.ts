import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Two projects:
 * - `unit`: pure and in-process tests (real HTTP servers on ephemeral ports are fine, no external services).
 *   CI runs these a second time on the current Node LTS.
 * - `integration`: tests that need PostgreSQL or other machine services (`*.int.test.ts`).
 * - `browser`: the UI's end-to-end tests in Chromium (`*.e2e.test.ts`); Node-version independent, so CI's second
 *   (Node LTS) pass, which runs `unit` only, leaves them out.
 */
export default defineConfig({
  // Tests run against the workspace packages' sources, not their last build.
  resolve: {
    alias: {
      '@wrktalk/rollout-planner': src('./packages/rollout-planner/src/index.ts'),
      '@wrktalk/sdk-gcc/testing': src('./packages/sdk-gcc/src/testing/index.ts'),
      '@wrktalk/sdk-gcc/openapi': src('./packages/sdk-gcc/src/openapi.ts'),
      '@wrktalk/sdk-gcc': src('./packages/sdk-gcc/src/index.ts'),
      '@wrktalk/sdk-agent/argocd-api': src('./packages/sdk-agent/src/argocd-api.ts'),
      '@wrktalk/sdk-agent': src('./packages/sdk-agent/src/index.ts'),
      '@wrktalk/gcc-core': src('./packages/gcc-core/src/index.ts'),
    },
  },
  test: {
    // Two test files at once, also on a 2-core machine (vitest's default there is CPUs − 1 = one file at a time):
    // most files wait on PostgreSQL, child processes and HTTP rather than on the CPU. A fresh-clone CI run here took
    // 711 s of vitest this way (754 s with one worker), and the suite also passed with a third process spinning a
    // core throughout (README, "CI"). WRKTALK_TEST_WORKERS overrides it (1: one file at a time, to tell a slow test
    // from a contended one).
    maxWorkers: Number(process.env.WRKTALK_TEST_WORKERS ?? 2),
    // A worker runs its files one after another in one module graph instead of a fresh process per file: importing
    // the libraries' sources and their dependencies again for each of 182 files cost ~170 s of CPU (vitest's
    // "import"), ~44 s this way; the whole suite went from 748 to 598 s here. Test files restore what they change
    // (vi.stubEnv + vi.unstubAllEnvs, saved process.env values, their own servers and databases) and keep state in
    // their own closures, so no file sees another's. WRKTALK_TEST_ISOLATE=1 runs each file in its own process again
    // (to tell a leak between files from a failure of the file itself).
    isolate: process.env.WRKTALK_TEST_ISOLATE === '1',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{packages,reference,examples}/*/test/**/*.test.ts',
            'deploy/test/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
          // Opening and migrating an embedded PGlite takes a few seconds, and well over 30 s on a shared 2-core
          // machine under heavy load (seen in CI's second, Node 24 pass): bounded, but generous.
          hookTimeout: 120_000,
          typecheck: { enabled: true, include: ['{packages,reference}/*/test/**/*.test-d.ts'] },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['{packages,reference,examples}/*/test/**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**'],
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{packages,reference,examples}/*/test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
