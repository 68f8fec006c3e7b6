import express from 'express';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFromSources,
  HAVE_CHROMIUM,
  launchChromium,
  type Served,
  scriptsApp,
  serve,
  shot,
  TIMEOUT,
  WAIT,
} from './helpers/browser';
import { openTestGcc, type TestGcc } from './helpers/gcc';

/**
 * The CT elements with a host-provided `fetch` and no token: the host page's own backend (another origin than the
 * GCC) proxies `/gcc-proxy/*` to the GCC and adds the approver token server-side, after checking its own session.
 * The browser never sees the token; the elements list, approve and reject through the proxy, in Chromium.
 */

const A = 'adani-prod';
/** The host's own session, which its proxy checks before adding the GCC token. */
const SESSION = 'host-session-42';

const HOST_JS = `
for (const el of document.querySelectorAll('wrktalk-pending-approvals, wrktalk-update-history')) {
  el.baseUrl = '/gcc-proxy';
  // The host's function: its own session header on every call (a cookie works the same way).
  el.fetch = (input, init) => {
    const req = new Request(input, init);
    req.headers.set('X-Host-Session', '${SESSION}');
    return fetch(req);
  };
}
`;

describe.skipIf(!HAVE_CHROMIUM)(
  'CT elements through a host backend proxy (skipped when /usr/bin/chromium is missing)',
  () => {
    let t: TestGcc;
    let gccServer: Served | undefined;
    let hostServer: Served | undefined;
    let host: string;
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    const deployments: Record<'backend' | 'ct', string> = { backend: '', ct: '' };
    /** Every request the proxy forwarded: method, path, whether the GCC got the approver token. */
    const forwarded: { method: string; path: string; status: number }[] = [];
    /** Authorization headers the browser sent anywhere (must stay empty). */
    const browserAuth: string[] = [];

    beforeAll(async () => {
      t = await openTestGcc();
      const gccApp = express();
      gccApp.use(t.gcc.router);
      gccServer = await serve(gccApp);
      const gccUrl = gccServer.url;
      t.connect(gccUrl);
      await t.clients([A, 'Adani']);
      await t.install(A, await t.release('backend', 'sha1'));
      deployments.backend = await t.awaitingApproval(await t.release('backend', 'sha2', 'Faster sync.'), [A]);
      deployments.ct = await t.awaitingApproval(await t.release('ct', '3.9.0', 'New screen.'), [A]);
      const approverToken = await t.approverToken(A);

      const js = await bundleFromSources();
      const app = scriptsApp({ '/ui.js': js, '/host.js': HOST_JS });
      app.get('/', (_req, res) => {
        res
          .type('html')
          .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host CT</title>
          <script type="module" src="/ui.js"></script><script type="module" src="/host.js"></script></head>
          <body><h1>Host CT</h1>
          <wrktalk-pending-approvals id="pending" client-id="${A}" actor="priya@adani.com"></wrktalk-pending-approvals>
          <wrktalk-update-history id="history" client-id="${A}"></wrktalk-update-history></body></html>`);
      });
      // The host backend's proxy: its own session check, then the GCC call with the token only it knows.
      app.use('/gcc-proxy', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
        if (req.get('x-host-session') !== SESSION) {
          res.status(401).type('application/problem+json').send({ title: 'No host session', status: 401 });
          return;
        }
        const headers: Record<string, string> = { authorization: `Bearer ${approverToken}` };
        for (const h of ['content-type', 'accept', 'idempotency-key', 'if-none-match'])
          if (req.get(h)) headers[h] = req.get(h)!;
        const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? new Uint8Array(req.body) : undefined;
        const answer = await fetch(`${gccUrl}${req.url}`, {
          method: req.method,
          headers,
          ...(body ? { body } : {}),
        });
        forwarded.push({ method: req.method, path: req.url.split('?')[0]!, status: answer.status });
        res.status(answer.status);
        for (const h of ['content-type', 'etag', 'retry-after'])
          if (answer.headers.get(h)) res.set(h, answer.headers.get(h)!);
        res.send(Buffer.from(await answer.arrayBuffer()));
      });
      hostServer = await serve(app);
      host = hostServer.url;
      browser = await launchChromium();
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await hostServer?.close();
      await gccServer?.close();
      await t?.close();
    }, TIMEOUT);

    let p: Page;

    it(
      'lists the pending updates and the history through the proxy',
      async () => {
        p = await browser.context.newPage();
        p.on('request', (r) => {
          const auth = r.headers().authorization;
          if (auth) browserAuth.push(auth);
        });
        await p.goto(host);
        await p.locator('#pending [part~="item"]').nth(1).waitFor();
        expect(await p.locator('#pending [part~="component"]').allTextContents()).toEqual(['backend', 'ct']);
        expect(await p.locator('#pending [part~="from-version"]').first().textContent()).toBe('sha1');
        await p.locator('#history [part~="task"]').first().waitFor();
        expect(forwarded.map((f) => f.path)).toEqual(
          expect.arrayContaining([`/api/v1/clients/${A}/pending-approvals`, `/api/v1/clients/${A}/tasks`]),
        );
      },
      TIMEOUT,
    );

    it(
      'approves and rejects through the proxy; the browser never sent a token',
      async () => {
        const dialog = p.locator('#pending dialog[open]');
        await p.locator('#pending [part~="review-button"]').first().click();
        await dialog.waitFor();
        await dialog.locator('[part~="approve-button"]').click();
        await p.waitForFunction(
          () =>
            document.querySelector('#pending')?.shadowRoot?.querySelectorAll('[part~="item"]').length === 1,
          undefined,
          { timeout: WAIT },
        );
        expect(await t.taskOf(deployments.backend, A)).toMatchObject({
          approval_status: 'approved',
          approved_by: 'priya@adani.com',
        });

        await p.locator('#pending [part~="review-button"]').first().click();
        await dialog.waitFor();
        await dialog.locator('#reason').fill('Not during the audit.');
        await dialog.locator('[part~="reject-button"]').click();
        await p.locator('#pending [part~="empty"]').waitFor();
        expect(await t.taskOf(deployments.ct, A)).toMatchObject({
          status: 'rejected',
          rejected_reason: 'Not during the audit.',
        });
        await shot(p, 'proxy-1-decided.png');

        const decisions = forwarded.filter((f) => f.method === 'POST').map((f) => f.path.split('/').at(-1));
        expect(decisions).toEqual(['approve', 'reject']);
        expect(forwarded.every((f) => f.status < 400)).toBe(true);
        expect(browserAuth).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      "without the host's session the proxy refuses, and the elements show it",
      async () => {
        const q = await browser.context.newPage();
        await q.goto(`${host}/`);
        await q.evaluate(() => {
          for (const el of document.querySelectorAll('wrktalk-pending-approvals'))
            (el as unknown as { fetch: typeof fetch }).fetch = (input, init) => fetch(input, init);
        });
        await q.locator('#pending [part~="error"]').waitFor();
        expect(await q.locator('#pending [part~="error"] strong').textContent()).toBe('Not signed in');
        await q.close();
      },
      TIMEOUT,
    );
  },
);
