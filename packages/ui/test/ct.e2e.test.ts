import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  bundleFromSources,
  CHROMIUM,
  HAVE_CHROMIUM,
  hostPage,
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
 * The CT elements end to end: a real GCC (gcc-core on in-memory PGlite behind Express), the elements bundled from
 * their sources with esbuild and served by the same app (same origin, so no CORS), and Debian's Chromium driven by
 * playwright-core. Every wait is on a DOM condition or an event, bounded by an explicit timeout.
 */

const A = 'adani-prod';
const B = 'tata-prod';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The page a CT host would serve: the script, the elements, a theme. */
const page = (title: string, body: string) =>
  hostPage({
    title,
    script: '/ui.js',
    style: `
      body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 1.5rem auto; color: #1d2330; }
      wrktalk-pending-approvals { --wrktalk-color-accent: #0b6e4f; --wrktalk-radius: 8px; }
      wrktalk-pending-approvals::part(item) { box-shadow: 0 1px 2px rgb(0 0 0 / 0.08); }`,
    body,
  });

describe.skipIf(!HAVE_CHROMIUM)(
  `CT elements in Chromium against a real GCC (skipped when ${CHROMIUM} is missing: apt-get install -y chromium; .ci/run installs it)`,
  () => {
    let t: TestGcc;
    let server: Served | undefined;
    let url: string;
    let context: BrowserContext;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let tokenA: string;
    const deployment: Record<'backend' | 'ct', string> = { backend: '', ct: '' };

    beforeAll(async () => {
      // The rollout worker is ticked by hand, so nothing moves behind the test's back.
      t = await openTestGcc();
      const js = await bundleFromSources(here('../src/define.ts'));
      expect(js).not.toMatch(/from\s*["']node:/);

      const app = scriptsApp({ '/ui.js': js });
      app.get('/a', (_req, res) => {
        res.type('html').send(
          page(
            'Adani: updates',
            `<wrktalk-pending-approvals id="pending" client-id="${A}" base-url="/" token="${tokenA}"
               actor="priya@adani.com" page-size="1"></wrktalk-pending-approvals>
             <h2>History</h2>
             <wrktalk-update-history id="history" client-id="${A}" base-url="/" token="${tokenA}"></wrktalk-update-history>`,
          ),
        );
      });
      app.get('/b', (_req, res) => {
        res.type('html').send(
          page(
            'Adani token, Tata client',
            `<wrktalk-pending-approvals id="pending" client-id="${B}" base-url="/" token="${tokenA}"></wrktalk-pending-approvals>
             <wrktalk-update-history id="history" client-id="${B}" base-url="/" token="${tokenA}"></wrktalk-update-history>`,
          ),
        );
      });
      app.use(t.gcc.router);
      server = await serve(app);
      url = server.url;
      t.connect(url);

      // Releases: backend sha1 (installed first), backend sha2 and ct 3.9.0 (waiting for approval).
      const rel: Record<string, string> = {};
      for (const [component, version, notes] of [
        ['backend', 'sha1', 'First install.'],
        ['backend', 'sha2', 'Faster message sync on reconnect.'],
        ['ct', '3.9.0', 'New approvals screen.'],
      ] as const)
        rel[`${component}:${version}`] = await t.release(component, version, notes);
      await t.clients([A, 'Adani'], [B, 'Tata']);

      // Client A runs backend sha1: installed without approval, applied by its agent.
      await t.install(A, rel['backend:sha1']!);

      deployment.backend = await t.awaitingApproval(rel['backend:sha2']!, [A, B], 'expire');
      deployment.ct = await t.awaitingApproval(rel['ct:3.9.0']!, [A], 'auto_approve');
      tokenA = await t.approverToken(A);

      browser = await launchChromium('Asia/Kolkata', { width: 900, height: 700 });
      context = browser.context;
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await t?.close();
    }, TIMEOUT);

    const taskOf = (kind: 'backend' | 'ct', client = A) => t.taskOf(deployment[kind], client);

    /** The next `wrktalk-decided` event's detail, listened for before `action` runs. */
    async function decided(p: Page, action: () => Promise<void>) {
      const event = p.evaluate(
        () =>
          new Promise<{ decision: string; task: { id: string; requested_start_time: string | null } }>(
            (resolve) =>
              document.addEventListener('wrktalk-decided', (e) => resolve((e as CustomEvent).detail), {
                once: true,
              }),
          ),
      );
      // The listener is in place once evaluate has sent the script; a no-op round trip makes sure of it.
      await p.evaluate(() => 0);
      await action();
      return event;
    }

    /** Describes the focused element through shadow roots, for focus assertions. */
    const focused = (p: Page) =>
      p.evaluate(() => {
        let el: Element | null = document.activeElement;
        const path: string[] = [];
        while (el) {
          path.push(el.getAttribute('part') ?? el.localName);
          el = el.shadowRoot?.activeElement ?? null;
        }
        return path;
      });

    let pageA: Page;

    it(
      'lists the pending approvals with from → to, notes, deadline and "load more"',
      async () => {
        pageA = await context.newPage();
        await pageA.goto(`${url}/a`);
        const items = pageA.locator('#pending [part~="item"]');
        await items.first().waitFor();
        expect(await items.count()).toBe(1);
        const first = items.first();
        expect(await first.locator('[part~="component"]').textContent()).toBe('backend');
        expect(await first.locator('[part~="from-version"]').textContent()).toBe('sha1');
        expect(await first.locator('[part~="to-version"]').textContent()).toBe('sha2');
        expect(await first.locator('[part~="notes"]').textContent()).toBe(
          'Faster message sync on reconnect.',
        );
        expect(await first.locator('[part~="deadline"]').textContent()).toMatch(
          /^Expires at .+ if nobody answers/,
        );
        await pageA.locator('#history [part~="version"]').first().waitFor();
        expect(await pageA.locator('#history [part~="version"]').allTextContents()).toEqual(['sha1']);

        await pageA.locator('#pending [part~="load-more"]').click();
        await items.nth(1).waitFor();
        const second = items.nth(1);
        expect(await second.locator('[part~="component"]').textContent()).toBe('ct');
        expect(await second.locator('[part~="to-version"]').textContent()).toBe('3.9.0');
        expect(await second.locator('[part~="from-version"]').count()).toBe(0);
        expect(await second.locator('[part~="deadline"]').textContent()).toMatch(
          /^Approved automatically at/,
        );
        expect(await pageA.locator('#pending [part~="load-more"]').count()).toBe(0);
        await shot(pageA, '1-pending-list.png', 'ct.png');
      },
      TIMEOUT,
    );

    it(
      'opens an accessible modal dialog: labelled, focus trapped, Escape closes and focus returns',
      async () => {
        const review = pageA.locator('#pending [part~="item"]').first().locator('[part~="review-button"]');
        await review.click();
        const dialog = pageA.locator('#pending dialog[open]');
        await dialog.waitFor();
        expect(await dialog.getAttribute('aria-modal')).toBe('true');
        expect(await dialog.locator('#title').textContent()).toMatch(/backend\s*:\s*sha1\s*→\s*sha2/);
        // Every input has a label.
        for (const id of ['by', 'start', 'reason'])
          expect(await dialog.locator(`label[for="${id}"]`).count(), id).toBe(1);
        expect(await dialog.locator('#by').inputValue()).toBe('priya@adani.com');
        // Reject stays disabled without a (non-blank) reason.
        const reject = dialog.locator('[part~="reject-button"]');
        expect(await reject.isDisabled()).toBe(true);
        await dialog.locator('#reason').fill('   ');
        expect(await reject.isDisabled()).toBe(true);
        await pageA.screenshot({ path: join(ARTIFACTS, '2-dialog.png') });
        // Tab and Shift+Tab never leave the dialog, and Tab wraps from the last control to the first.
        const seen = new Set<string>();
        for (let i = 0; i < 14; i++) {
          await pageA.keyboard.press('Tab');
          const path = await focused(pageA);
          expect(path.slice(0, 2)).toEqual(['wrktalk-pending-approvals', 'wrktalk-approval-dialog']);
          seen.add(path.at(-1)!);
        }
        expect([...seen]).toEqual(expect.arrayContaining(['by-input', 'approve-button', 'cancel-button']));
        for (let i = 0; i < 3; i++) await pageA.keyboard.press('Shift+Tab');
        expect((await focused(pageA)).slice(0, 2)).toEqual([
          'wrktalk-pending-approvals',
          'wrktalk-approval-dialog',
        ]);
        await pageA.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await focused(pageA)).toEqual(['wrktalk-pending-approvals', 'review-button']);
      },
      TIMEOUT,
    );

    it(
      'approves with a requested start time (local time → UTC) and the list refreshes',
      async () => {
        await pageA.locator('#pending [part~="item"]').first().locator('[part~="review-button"]').click();
        const dialog = pageA.locator('#pending dialog[open]');
        await dialog.waitFor();
        const schedule = dialog.locator('[part~="schedule-button"]');
        expect(await schedule.isDisabled()).toBe(true);
        // 22:30 in Asia/Kolkata (the browser's zone here) is 17:00 UTC.
        await dialog.locator('#start').fill('2030-01-05T22:30');
        const detail = await decided(pageA, () => schedule.click());
        expect(detail.decision).toBe('approved');
        const task = await taskOf('backend');
        expect(detail.task.id).toBe(task.id);
        expect(task.approval_status).toBe('approved');
        expect(task.approved_by).toBe('priya@adani.com');
        expect(Date.parse(task.requested_start_time!)).toBe(Date.parse('2030-01-05T17:00:00Z'));
        // Refreshed: only the ct update is left.
        await pageA.waitForFunction(
          () =>
            document.querySelector('#pending')?.shadowRoot?.querySelectorAll('[part~="item"]').length === 1 &&
            document.querySelector('#pending')?.shadowRoot?.querySelector('[part~="component"]')
              ?.textContent === 'ct',
          undefined,
          { timeout: WAIT },
        );
      },
      TIMEOUT,
    );

    it(
      'rejects only with a reason',
      async () => {
        await pageA.locator('#pending [part~="review-button"]').click();
        const dialog = pageA.locator('#pending dialog[open]');
        await dialog.waitFor();
        const reject = dialog.locator('[part~="reject-button"]');
        expect(await reject.isDisabled()).toBe(true);
        // A click on the disabled button does nothing: the task is still waiting.
        await reject.click({ force: true });
        expect((await taskOf('ct')).status).toBe('pending_approval');
        await dialog.locator('#reason').fill('Change freeze until Monday.');
        expect(await reject.isDisabled()).toBe(false);
        await pageA.screenshot({ path: join(ARTIFACTS, '3-reject.png') });
        const detail = await decided(pageA, () => reject.click());
        expect(detail.decision).toBe('rejected');
        const task = await taskOf('ct');
        expect(task).toMatchObject({ status: 'rejected', rejected_reason: 'Change freeze until Monday.' });
        await pageA.locator('#pending [part~="empty"]').waitFor();
        await shot(pageA, '4-empty.png');
      },
      TIMEOUT,
    );

    it(
      "client A's token shows nothing of client B",
      async () => {
        // B does have an update waiting, so an empty or error state is the token's doing, not B's.
        expect((await taskOf('backend', B)).status).toBe('pending_approval');
        const p = await context.newPage();
        await p.goto(`${url}/b`);
        const error = p.locator('#pending [part~="error"]');
        await error.waitFor();
        expect(await error.locator('strong').textContent()).toMatch(/Not found|Not allowed/);
        expect(await p.locator('#pending [part~="item"]').count()).toBe(0);
        await p.locator('#history [part~="error"]').waitFor();
        expect(await p.locator('#history [part~="version"]').count()).toBe(0);
        const text = await p.evaluate(() =>
          [...document.querySelectorAll('wrktalk-pending-approvals, wrktalk-update-history')]
            .map((e) => e.shadowRoot?.textContent ?? '')
            .join(' '),
        );
        expect(text).not.toMatch(/sha2|Tata/);
        await shot(p, '5-other-client.png');
        await p.close();
      },
      TIMEOUT,
    );
  },
);
