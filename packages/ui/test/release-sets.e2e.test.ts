import type { BrowserContext, Page, Request as PwRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
import { ADMIN, openTestGcc, type TestGcc } from './helpers/gcc';

/**
 * Release sets (one release per component, approved, applied and rolled back together) end to end: a real GCC
 * (gcc-core on in-memory PGlite behind Express, the worker ticked by hand), every element bundled from its sources,
 * Debian's Chromium through playwright-core. The admin composes a three-component set in the form, sees it in the
 * list and the detail (each client's from → to per component); the client's CT shows it as one approval with three
 * from → to lines and approving it approves the whole set; a set naming one component twice shows the GCC's
 * `invalid_release_set` next to the picker it is about. Every wait is on a DOM condition, a request or an event.
 */

const A = 'adani-prod';
/** Runs backend only, so the set's media and ct have no "from" for it. */
const B = 'tata-prod';

const page = (title: string, body: string) =>
  hostPage({
    title,
    script: '/ui.js',
    style:
      'body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto; color: #1d2330; }',
    body,
  });

/** An element's text with its white space collapsed (templates indent their markup). */
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!HAVE_CHROMIUM)(
  `release sets in Chromium against a real GCC (skipped when ${CHROMIUM} is missing: apt-get install -y chromium)`,
  () => {
    let t: TestGcc;
    let server: Served | undefined;
    let url: string;
    let context: BrowserContext;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let admin: Page;
    let tokenA = '';
    const rel: Record<string, string> = {};
    let setDeployment = '';

    beforeAll(async () => {
      t = await openTestGcc();
      const js = await bundleFromSources();
      const app = scriptsApp({ '/ui.js': js });
      app.get('/admin', (_req, res) => {
        res
          .type('html')
          .send(
            page(
              'WrkTalk admin',
              `<wrktalk-admin-console base-url="/" token="${ADMIN}" actor="ravi@wrktalk.com"></wrktalk-admin-console>`,
            ),
          );
      });
      app.get('/ct', (_req, res) => {
        res.type('html').send(
          page(
            'Adani: updates',
            `<wrktalk-pending-approvals id="pending" client-id="${A}" base-url="/" token="${tokenA}"
               actor="priya@adani.com"></wrktalk-pending-approvals>
             <h2>History</h2>
             <wrktalk-update-history id="history" client-id="${A}" base-url="/" token="${tokenA}"></wrktalk-update-history>`,
          ),
        );
      });
      app.use(t.gcc.router);
      server = await serve(app);
      url = server.url;
      t.connect(url);

      for (const [component, version] of [
        ['backend', '4.9.0'],
        ['media', '4.9.0'],
        ['ct', '4.8.1'],
        ['backend', '5.0.0'],
        ['media', '5.0.0'],
        ['ct', '5.0.0'],
      ] as const)
        rel[`${component}:${version}`] = await t.release(component, version, `WrkTalk ${version}.`);
      await t.clients([A, 'Adani'], [B, 'Tata']);
      // A runs WrkTalk 4.9 (installed as a set); B only backend 4.9.0.
      await t.install(A, [rel['backend:4.9.0']!, rel['media:4.9.0']!, rel['ct:4.8.1']!]);
      await t.install(B, rel['backend:4.9.0']!);
      tokenA = await t.approverToken(A);

      browser = await launchChromium('Asia/Kolkata', { width: 1200, height: 900 });
      context = browser.context;
      admin = await context.newPage();
      // The SDK streams its request bodies (Playwright sees none): the page records what it sent, by path.
      await admin.addInitScript(() => {
        const sent: { path: string; body: unknown }[] = [];
        (window as unknown as { sent: typeof sent }).sent = sent;
        const original = window.fetch.bind(window);
        window.fetch = async (input, init) => {
          const request = new Request(input, init);
          if (request.method === 'POST')
            sent.push({
              path: new URL(request.url).pathname,
              body: JSON.parse((await request.clone().text()) || 'null'),
            });
          return original(request);
        };
      });
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await t?.close();
    }, TIMEOUT);

    const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: WAIT, interval: 100 });
    const isPost = (path: string) => (r: PwRequest) =>
      r.method() === 'POST' && new URL(r.url()).pathname === path;
    /** The bodies the admin page POSTed to `path`, oldest first. */
    const sentTo = (path: string) =>
      admin.evaluate(
        (p) =>
          (window as unknown as { sent: { path: string; body: Record<string, unknown> }[] }).sent
            .filter((x) => x.path === p)
            .map((x) => x.body),
        path,
      );
    /** The id of the focused element, through shadow roots. */
    const focusedId = () =>
      admin.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return el?.id;
      });
    const nav = (label: string) =>
      admin.locator('wrktalk-admin-console [part~="nav-link"]', { hasText: label }).click();

    it(
      'the admin composes a three-component set in the form: the preview and "Create" send release_ids',
      async () => {
        await admin.goto(`${url}/admin#/new`);
        const form = admin.locator('wrktalk-new-deployment');
        const pickers = form.locator('[part~="release-select"]');
        await pickers.first().selectOption(rel['backend:5.0.0']!);
        await form.locator('[part~="add-release"]').click();
        await pickers.nth(1).selectOption(rel['media:5.0.0']!);
        await form.locator('[part~="add-release"]').click();
        await pickers.nth(2).selectOption(rel['ct:5.0.0']!);
        // Each picker is labelled, and the last row added took focus.
        const labels = await pickers.evaluateAll((s) =>
          s.map((x) =>
            [...((x as HTMLSelectElement).labels?.[0]?.childNodes ?? [])]
              .filter((n) => n.nodeType === Node.TEXT_NODE)
              .map((n) => n.textContent)
              .join('')
              .trim(),
          ),
        );
        expect(labels).toEqual(['Release 1', 'Release 2', 'Release 3']);
        await poll(focusedId).toBe('release-2');
        // Every component is in: nothing more to add.
        expect(await form.locator('[part~="add-release"]').isDisabled()).toBe(true);

        await form.locator('[part~="target-ids-radio"]').check();
        await form.locator('[part~="client-ids-input"]').fill(`${A}, ${B}`);
        await poll(() => form.locator('[part~="match-count"]').textContent()).toMatch(
          /^\s*2 clients match\s*$/,
        );
        // The preview was asked about the set (the same body "Create" sends).
        const set = [rel['backend:5.0.0'], rel['media:5.0.0'], rel['ct:5.0.0']];
        expect((await sentTo('/api/v1/deployments/preview')).at(-1)).toMatchObject({ release_ids: set });
        // What each matched client runs of the set's components now.
        const runs = form.locator(`[part~="sample-row"][data-client-id="${A}"] [part~="sample-runs"]`);
        expect(await runs.textContent()).toBe('backend 4.9.0 · ct 4.8.1 · media 4.9.0');
        expect(await form.locator('legend').first().textContent()).toBe('Release set (3 components)');
        await shot(admin, 'sets-1-admin-new.png', 'admin-new-set.png');

        await form.locator('[part~="create-button"]').click();
        await admin.waitForURL(/#\/deployments\/dpl-/);
        const [body] = await sentTo('/api/v1/deployments');
        expect(body).toMatchObject({ release_ids: set });
        expect(body).not.toHaveProperty('release_id');
        setDeployment = decodeURIComponent(new URL(admin.url()).hash.replace('#/deployments/', ''));
        const d = await t.admin.deployments.get(setDeployment);
        expect(d.components.map((c) => `${c.component} ${c.version}`)).toEqual([
          'backend 5.0.0',
          'media 5.0.0',
          'ct 5.0.0',
        ]);
      },
      TIMEOUT,
    );

    it(
      "the detail shows the set and each client's from → to per component; the list shows the set",
      async () => {
        const detail = admin.locator('wrktalk-deployment-detail');
        const members = detail.locator('[part~="summary"] [part~="set-component"]');
        await poll(() => members.count()).toBe(3);
        expect((await members.allTextContents()).map(squash)).toEqual([
          `backend 5.0.0 ${rel['backend:5.0.0']}`,
          `media 5.0.0 ${rel['media:5.0.0']}`,
          `ct 5.0.0 ${rel['ct:5.0.0']}`,
        ]);
        const lines = (client: string) =>
          detail
            .locator(`[part~="task-row"][data-client-id="${client}"] [part~="task-change"]`)
            .allTextContents()
            .then((l) => l.map(squash));
        await poll(() => lines(A)).toEqual([
          'backend 4.9.0 → 5.0.0',
          'media 4.9.0 → 5.0.0',
          'ct 4.8.1 → 5.0.0',
        ]);
        // B never ran media or ct: the GCC sends no "from" for them.
        expect(await lines(B)).toEqual([
          'backend 4.9.0 → 5.0.0',
          'media unknown → 5.0.0',
          'ct unknown → 5.0.0',
        ]);
        await shot(admin, 'sets-2-admin-detail.png', 'admin-set-detail.png');

        await nav('Deployments');
        const row = admin.locator(`wrktalk-deployments [part~="row"][data-deployment-id="${setDeployment}"]`);
        await row.waitFor();
        expect((await row.locator('[part~="set-component"]').allTextContents()).map(squash)).toEqual([
          'backend 5.0.0',
          'media 5.0.0',
          'ct 5.0.0',
        ]);
        await shot(admin, 'sets-2b-admin-list.png');
        // A single release still reads as one (the installs before it).
        const single = admin.locator('wrktalk-deployments [part~="release"][data-components="1"]');
        expect(squash(await single.first().textContent())).toBe('backend 4.9.0');
      },
      TIMEOUT,
    );

    let ct: Page;

    it(
      'the CT shows one pending approval with three from → to lines, and approving it approves the whole set',
      async () => {
        ct = await context.newPage();
        await ct.goto(`${url}/ct`);
        const items = ct.locator('#pending [part~="item"]');
        await items.first().waitFor();
        expect(await items.count()).toBe(1);
        const item = items.first();
        expect(await item.getAttribute('data-components')).toBe('3');
        await poll(async () =>
          (await item.locator('[part~="change"]').allTextContents()).map(squash),
        ).toEqual(['backend 4.9.0 → 5.0.0', 'media 4.9.0 → 5.0.0', 'ct 4.8.1 → 5.0.0']);
        expect(await item.locator('[part~="set-note"]').textContent()).toMatch(
          /^One approval covers all 3 components \(backend, media and ct\)/,
        );
        await shot(ct, 'sets-3-ct-pending.png', 'ct-set.png');

        await item.locator('[part~="review-button"]').click();
        const dialog = ct.locator('#pending dialog[open]');
        await dialog.waitFor();
        expect(await dialog.locator('#title').textContent()).toBe('Update 3 components together');
        expect((await dialog.locator('[part~="change"]').allTextContents()).map(squash)).toEqual([
          'backend 4.9.0 → 5.0.0',
          'media 4.9.0 → 5.0.0',
          'ct 4.8.1 → 5.0.0',
        ]);
        // The dialog's description (read with it) names the whole set.
        expect(await dialog.getAttribute('aria-describedby')).toBe('summary');
        expect(await dialog.locator('#summary').textContent()).toMatch(
          /One approval covers all 3 components/,
        );
        const approve = dialog.locator('[part~="approve-button"]');
        expect(squash(await approve.textContent())).toBe('Approve all 3 now');
        expect(squash(await dialog.locator('[part~="reject-button"]').textContent())).toBe('Reject all 3');
        await shot(ct, 'sets-4-ct-dialog.png', 'ct-set-dialog.png');

        const decided = ct.evaluate(
          () =>
            new Promise<{ decision: string; task: { id: string } }>((resolve) =>
              document.addEventListener('wrktalk-decided', (e) => resolve((e as CustomEvent).detail), {
                once: true,
              }),
            ),
        );
        await ct.evaluate(() => 0);
        await approve.click();
        const detail = await decided;
        expect(detail.decision).toBe('approved');
        // One task for the whole set, approved once.
        const tasks = (await t.admin.deployments.listTasks(setDeployment, { client_id: A })).items;
        expect(tasks).toHaveLength(1);
        expect(tasks[0]!.id).toBe(detail.task.id);
        expect(tasks[0]).toMatchObject({ approval_status: 'approved', approved_by: 'priya@adani.com' });
        expect(
          tasks[0]!.components.map((c) => `${c.component} ${c.previous_version} → ${c.version}`),
        ).toEqual(['backend 4.9.0 → 5.0.0', 'media 4.9.0 → 5.0.0', 'ct 4.8.1 → 5.0.0']);
        await ct.locator('#pending [part~="empty"]').waitFor();
        // B's task is its own decision: still waiting.
        expect((await t.taskOf(setDeployment, B)).approval_status).toBe('pending');
      },
      TIMEOUT,
    );

    it(
      "the update history shows each task's set",
      async () => {
        await ct.evaluate(() =>
          (document.getElementById('history') as unknown as { refresh(): Promise<void> }).refresh(),
        );
        /** Each component of a history row beside its from → to (the two cells, line by line). */
        const lines = async (row: ReturnType<Page['locator']>) => {
          const names = await row.locator('[part~="task-component"] [data-component]').allTextContents();
          const versions = await row.locator('[part~="task-change"]').allTextContents();
          return names.map((n, i) => `${squash(n)} ${squash(versions[i] ?? '')}`);
        };
        const row = ct.locator(`#history [part~="task"][data-components="3"]`).first();
        await poll(() => row.getAttribute('data-status')).toBe('approved');
        expect(await lines(row)).toEqual([
          'backend 4.9.0 → 5.0.0',
          'media 4.9.0 → 5.0.0',
          'ct 4.8.1 → 5.0.0',
        ]);
        // The install of 4.9 before it was a set too, onto nothing reported yet.
        const install = ct.locator('#history [part~="task"][data-status="success"]');
        expect(await lines(install)).toEqual([
          'backend unknown → 4.9.0',
          'media unknown → 4.9.0',
          'ct unknown → 4.8.1',
        ]);
        await shot(ct, 'sets-5-ct-history.png');
        await ct.close();
      },
      TIMEOUT,
    );

    it(
      "a set naming one component twice shows the GCC's invalid_release_set next to its picker, and creates nothing",
      async () => {
        const before = (await t.admin.deployments.list()).items.length;
        await nav('New deployment');
        await admin.waitForURL(/#\/new$/);
        const form = admin.locator('wrktalk-new-deployment');
        await form.locator('[part~="reset-button"]').click();
        const pickers = form.locator('[part~="release-select"]');
        expect(await pickers.count()).toBe(1);
        await pickers.first().selectOption(rel['backend:5.0.0']!);
        await form.locator('[part~="add-release"]').click();
        await pickers.nth(1).selectOption(rel['backend:4.9.0']!);
        await form.locator('[part~="target-ids-radio"]').check();
        await form.locator('[part~="client-ids-input"]').fill(A);

        // The preview (same body, same rules) already says so, beside the second picker.
        const previewError = form.locator('[part~="preview-error"]');
        await previewError.waitFor();
        expect(await previewError.textContent()).toMatch(/Invalid release set/);
        const rowError = form.locator('[part~="field-error"][data-row="1"]');
        await rowError.waitFor();
        expect(await rowError.textContent()).toMatch(/component backend is already in the set/);
        expect(await pickers.nth(1).getAttribute('aria-invalid')).toBe('true');
        expect(await pickers.nth(1).getAttribute('aria-describedby')).toBe('release-1-error');
        expect(await pickers.nth(0).getAttribute('aria-invalid')).toBe('false');
        expect(await form.locator('[part~="field-error"][data-row="0"]').count()).toBe(0);

        // "Create" is refused the same way: every problem listed, focus on the picker named.
        const refused = admin.waitForResponse(
          (r) => isPost('/api/v1/deployments')(r.request()) && r.status() === 422,
        );
        await form.locator('[part~="create-button"]').click();
        const problem = await (await refused).json();
        expect(problem).toMatchObject({ code: 'invalid_release_set' });
        expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['/release_ids/1']);
        const createError = form.locator('[part~="create-error"]');
        await poll(() => createError.textContent()).toMatch(/Not created: Invalid release set/);
        expect(await createError.textContent()).toMatch(/Release 2 \(\/release_ids\/1\)/);
        await poll(focusedId).toBe('release-1');
        expect((await t.admin.deployments.list()).items).toHaveLength(before);
        await shot(admin, 'sets-6-admin-bad-set.png', 'admin-bad-set.png');

        // Removing the second backend makes it a single release again: the problem goes, the preview is back.
        await form.locator('[part~="remove-release"]').nth(1).click();
        await poll(() => form.locator('[part~="match-count"]').textContent()).toMatch(/1 client matches/);
        expect(await form.locator('[part~="field-error"]').count()).toBe(0);
        expect(await pickers.count()).toBe(1);
      },
      TIMEOUT,
    );
  },
);
