#!/usr/bin/env node
// wrktalk-agent: runs the built CLI (dist/main.js, from `npm run build`), or the TypeScript sources through tsx
// when there is no build (a fresh `npm ci` in the monorepo). From source, the workspace packages are resolved to
// their sources too (tsconfig.dev.json paths), so nothing needs building first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'wrktalk-agent is not built: run `npm run build` (or install tsx to run from source).\n',
    );
    process.exit(1);
  }
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.dev.json', import.meta.url)) });
  await import(new URL('../src/main.ts', import.meta.url).href);
}
