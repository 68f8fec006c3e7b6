import { builtinModules } from 'node:module';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * Resolves Node built-ins (`node:crypto`, or `crypto` in sdk-gcc's build) to an empty module with no side effects.
 * Only sdk-gcc's signing helpers import one, and the elements never call them: the helpers and the import are
 * tree-shaken away, so the bundle imports nothing (test/bundle.e2e.test.ts checks it). An external import would stay in
 * the output (esbuild keeps imports of external modules) and fail to load in a browser.
 */
const nodeBuiltinsStub: Plugin = {
  name: 'node-builtins-stub',
  setup(build) {
    const names = builtinModules.map((m) => m.replace(/[/\\^$.*+?()[\]{}|]/g, '\\$&')).join('|');
    build.onResolve({ filter: new RegExp(`^(?:node:.*|(?:${names}))$`) }, (args) => ({
      path: args.path,
      namespace: 'node-builtin-stub',
      sideEffects: false,
    }));
    build.onLoad({ filter: /.*/, namespace: 'node-builtin-stub' }, () => ({
      contents: 'module.exports = {};',
    }));
  },
};

export default defineConfig([
  {
    // `define` registers the elements (a side effect); `index` only exports the classes, so a host can register them
    // under other names or subclass them. `lit` and `@wrktalk/sdk-gcc` stay dependencies (the host's bundler dedupes).
    entry: { index: 'src/index.ts', define: 'src/define.ts' },
    format: ['esm'],
    dts: true,
    // The browser bundle below writes dist/browser at the same time: leave it alone.
    clean: ['!browser/**'],
    sourcemap: true,
    platform: 'browser',
    target: 'es2022',
  },
  {
    // `@wrktalk/ui/bundle`: one self-contained ES module (one file: no chunks, no imports) for a plain
    // <script type="module">, with lit, the SDK, zod and ky inlined; loading it registers every element.
    entry: { 'wrktalk-ui': 'src/bundle.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    dts: false,
    clean: true,
    splitting: false,
    sourcemap: true,
    minify: true,
    platform: 'browser',
    target: 'es2022',
    noExternal: [/.*/],
    esbuildPlugins: [nodeBuiltinsStub],
    // sdk-gcc's build is one file, so its signing helpers' module-level `Buffer.from(…)` constant would be kept (a
    // call may have side effects) and throw in a browser; this one has none.
    pure: ['Buffer.from'],
  },
]);
