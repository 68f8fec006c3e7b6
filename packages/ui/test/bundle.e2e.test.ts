import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleFromSources, HAVE_CHROMIUM, launchChromium, TIMEOUT } from './helpers/browser';

/**
 * `@wrktalk/ui/bundle` (dist/browser/wrktalk-ui.js, from `npm run build`) is one self-contained ES module: it imports
 * nothing (no lit, no SDK, no node: module), and loading it in Chromium registers every element. The checks of the
 * built file are skipped, saying why, before a build.
 */

const BUNDLE = fileURLToPath(new URL('../dist/browser/wrktalk-ui.js', import.meta.url));
const BUILT = existsSync(BUNDLE);

/** The files esbuild reads when it bundles `file` again: only `file` itself when it imports nothing. */
async function inputsOf(file: string): Promise<string[]> {
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  });
  return Object.keys(out.metafile.inputs);
}

/** The tags customElements knows after the page loaded `js` as a module. */
async function tagsDefinedBy(js: string): Promise<string[]> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/wrktalk-ui.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><script type="module" src="/wrktalk-ui.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(
      () => customElements.get('wrktalk-pending-approvals') !== undefined,
      undefined,
      {
        timeout: 30_000,
      },
    );
    expect(errors).toEqual([]);
    return await page.evaluate((tags) => tags.filter((t) => customElements.get(t) !== undefined), TAGS);
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Every CT element's tag, and the admin console's entry point (its other pages are checked by the admin tests). */
const TAGS = [
  'wrktalk-pending-approvals',
  'wrktalk-approval-dialog',
  'wrktalk-update-history',
  'wrktalk-client-settings',
  'wrktalk-admin-console',
];

describe('the browser bundle', () => {
  it.skipIf(!BUILT)(
    `dist/browser/wrktalk-ui.js imports nothing (skipped before \`npm run build\`)`,
    async () => {
      expect(await inputsOf(BUNDLE)).toHaveLength(1);
      const js = readFileSync(BUNDLE, 'utf8');
      expect(js).not.toMatch(/["']node:/);
    },
    TIMEOUT,
  );

  it.skipIf(!BUILT || !HAVE_CHROMIUM)(
    'loaded alone in Chromium, it registers every element',
    async () => {
      const defined = await tagsDefinedBy(readFileSync(BUNDLE, 'utf8'));
      expect(defined).toEqual(expect.arrayContaining(TAGS));
    },
    TIMEOUT,
  );

  it.skipIf(!HAVE_CHROMIUM)(
    'built from the sources the same way (what the other browser tests load), it registers every element',
    async () => {
      const defined = await tagsDefinedBy(await bundleFromSources());
      expect(defined).toEqual(expect.arrayContaining(TAGS));
    },
    TIMEOUT,
  );
});
