import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { build } from 'esbuild';
import express from 'express';
import { pino } from 'pino';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CT elements end to end: a real GCC (gcc-core on in-memory PGlite behind Express), the elements bundled from
 * their sources with esbuild and served by the same app (same origin, so no CORS), and Debian's Chromium driven by
 * playwright-core. Every wait is on a DOM condition or an event, bounded by an explicit timeout.
 */

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const TIMEOUT = 120_000;
/** Bound on each wait for the page (generous: CI is a busy 2-core machine). */
const WAIT = 30_000;
const ADMIN = 'admin-secret-0123456789';
const CI = 'ci-secret-0123456789';
const A = 'adani-prod';
const B = 'tata-prod';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ARTIFACTS = here('./artifacts');
const img = (component: string, v: string) => `registry.wrktalk.com/${component}:${v}`;

/** The page a CT host would serve: the script, the elements, a theme. */
const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <script type="module" src="/ui.js"></script>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 1.5rem auto; color: #1d2330; }
      wrktalk-pending-approvals { --wrktalk-color-accent: #0b6e4f; --wrktalk-radius: 8px; }
      wrktalk-pending-approvals::part(item) { box-shadow: 0 1px 2px rgb(0 0 0 / 0.08); }
    </style>
  </head>
  <body>
    <h1>${title}</h1>
    ${body}
  </body>
</html>`;

describe.skipIf(!HAVE_CHROMIUM)(
  `CT elements in Chromium against a real GCC (skipped when ${CHROMIUM} is missing: apt-get install -y chromium; .ci/run installs it)`,
  () => {
    let db: Database;
    let gcc: Gcc;
    let server: Server;
    let url: string;
    let admin: GccClient;
    let context: BrowserContext;
    let profile: string;
    let tokenA: string;
    const deployment: Record<'backend' | 'ct', string> = { backend: '', ct: '' };

    beforeAll(async () => {
      db = await openDatabase({ dataDir: 'memory://' });
      await migrate(db);
      // The rollout worker is ticked by hand, so nothing moves behind the test's back.
      gcc = await createGcc({
        database: db,
        adminToken: ADMIN,
        ciToken: CI,
        logger: pino({ level: 'silent' }),
        worker: false,
      });
      const bundle = await build({
        entryPoints: [here('../src/define.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        // The sources, like the rest of the tests (vitest.config.ts aliases the same way).
        alias: { '@wrktalk/sdk-gcc': here('../../sdk-gcc/src/index.ts') },
        // sdk-gcc's signing helpers import node:crypto; the elements never reach them, so they are tree-shaken.
        external: ['node:*'],
      });
      const js = bundle.outputFiles[0]!.text;
      expect(js).not.toMatch(/from\s*["']node:/);

      const app = express();
      app.disable('x-powered-by');
      app.get('/ui.js', (_req, res) => {
        res.type('text/javascript').send(js);
      });
      app.get('/a', (_req, res) => {
        res.type('html').send(
          page(
            'Adani: updates',
            `<wrktalk-pending-approvals id="pending" client-id="${A}" base-url="/" token="${tokenA}"
               actor="priya@adani.com" page-size="1"></wrktalk-pending-approvals>
             <h2>Running now</h2>
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
      app.use(gcc.router);
      server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      admin = createGccClient({ baseUrl: url, token: ADMIN, retry: false });
      const ci = createGccClient({ baseUrl: url, token: CI, retry: false });

      // Releases: backend sha1 (installed first), backend sha2 and ct 3.9.0 (waiting for approval).
      const rel: Record<string, string> = {};
      for (const [component, version, notes] of [
        ['backend', 'sha1', 'First install.'],
        ['backend', 'sha2', 'Faster message sync on reconnect.'],
        ['ct', '3.9.0', 'New approvals screen.'],
      ] as const) {
        const r = await ci.releases.create({
          component,
          version,
          image_url: img(component, version),
          metadata: { notes },
        });
        rel[`${component}:${version}`] = r.id;
      }
      for (const [id, name] of [
        [A, 'Adani'],
        [B, 'Tata'],
      ] as const)
        await admin.clients.create({ id, name, target_kind: 'docker' });

      // Client A runs backend sha1: installed without approval, applied by its agent.
      const agentA = createGccClient({
        baseUrl: url,
        token: (await admin.clients.createToken(A, { role: 'agent' })).token,
        retry: false,
      });
      await admin.deployments.create({
        release_id: rel['backend:sha1']!,
        targets: { client_ids: [A] },
        approval: { required: false },
      });
      await gcc.worker.tick();
      const offer = await agentA.agent.getUpdates(A);
      if (offer.notModified || !offer.body.update) throw new Error('expected an update for A');
      await agentA.agent.reportStatus(A, {
        task_id: offer.body.update.task_id,
        attempt: 1,
        status: 'success',
      });

      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
      deployment.backend = (
        await admin.deployments.create({
          release_id: rel['backend:sha2']!,
          targets: { client_ids: [A, B] },
          approval: { deadline, on_deadline: 'expire' },
        })
      ).id;
      deployment.ct = (
        await admin.deployments.create({
          release_id: rel['ct:3.9.0']!,
          targets: { client_ids: [A] },
          approval: { deadline, on_deadline: 'auto_approve' },
        })
      ).id;
      tokenA = (await gcc.issueToken({ role: 'approver', clientId: A })).token;

      profile = mkdtempSync(join(tmpdir(), 'wrktalk-ui-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        timezoneId: 'Asia/Kolkata',
        viewport: { width: 900, height: 700 },
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
    }, TIMEOUT);

    afterAll(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
      await gcc?.close();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await db?.close();
    }, TIMEOUT);

    const taskOf = async (kind: 'backend' | 'ct', client = A) =>
      (await admin.deployments.listTasks(deployment[kind], { client_id: client })).items[0]!;

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
        await pageA.screenshot({ path: join(ARTIFACTS, '1-pending-list.png'), fullPage: true });
        if (process.env.WRKTALK_UPDATE_DOCS === '1')
          await pageA.screenshot({ path: here('../docs/ct.png'), fullPage: true });
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
        await pageA.screenshot({ path: join(ARTIFACTS, '4-empty.png'), fullPage: true });
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
        await p.screenshot({ path: join(ARTIFACTS, '5-other-client.png'), fullPage: true });
        await p.close();
      },
      TIMEOUT,
    );
  },
);
