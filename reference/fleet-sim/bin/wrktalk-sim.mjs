#!/usr/bin/env node
// wrktalk-sim: runs the simulator from its TypeScript sources through tsx, with `@wrktalk/*` mapped to the workspace
// packages' sources (tsconfig.json `paths`), so it runs on a fresh clone without a build.
import { fileURLToPath } from 'node:url';

let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  process.stderr.write(
    'wrktalk-sim needs tsx (a root dev dependency): run `npm ci` at the repository root.\n',
  );
  process.exit(1);
}
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../src/main.ts', import.meta.url).href);
