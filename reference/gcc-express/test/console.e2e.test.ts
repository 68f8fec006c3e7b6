import { copyFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  bundleFromSources,
  DOCS,
  HAVE_CHROMIUM,
  launchChromium,
  shadowText,
  TIMEOUT,
  WAIT,
} from '../../../packages/ui/test/helpers/browser';
import { ADMIN, openTestGcc, type TestGcc } from '../../../packages/ui/test/helpers/gcc';
import { createApp } from '../src/app';
import { CONSOLE_CSP } from '../src/pages';

/**
 * The reference console of `reference/gcc-express` (`/admin`, `/ct/<client-id>`, src/pages.ts) on the app
 * `wrktalk-gcc serve` runs, with a real GCC (gcc-core on in-memory PGlite) and the UI bundle built from
 * `@wrktalk/ui`'s sources. The HTTP checks need no browser; the rest drives Debian's Chromium. Every wait is on a
 * DOM condition, bounded by an explicit timeout.
 */

const A = 'adani-prod';
const B = 'tata-prod';

let t: TestGcc;
let server: Server;
let url: string;
const deployments: Record<'backend' | 'ct' | 'media', string> = { backend: '', ct: '', media: '' };
let tokenA: string;

beforeAll(async () => {
  t = await openTestGcc();
  const app = createApp(t.gcc, pino({ level: 'silent' }), {
    console: { bundle: { text: await bundleFromSources() } },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.connect(url);
  const backend1 = await t.release('backend', 'sha1', 'First install.');
  const backend2 = await t.release('backend', 'sha2', 'Faster message sync on reconnect.');
  const ct = await t.release('ct', '3.9.0', 'New approvals screen.');
  const media = await t.release('media', 'm2', 'Smaller thumbnails.');
  await t.clients([A, 'Adani'], [B, 'Tata']);
  await t.install(A, backend1);
  deployments.backend = await t.awaitingApproval(backend2, [A, B]);
  deployments.ct = await t.awaitingApproval(ct, [A]);
  deployments.media = await t.awaitingApproval(media, [A]);
  tokenA = await t.approverToken(A);
}, TIMEOUT);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
}, TIMEOUT);

describe('the console over HTTP', () => {
  it.each([
    ['/ct/adani-prod', 200],
    ['/ct/adani-prod/', 200],
    ['/admin', 200],
    ['/ct/Adani_Prod', 404],
    ['/ct/-bad', 404],
    ['/ct/%zz', 404],
    ['/ct/a%2Fb', 404],
    ['/ct/a/b', 404],
    ['/ct', 404],
    ['/ct/', 404],
    [`/ct/${'a'.repeat(64)}`, 404],
  ])('GET %s → %i HTML page with the CSP, no token in it', async (path, status) => {
    const r = await fetch(`${url}${path}`);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const html = await r.text();
    expect(html).not.toContain(ADMIN);
    expect(html).not.toContain(tokenA);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc="\/ui\/)/); // only same-origin script files, nothing inline
    expect(html).not.toMatch(/\sstyle=/);
    if (status === 404) expect(html).toContain('Not found');
  });

  it('only allows same-origin scripts, style sheets and calls', () => {
    const directives = new Map(
      CONSOLE_CSP.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values.join(' ')];
      }),
    );
    expect(Object.fromEntries(directives)).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'connect-src': "'self'",
    });
    // Nothing inline (the progress bars are sized through the CSSOM), and no directive allows any origin.
    expect([...directives].filter(([, v]) => v.includes('unsafe'))).toEqual([]);
    expect(CONSOLE_CSP).not.toMatch(/\*|https?:/);
  });

  it('serves the bundle and the page script; the API answers as before', async () => {
    for (const path of ['/ui/wrktalk-ui.js', '/ui/console.js', '/ui/console.css']) {
      const r = await fetch(`${url}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const api = await fetch(`${url}/api/v1/nope`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
    const other = await fetch(`${url}/nope`);
    expect(other.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('says how to build when the bundle file is missing', async () => {
    const app = createApp(t.gcc, undefined, { console: { bundle: { path: '/nonexistent/wrktalk-ui.js' } } });
    const s = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => s.once('listening', () => resolve()));
    try {
      const r = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/ui/wrktalk-ui.js`);
      expect(r.status).toBe(404);
      expect(await r.text()).toMatch(/npm run build/);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});

describe.skipIf(!HAVE_CHROMIUM)(
  'the console in Chromium (skipped when /usr/bin/chromium is missing: apt-get install -y chromium)',
  () => {
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let context: BrowserContext;
    /** Content-Security-Policy violations and page errors seen, over every page. */
    const problems: string[] = [];

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await launchChromium();
      context = browser.context;
    }, TIMEOUT);
    afterAll(async () => {
      await browser?.close();
    }, TIMEOUT);

    async function open(path: string): Promise<Page> {
      const p = await context.newPage();
      p.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      p.on('pageerror', (e) => problems.push(e.message));
      await p.goto(`${url}${path}`);
      return p;
    }

    async function signIn(p: Page, token: string, actor?: string) {
      const form = p.locator('#sign-in');
      await form.waitFor();
      await p.getByLabel(/token/i).fill(token);
      if (actor !== undefined) await p.getByLabel(/Your name or e-mail/).fill(actor);
      await form.getByRole('button', { name: 'Sign in' }).click();
    }

    const shot = (p: Page, name: string, docs?: string) => async () => {
      await p.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
      if (docs && process.env.WRKTALK_UPDATE_DOCS === '1')
        copyFileSync(join(ARTIFACTS, name), join(DOCS, docs));
    };

    let ct: Page;

    it(
      '/ct/<id> asks for a token in an accessible form; a wrong one is refused there',
      async () => {
        ct = await open(`/ct/${A}`);
        await ct.locator('#sign-in').waitFor();
        expect(await ct.locator('#console').isHidden()).toBe(true);
        // Labelled controls, the token field focused, nothing stored yet.
        expect(await ct.getByLabel('Approver token').getAttribute('type')).toBe('password');
        expect(await ct.evaluate(() => document.activeElement?.id)).toBe('token');
        expect(await ct.evaluate(() => sessionStorage.length)).toBe(0);
        await shot(ct, 'console-1-sign-in.png')();
        await signIn(ct, 'not-a-token-0123456789');
        await ct.locator('#sign-in-error', { hasText: 'did not accept' }).waitFor();
        expect(await ct.getByLabel('Approver token').getAttribute('aria-invalid')).toBe('true');
        expect(await ct.evaluate(() => sessionStorage.length)).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "signs in with A's approver token (kept in sessionStorage) and lists A's updates",
      async () => {
        await signIn(ct, tokenA, 'priya@adani.com');
        await ct.locator('#pending [part~="item"]').nth(2).waitFor();
        expect(await ct.locator('#pending [part~="component"]').allTextContents()).toEqual([
          'backend',
          'ct',
          'media',
        ]);
        expect(await ct.evaluate((k) => sessionStorage.getItem(k), `wrktalk.ct.${A}.token`)).toBe(tokenA);
        // The token is a property, never an attribute: it is nowhere in the DOM.
        expect(await ct.evaluate(() => document.documentElement.outerHTML)).not.toContain(tokenA);
        expect(await ct.locator('#who-text').textContent()).toBe(`Signed in as priya@adani.com for ${A}`);
        await ct.locator('#history [part~="version"]').first().waitFor();
        await ct.locator('#settings form').waitFor();
        await shot(ct, 'console-2-ct.png', 'console-ct.png')();
        // A reload keeps the session (same tab).
        await ct.reload();
        await ct.locator('#pending [part~="item"]').nth(2).waitFor();
      },
      TIMEOUT,
    );

    it(
      'approves one update now, schedules one (requested start time) and rejects one with a reason',
      async () => {
        const review = (component: string) =>
          ct
            .locator('#pending [part~="item"]', {
              has: ct.locator(`[part~="component"]:text-is("${component}")`),
            })
            .locator('[part~="review-button"]')
            .click();
        const dialog = ct.locator('#pending dialog[open]');
        const remaining = async (n: number) =>
          ct.waitForFunction(
            (count) =>
              document.querySelector('#pending')?.shadowRoot?.querySelectorAll('[part~="item"]').length ===
              count,
            n,
            { timeout: WAIT },
          );

        await review('backend');
        await dialog.waitFor();
        expect(await dialog.locator('#by').inputValue()).toBe('priya@adani.com');
        await dialog.locator('[part~="approve-button"]').click();
        await remaining(2);
        expect(await t.taskOf(deployments.backend, A)).toMatchObject({
          approval_status: 'approved',
          approved_by: 'priya@adani.com',
          requested_start_time: null,
        });

        await review('ct');
        await dialog.waitFor();
        // 23:15 in Asia/Kolkata (the browser's zone) is 17:45 UTC.
        await dialog.locator('#start').fill('2031-03-08T23:15');
        await shot(ct, 'console-3-schedule.png')();
        await dialog.locator('[part~="schedule-button"]').click();
        await remaining(1);
        const scheduled = await t.taskOf(deployments.ct, A);
        expect(scheduled.approval_status).toBe('approved');
        expect(Date.parse(scheduled.requested_start_time!)).toBe(Date.parse('2031-03-08T17:45:00Z'));

        await review('media');
        await dialog.waitFor();
        expect(await dialog.locator('[part~="reject-button"]').isDisabled()).toBe(true);
        await dialog.locator('#reason').fill('Media change freeze this quarter.');
        await dialog.locator('[part~="reject-button"]').click();
        await ct.locator('#pending [part~="empty"]').waitFor();
        expect(await t.taskOf(deployments.media, A)).toMatchObject({
          status: 'rejected',
          rejected_reason: 'Media change freeze this quarter.',
        });
        // The history refreshed after each decision: the rejection is there with its reason.
        await ct
          .locator('#history [part~="task"]', { hasText: 'Media change freeze this quarter.' })
          .locator('[part~="task-status"]', { hasText: 'Rejected' })
          .waitFor();
        await shot(ct, 'console-4-decided.png')();
      },
      TIMEOUT,
    );

    it(
      'signs out: the token leaves sessionStorage and the form is back',
      async () => {
        await ct.getByRole('button', { name: 'Sign out' }).click();
        await ct.locator('#sign-in').waitFor();
        expect(await ct.evaluate((k) => sessionStorage.getItem(k), `wrktalk.ct.${A}.token`)).toBeNull();
        expect(await ct.locator('#console').isHidden()).toBe(true);
        await ct.close();
      },
      TIMEOUT,
    );

    it(
      "A's token on /ct/<B> sees nothing of B: the GCC's 404 is shown",
      async () => {
        // B does have an update waiting, so the error is the token's doing.
        expect((await t.taskOf(deployments.backend, B)).status).toBe('pending_approval');
        const p = await open(`/ct/${B}`);
        await signIn(p, tokenA);
        const error = p.locator('#pending [part~="error"]');
        await error.waitFor();
        expect(await error.locator('strong').textContent()).toBe('Not found');
        await p.locator('#history [part~="error"]').waitFor();
        await p.locator('#settings [part~="error"]').waitFor();
        expect(await p.locator('#pending [part~="item"]').count()).toBe(0);
        const text = await shadowText(p, '#pending, #history, #settings');
        expect(text).not.toMatch(/sha2|Tata/);
        await shot(p, 'console-5-other-client.png')();
        await p.close();
      },
      TIMEOUT,
    );

    it(
      'a malformed client id is a 404 page in the browser too',
      async () => {
        const p = await open('/ct/Not_A_Client');
        await p.getByRole('heading', { name: 'Not found' }).waitFor();
        expect(await p.locator('#sign-in').count()).toBe(0);
        await p.close();
      },
      TIMEOUT,
    );

    it(
      '/admin signs in with the admin token and shows the admin console',
      async () => {
        const p = await open('/admin');
        await signIn(p, tokenA);
        await p.locator('#sign-in-error', { hasText: 'not an admin token' }).waitFor();
        await signIn(p, ADMIN, 'ops@wrktalk.com');
        await p.locator('#console').waitFor();
        expect(await p.locator('#who-text').textContent()).toBe('Signed in as ops@wrktalk.com (admin)');
        expect(
          await p.evaluate(
            () => (document.querySelector('wrktalk-admin-console') as { actor?: string }).actor,
          ),
        ).toBe('ops@wrktalk.com');
        const defined = await p.evaluate(() => customElements.get('wrktalk-admin-console') !== undefined);
        expect(defined).toBe(true);
        // The console renders its navigation once connected.
        await p.waitForFunction(
          () =>
            (document.querySelector('wrktalk-admin-console')?.shadowRoot?.textContent ?? '').trim().length >
            0,
          undefined,
          { timeout: WAIT },
        );
        expect(await p.evaluate(() => sessionStorage.getItem('wrktalk.admin.token'))).toBe(ADMIN);
        await shot(p, 'console-6-admin.png', 'console-admin.png')();
        // A deployment's detail (stages with their progress bars) renders under the page's CSP too.
        const done = (await t.admin.deployments.list()).items.find((d) => d.status === 'completed')!;
        await p.evaluate((id) => {
          location.hash = `#/deployments/${id}`;
        }, done.id);
        await p.locator('wrktalk-admin-console [part~="stage"]').first().waitFor();
        await shot(p, 'console-7-admin-deployment.png')();
        await p.close();
      },
      TIMEOUT,
    );

    it('no Content-Security-Policy violation or page error on any page', () => {
      expect(problems).toEqual([]);
    });
  },
);
