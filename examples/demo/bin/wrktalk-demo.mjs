#!/usr/bin/env node
// wrktalk-demo: runs the demo from its TypeScript sources through tsx, with `@wrktalk/*` mapped to the workspace
// packages' sources (tsconfig.json `paths`), so `npm ci && npm start` needs no build first.
import { fileURLToPath } from 'node:url';

let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  process.stderr.write(
    'wrktalk-demo needs tsx (a root dev dependency): run `npm ci` at the repository root.\n',
  );
  process.exit(1);
}
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../src/main.ts', import.meta.url).href);
