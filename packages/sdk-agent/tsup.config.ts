import { defineConfig } from 'tsup';

export default defineConfig({
  // `argocd-api` is a subpath of its own, so the GCC's fast path loads no Kubernetes client or process tooling.
  entry: { index: 'src/index.ts', 'argocd-api': 'src/argocd-api.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
