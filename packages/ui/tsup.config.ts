import { defineConfig } from 'tsup';

export default defineConfig({
  // `define` registers the elements (a side effect); `index` only exports the classes, so a host can register them
  // under other names or subclass them.
  entry: { index: 'src/index.ts', define: 'src/define.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'browser',
  target: 'es2022',
});
