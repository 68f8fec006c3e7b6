#!/usr/bin/env node
// wrktalk-plan: runs the built CLI (dist/cli.js, from `npm run build`), or the TypeScript sources through tsx
// when there is no build (a fresh `npm ci` in the monorepo), so the command is linked and works before any build.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'wrktalk-plan is not built: run `npm run build` (or install tsx to run from source).\n',
    );
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli.ts', import.meta.url).href);
}
