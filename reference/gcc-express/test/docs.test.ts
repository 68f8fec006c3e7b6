import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreTarget, startCoreTarget } from './helpers/core-target';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Bound on each wait for the page (generous: CI is a busy 2-core machine). */
const WAIT = 30_000;

/**
 * The browsable API reference at `/api/v1/docs` (reference app): the page, its script and stylesheet are served by
 * the GCC itself (no CDN), it names the spec URL the GCC serves, and in Debian's Chromium it renders the contract's
 * operations from that URL with the network to anything but the GCC blocked.
 */
describe('API reference page (/api/v1/docs)', () => {
  let db: Database;
  let core: CoreTarget;
  let base: string;

  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://' });
    core = await startCoreTarget(db);
    base = core.target.baseUrl;
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await db?.close();
  });

  it('serves the page without a token, naming the spec the GCC serves and only local scripts', async () => {
    const r = await fetch(`${base}/api/v1/docs`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await r.text();
    expect(html).toContain('data-spec-url="openapi.json"');
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    // Every script and stylesheet is relative to the GCC: nothing from another origin.
    for (const s of sources) expect(s, s).not.toMatch(/^(?:https?:)?\/\//);
    const slash = await fetch(`${base}/api/v1/docs/`, { redirect: 'manual' });
    expect([slash.status, slash.headers.get('location')]).toEqual([308, '/api/v1/docs']);
    const spec = await fetch(new URL('openapi.json', `${base}/api/v1/docs`));
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('serves the renderer’s script and stylesheet, and 404 problem+json for anything else there', async () => {
    for (const [file, type] of [
      ['swagger-ui-bundle.js', /javascript/],
      ['swagger-ui.css', /^text\/css/],
      ['init.js', /javascript/],
    ] as const) {
      const r = await fetch(`${base}/api/v1/docs/${file}`);
      expect(r.status, file).toBe(200);
      expect(r.headers.get('content-type'), file).toMatch(type);
      expect((await r.arrayBuffer()).byteLength, file).toBeGreaterThan(100);
    }
    for (const file of ['package.json', '..%2fpackage.json', 'index.html']) {
      const r = await fetch(`${base}/api/v1/docs/${file}`);
      expect(r.status, file).toBe(404);
      expect(r.headers.get('content-type'), file).toMatch(/^application\/problem\+json/);
    }
  });

  describe.skipIf(!HAVE_CHROMIUM)(`in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
    let context: BrowserContext;
    let profile: string;
    const foreign: string[] = [];

    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), 'wrktalk-docs-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
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
      });
      // Offline but for the GCC: any request elsewhere is recorded and refused.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
        foreign.push(url);
        return route.abort();
      });
    }, 60_000);
    afterAll(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it('renders the contract’s operations from the GCC’s own spec, with nothing fetched from elsewhere', async () => {
      const page = await context.newPage();
      await page.goto(`${base}/api/v1/docs`);
      await page.getByText('previewDeployment', { exact: true }).first().waitFor({ timeout: WAIT });
      await page.getByText('WrkTalk GCC API', { exact: false }).first().waitFor({ timeout: WAIT });
      expect(await page.getByText('listClientTasks', { exact: true }).count()).toBeGreaterThan(0);
      expect(foreign).toEqual([]);
      await page.close();
    }, 90_000);
  });
});
