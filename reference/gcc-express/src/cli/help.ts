import { readFileSync } from 'node:fs';
import { ENVIRONMENT } from '../config';
import { REMOTE_ENVIRONMENT } from './remote';

const PACKAGE_NAME = '@wrktalk/reference-gcc-express';

/**
 * This package's version, from its package.json: found by walking up from this module, which is `src/cli/` in the
 * sources and `dist/` once bundled.
 */
export function packageVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    } catch {
      // not here: one level up
    }
    dir = new URL('..', dir);
  }
  return '0.0.0-unknown';
}

const rows = (entries: Record<string, string>, width: number) =>
  Object.entries(entries).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);

/**
 * The end of the root `--help`: every environment variable, from config.ts's `ENVIRONMENT` (what `serve`, `worker`,
 * `migrate` and the local helpers read, with defaults) and the API commands' own, and the exit codes.
 */
export function rootHelpText(): string {
  const width = Math.max(
    ...[...Object.keys(ENVIRONMENT), ...Object.keys(REMOTE_ENVIRONMENT)].map((k) => k.length),
  );
  return [
    '',
    'Commands that talk to a running GCC over its API (releases, deploy, deployments, approvals, whoami,',
    'clients list|get; clients create and tokens issue|revoke|rotate when a server is given) read:',
    ...rows(REMOTE_ENVIRONMENT, width),
    '',
    'serve, worker, migrate, keys and the helpers that open the database read (default after the name):',
    ...rows(ENVIRONMENT, width),
    '',
    'Exit codes: 0 done; 1 the operation failed (an API error, an unreachable GCC, a deployment that failed,',
    'was aborted or rolled back); 2 bad usage, configuration, or a request the GCC refused as invalid',
    '(400/422); 130 `deployments watch` stopped with Ctrl-C.',
    '',
  ].join('\n');
}
