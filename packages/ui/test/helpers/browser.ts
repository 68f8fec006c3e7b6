import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import express from 'express';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * What the browser tests share: Debian's Chromium through playwright-core, and the elements bundled from their
 * sources with esbuild the way tsup bundles `@wrktalk/ui/bundle` (everything inlined, node:* left out).
 */

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';
/** The browser tests are skipped, saying why, without it. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Bound on each wait for the page (generous: CI is a busy 2-core machine). */
export const WAIT = 30_000;
/** Bound on each test and hook. */
export const TIMEOUT = 120_000;

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** Screenshots of the test runs (ignored by git). */
export const ARTIFACTS = here('../artifacts');
/** Committed screenshots referenced from the README (refreshed with `WRKTALK_UPDATE_DOCS=1`). */
export const DOCS = here('../../docs');

/**
 * The browser bundle built from the sources: `src/bundle.ts` (every element registered) unless `entry` says
 * otherwise (a file, or `{ contents }`: a module's source, resolved from the package folder). Throws if the output
 * would import a `node:` module (it could not load in a browser).
 */
export async function bundleFromSources(
  entry: string | { contents: string } = here('../../src/bundle.ts'),
): Promise<string> {
  const out = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: here('../..'), loader: 'ts' as const } }),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // The sources, like the rest of the tests (vitest.config.ts aliases the same way).
    alias: {
      '@wrktalk/sdk-gcc': here('../../../sdk-gcc/src/index.ts'),
      '@wrktalk/rollout-planner': here('../../../rollout-planner/src/index.ts'),
    },
    // sdk-gcc's signing helpers import node:crypto; the elements never reach them, so they are tree-shaken.
    external: ['node:*'],
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text;
  if (/(?:from|import)\s*\(?\s*["']node:/.test(js))
    throw new Error('the browser bundle imports a node: module');
  return js;
}

/** The page a host would serve: a module script, a theme (`style`, CSS rules), a heading and `body`. */
export function hostPage(o: { title: string; script: string; style: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${o.title}</title>
    <script type="module" src="${o.script}"></script>
    <style>
      ${o.style.trim()}
    </style>
  </head>
  <body>
    <h1>${o.title}</h1>
    ${o.body}
  </body>
</html>`;
}

/** An Express app serving each of `scripts` (path → JavaScript, e.g. a bundle); the test adds its pages. */
export function scriptsApp(scripts: Record<string, string>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  for (const [path, js] of Object.entries(scripts))
    app.get(path, (_req, res) => {
      res.type('text/javascript').send(js);
    });
  return app;
}

/** An app served on a free port of 127.0.0.1. */
export interface Served {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Drops the open connections and stops the server. */
  close(): Promise<void>;
}

/** Serves `app` (an Express app) on a free port of 127.0.0.1. */
export async function serve(app: RequestListener): Promise<Served> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A headless Chromium with a fresh profile, in `timezoneId`; `close()` removes the profile. */
export async function launchChromium(
  timezoneId = 'Asia/Kolkata',
  viewport = { width: 1000, height: 760 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'wrktalk-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timezoneId,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: WAIT,
  });
  context.setDefaultTimeout(WAIT);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A full-page screenshot of `p` into test/artifacts/`name`, copied to docs/`docs` with `WRKTALK_UPDATE_DOCS=1`
 * when `docs` is given.
 */
export async function shot(p: Page, name: string, docs?: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await p.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  if (docs && process.env.WRKTALK_UPDATE_DOCS === '1') copyFileSync(join(ARTIFACTS, name), join(DOCS, docs));
}

/** The text of every element's shadow root matching `selector` (what a person sees of them), joined. */
export function shadowText(p: Page, selector: string): Promise<string> {
  return p.evaluate(
    (sel) =>
      [...document.querySelectorAll(sel)]
        .map((e) => e.shadowRoot?.textContent ?? e.textContent ?? '')
        .join(' '),
    selector,
  );
}

/** Describes the focused element through shadow roots (its `part`, else its tag), outermost first. */
export function focused(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    let el: Element | null = document.activeElement;
    const path: string[] = [];
    while (el) {
      path.push(el.getAttribute('part') || el.id || el.localName);
      el = el.shadowRoot?.activeElement ?? null;
    }
    return path;
  });
}
