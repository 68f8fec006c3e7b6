import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFromSources,
  CHROMIUM,
  HAVE_CHROMIUM,
  hostPage,
  launchChromium,
  type Served,
  shot as screenshot,
  scriptsApp,
  serve,
  WAIT,
} from '../helpers/browser';
import { ADMIN, openTestGcc, type TestGcc } from '../helpers/gcc';

/**
 * The admin console end to end: a real GCC (gcc-core on in-memory PGlite behind Express, the staged rollout worker
 * ticked by hand so nothing moves behind the test's back), agents scripted through the SDK's agent operations with
 * their own tokens, the admin elements bundled from their sources with esbuild and served by the same app, and
 * Debian's Chromium driven by playwright-core. Every wait is on a DOM condition or an event, bounded by `WAIT`.
 */

const TIMEOUT = 180_000;
/** Premium clients (the deployment's targets); `p1` is the canary. */
const PREMIUM = ['p1', 'p2', 'p3', 'p4', 'p5'];
const FREE = ['f1'];

const page = (body: string) =>
  hostPage({
    title: 'WrkTalk admin',
    script: '/admin.js',
    style: `
      body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto; color: #1d2330; }
      wrktalk-admin-console { --wrktalk-color-accent: #3b4cca; --wrktalk-radius: 8px; }`,
    body,
  });

describe.skipIf(!HAVE_CHROMIUM)(
  `admin console in Chromium against a real GCC (skipped when ${CHROMIUM} is missing: apt-get install -y chromium)`,
  () => {
    let t: TestGcc;
    let gcc: TestGcc['gcc'];
    let server: Served | undefined;
    let url: string;
    let admin: GccClient;
    let context: BrowserContext;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let p: Page;
    const agent: Record<string, GccClient> = {};
    const release: Record<string, string> = {};
    let deploymentId = '';
    /** Every task list the page asked for (each must be one bounded page). */
    const taskReads: string[] = [];

    beforeAll(async () => {
      // The worker is ticked by hand (openTestGcc); deployments that name no strategy get the planner's staged
      // default (canary, batches, waits).
      t = await openTestGcc({ orchestration: 'worker', runNotifier: false });
      gcc = t.gcc;
      const js = await bundleFromSources({
        contents: "import { defineAdminElements } from './src/admin/index';\ndefineAdminElements();\n",
      });
      expect(js).not.toMatch(/from\s*["']node:/);

      const app = scriptsApp({ '/admin.js': js });
      app.get('/admin', (_req, res) => {
        res
          .type('html')
          .send(
            page(
              `<wrktalk-admin-console base-url="/" token="${ADMIN}" actor="ravi@wrktalk.com"></wrktalk-admin-console>`,
            ),
          );
      });
      // A host page whose backend keeps the admin token: the elements call /proxy/api/v1/..., the host adds it.
      app.get('/standalone', (_req, res) => {
        res.type('html').send(
          page(`<wrktalk-clients id="clients" base-url="/proxy" page-size="2"></wrktalk-clients>
            <script type="module">
              const el = document.getElementById('clients');
              window.proxied = 0;
              el.fetch = (input, init) => { window.proxied++; return fetch(input, { ...init, credentials: 'same-origin' }); };
            </script>`),
        );
      });
      app.use('/proxy', (req, res, next) => {
        req.headers.authorization = `Bearer ${ADMIN}`;
        gcc.router(req, res, next);
      });
      app.use(gcc.router);
      server = await serve(app);
      url = server.url;
      t.connect(url);
      admin = t.admin;

      for (const [component, version, notes] of [
        ['backend', 'sha1', 'First install.'],
        ['backend', 'sha2', 'Faster message sync on reconnect.'],
        ['ct', '3.9.0', 'New approvals screen.'],
      ] as const)
        release[`${component}:${version}`] = await t.release(component, version, notes);
      for (const id of [...PREMIUM, ...FREE]) {
        await admin.clients.create({
          id,
          name: `Client ${id.toUpperCase()}`,
          target_kind: 'docker',
          labels: {
            tier: id.startsWith('p') ? 'premium' : 'free',
            region: Number(id.slice(1)) % 2 ? 'in' : 'eu',
            ...(id === 'p1' ? { canary: 'true' } : {}),
          },
        });
        agent[id] = createGccClient({
          baseUrl: url,
          token: (await admin.clients.createToken(id, { role: 'agent' })).token,
          retry: false,
        });
      }
      // Every client runs backend sha1 first (so a rollback has somewhere to go back to).
      await admin.deployments.create({
        release_id: release['backend:sha1']!,
        targets: { selector: 'tier' },
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', percent: 100 }] },
      });
      await gcc.worker.tick();
      for (const id of [...PREMIUM, ...FREE]) expect(await report(id, 'success')).toBe(true);
      await gcc.worker.tick();

      browser = await launchChromium('Asia/Kolkata', { width: 1200, height: 900 });
      context = browser.context;
      p = await context.newPage();
      p.on('request', (r) => {
        if (/\/api\/v1\/deployments\/[^/]+\/tasks/.test(new URL(r.url()).pathname)) taskReads.push(r.url());
      });
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await t?.close();
    }, TIMEOUT);

    /** The scripted agent of `id`: takes the update offered, if any, and reports `status`. */
    async function report(id: string, status: 'success' | 'failed'): Promise<boolean> {
      const offer = await agent[id]!.agent.getUpdates(id);
      if (offer.notModified || !offer.body.update) return false;
      await agent[id]!.agent.reportStatus(id, {
        task_id: offer.body.update.task_id,
        attempt: offer.body.update.attempt,
        status,
        agent_version: '1.4.0',
      });
      return true;
    }

    /** Clients whose agent was offered an update (and reported success). */
    async function agentsReport(ids: string[]): Promise<string[]> {
      const done: string[] = [];
      for (const id of ids) if (await report(id, 'success')) done.push(id);
      return done;
    }

    /** A full-page screenshot into test/artifacts/ (and docs/ with `WRKTALK_UPDATE_DOCS=1`). */
    const shot = (name: string) => screenshot(p, name, name);

    /** Follows a link of the console's nav. */
    const nav = (label: string) =>
      p.locator('wrktalk-admin-console [part~="nav-link"]', { hasText: label }).click();

    const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: WAIT, interval: 100 });

    /** The status of each stage as the detail view shows it. */
    const shownStages = () =>
      p
        .locator('wrktalk-deployment-detail [part~="stage"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));

    const shownStatus = () => p.locator('wrktalk-deployment-detail [part~="status"]').first().textContent();

    /** Describes the focused element through shadow roots, for focus assertions. */
    const focused = () =>
      p.evaluate(() => {
        let el: Element | null = document.activeElement;
        const path: string[] = [];
        while (el) {
          // Elements by tag name, shadow-DOM controls by their part.
          path.push(el.localName.includes('-') ? el.localName : (el.getAttribute('part') ?? el.localName));
          el = el.shadowRoot?.activeElement ?? null;
        }
        return path;
      });

    /** Whether focus is inside the detail view's open dialog. */
    const focusInDialog = () =>
      p.evaluate(() => {
        const detail = document
          .querySelector('wrktalk-admin-console')
          ?.shadowRoot?.querySelector('wrktalk-deployment-detail');
        return Boolean(detail?.shadowRoot?.activeElement?.closest('dialog[open]'));
      });

    it(
      'lists deployments and marks the current page in the nav',
      async () => {
        await p.goto(`${url}/admin#/deployments`);
        const rows = p.locator('wrktalk-deployments [part~="row"]');
        await rows.first().waitFor();
        expect(await rows.count()).toBe(1);
        expect(await rows.first().locator('[part~="status"]').textContent()).toBe('Completed');
        expect(await rows.first().locator('[part~="progress"]').textContent()).toBe('6 of 6 updated');
        const current = p.locator('wrktalk-admin-console [part~="nav-link"][aria-current="page"]');
        expect(await current.allTextContents()).toEqual(['Deployments']);
        await shot('admin-deployments.png');
      },
      TIMEOUT,
    );

    it(
      'previews a deployment by selector: count, sample and stage plan, default then custom stages',
      async () => {
        await nav('New deployment');
        await p.waitForURL(/#\/new$/);
        const form = p.locator('wrktalk-new-deployment');
        await form.locator('[part~="release-select"]').selectOption(release['backend:sha2']!);
        // Every control has an accessible name.
        for (const part of ['release-select', 'selector-input', 'description-input']) {
          const label = await form
            .locator(`[part~="${part}"]`)
            .evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? '');
          expect(label, part).not.toBe('');
        }
        await form.locator('[part~="selector-input"]').fill('tier=premium');
        await poll(() => form.locator('[part~="match-count"]').textContent()).toMatch(
          /^\s*5 clients match\s*$/,
        );
        expect(
          await form.locator('[part~="sample-row"]').evaluateAll((r) => r.map((x) => x.dataset.clientId)),
        ).toEqual(PREMIUM);
        // The GCC's default staged strategy: canary 4% (at least one), then batches.
        await poll(() => form.locator('[part~="plan-row"]').count()).toBeGreaterThan(1);
        expect(await form.locator('[part~="plan-size"]').first().textContent()).toBe('1');

        // Custom: canary of 1, a batch of 2, then the rest; no waits.
        await form.locator('[part~="strategy-custom-radio"]').check();
        await form.locator('[part~="remove-stage"]').nth(1).click();
        await form.locator('[part~="remove-stage"]').nth(1).click();
        expect(await form.locator('[part~="stage-row"]').count()).toBe(3);
        await form.locator('[part~="stage-size"]').nth(0).selectOption('count');
        await form.locator('[part~="stage-amount"]').nth(0).fill('1');
        await form.locator('[part~="stage-wait"]').nth(0).fill('0');
        await form.locator('[part~="stage-size"]').nth(1).selectOption('count');
        await form.locator('[part~="stage-amount"]').nth(1).fill('2');
        await form.locator('[part~="stage-wait"]').nth(1).fill('0');
        await form.locator('[part~="on-failure"]').selectOption('pause');
        await form.locator('[part~="approval-required"]').uncheck();
        await poll(() => form.locator('[part~="plan-size"]').allTextContents()).toEqual(['1', '2', '2']);
        expect(await form.locator('[part~="approval-summary"]').textContent()).toMatch(/No approval needed/);
        await shot('admin-new-deployment.png');
      },
      TIMEOUT,
    );

    it(
      'creates it and opens its detail',
      async () => {
        const before = (await admin.deployments.list()).items.length;
        await p.locator('wrktalk-new-deployment [part~="create-button"]').click();
        await p.waitForURL(/#\/deployments\/dpl-/);
        deploymentId = decodeURIComponent(new URL(p.url()).hash.replace('#/deployments/', ''));
        const list = await admin.deployments.list();
        expect(list.items).toHaveLength(before + 1);
        const d = await admin.deployments.get(deploymentId);
        expect(d).toMatchObject({ version: 'sha2', approval: { required: false } });
        expect(d.strategy.stages).toEqual([
          { kind: 'canary', count: 1, wait_seconds: 0 },
          { kind: 'batch', count: 2, wait_seconds: 0 },
          { kind: 'batch', wait_seconds: 0 },
        ]);
        const detail = p.locator('wrktalk-deployment-detail');
        await detail.locator('[part~="heading"]').waitFor();
        expect(await detail.locator('[part~="heading"]').textContent()).toContain(deploymentId);
        expect(
          await p.locator('wrktalk-admin-console [part~="nav-link"][aria-current="page"]').textContent(),
        ).toBe('Deployments');
      },
      TIMEOUT,
    );

    it(
      'watches the stages advance as agents report',
      async () => {
        await gcc.worker.tick();
        // Stage 1 is the canary: only p1 (canary=true) is offered the update.
        expect(await agentsReport(PREMIUM)).toEqual(['p1']);
        await gcc.worker.tick();
        await poll(shownStages).toEqual(['succeeded', 'running', 'pending']);
        const live = p.locator('wrktalk-deployment-detail [part~="live-change"]');
        expect(await live.getAttribute('role')).toBe('status');
        await poll(() => p.locator('wrktalk-deployment-detail [part~="progress"]').textContent()).toMatch(
          /^1 of 5 updated/,
        );
        const stage2 = await admin.deployments.listTasks(deploymentId, { stage: 1 });
        const batch = stage2.items.map((t) => t.client_id);
        expect(batch).toHaveLength(2);
        expect(await agentsReport(batch)).toEqual(batch);
        await gcc.worker.tick();
        await poll(shownStages).toEqual(['succeeded', 'succeeded', 'running']);
        await poll(() => p.locator('wrktalk-deployment-detail [part~="progress"]').textContent()).toMatch(
          /^3 of 5 updated/,
        );
        // The stage bars show it: the canary's (1 of 1) is full, and the widths are set (no CSP needed for them).
        const widths = await p
          .locator('wrktalk-deployment-detail .bar [data-k="ok"]')
          .evaluateAll((bars) => bars.map((b) => (b as HTMLElement).style.width));
        expect(widths.slice(0, 2)).toEqual(['100%', '100%']);
        await shot('admin-deployment-detail.png');

        // Nothing changes now: the view's next check is a 304 (If-None-Match), not a reload.
        const isDeployment = (u: string) => new URL(u).pathname === `/api/v1/deployments/${deploymentId}`;
        const notModified = await p.waitForResponse((r) => isDeployment(r.url()) && r.status() === 304);
        expect(await notModified.request().headerValue('if-none-match')).toBeTruthy();
        // A hidden tab stops the checks; visible again, they start at once.
        const liveStatus = p.locator('wrktalk-deployment-detail [part~="live-status"]');
        await p.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        });
        await poll(() => liveStatus.textContent()).toMatch(/paused while the page is hidden/);
        const resumed = p.waitForRequest((r) => isDeployment(r.url()));
        await p.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        });
        await resumed;
        await poll(() => liveStatus.textContent()).toMatch(/^Live: checked/);
        // Every task read was one bounded page, never the whole deployment.
        expect(taskReads.length).toBeGreaterThan(0);
        for (const u of taskReads)
          expect(Number(new URL(u).searchParams.get('limit'))).toBeLessThanOrEqual(500);
      },
      TIMEOUT,
    );

    it(
      'filters the task table on the server: status, stage, client id',
      async () => {
        const detail = p.locator('wrktalk-deployment-detail');
        const rows = detail.locator('[part~="task-row"]');
        const ids = () => rows.evaluateAll((r) => r.map((x) => (x as HTMLElement).dataset.clientId));
        await poll(ids).toEqual(PREMIUM);
        expect(await detail.locator('table[part~="tasks"] th[scope="col"]').first().textContent()).toBe(
          'Client',
        );
        await detail.locator('[part~="task-status-filter"]').selectOption('success');
        await poll(() => rows.evaluateAll((r) => r.map((x) => (x as HTMLElement).dataset.status))).toEqual([
          'success',
          'success',
          'success',
        ]);
        await detail.locator('[part~="task-status-filter"]').selectOption('');
        await detail.locator('[part~="task-stage-filter"]').selectOption('0');
        await poll(ids).toEqual(['p1']);
        await detail.locator('[part~="task-stage-filter"]').selectOption('');
        await detail.locator('[part~="task-search"]').fill('P4');
        await poll(ids).toEqual(['p4']);
        await detail.locator('[part~="task-search"]').fill('');
        await poll(ids).toEqual(PREMIUM);
      },
      TIMEOUT,
    );

    it(
      'pauses in a modal dialog (Escape cancels, focus returns) and resumes',
      async () => {
        const detail = p.locator('wrktalk-deployment-detail');
        const pause = detail.locator('[part~="pause-button"]');
        await pause.click();
        const dialog = detail.locator('dialog[open]');
        await dialog.waitFor();
        expect(await dialog.getAttribute('aria-modal')).toBe('true');
        expect(await dialog.locator('#dialog-title').textContent()).toBe('Pause this deployment?');
        // Tab stays inside the dialog.
        for (let i = 0; i < 5; i++) {
          await p.keyboard.press('Tab');
          expect(await focusInDialog()).toBe(true);
        }
        await p.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await focused()).toEqual([
          'wrktalk-admin-console',
          'wrktalk-deployment-detail',
          'pause-button',
        ]);
        expect((await admin.deployments.get(deploymentId)).status).toBe('running');

        await pause.click();
        await dialog.locator('[part~="confirm-button"]').click();
        await dialog.waitFor({ state: 'detached' });
        await poll(shownStatus).toBe('Paused');
        expect((await admin.deployments.get(deploymentId)).status).toBe('paused');
        expect(await pause.isDisabled()).toBe(true);
        // Paused: a tick releases nothing.
        await gcc.worker.tick();
        expect(await agentsReport(['p4', 'p5'])).toEqual([]);

        await detail.locator('[part~="resume-button"]').click();
        await dialog.locator('[part~="confirm-button"]').click();
        await poll(shownStatus).toBe('Running');
        expect((await admin.deployments.get(deploymentId)).status).toBe('running');
        const audit = await admin.audit.list({ deployment_id: deploymentId });
        expect(audit.items.map((e) => e.action)).toEqual(
          expect.arrayContaining(['deployment.pause', 'deployment.resume']),
        );
        await poll(() =>
          detail
            .locator('[part~="audit-row"]')
            .evaluateAll((r) => r.map((x) => x.getAttribute('data-action'))),
        ).toEqual(expect.arrayContaining(['deployment.pause', 'deployment.resume']));
      },
      TIMEOUT,
    );

    it(
      'rolls back the clients it updated',
      async () => {
        const detail = p.locator('wrktalk-deployment-detail');
        await detail.locator('[part~="rollback-button"]').click();
        const dialog = detail.locator('dialog[open]');
        await dialog.waitFor();
        await dialog.locator('[part~="scope-select"]').selectOption('deployment');
        await dialog.locator('[part~="reason-input"]').fill('Login latency regression.');
        await dialog.locator('[part~="confirm-button"]').click();
        await dialog.waitFor({ state: 'detached' });
        await poll(shownStatus).toBe('Rolling back');
        const d = await admin.deployments.get(deploymentId);
        expect(d.status).toBe('rolling_back');
        const rollbackId = d.rolled_back_by!;
        const rb = await admin.deployments.get(rollbackId);
        expect(rb).toMatchObject({
          type: 'rollback',
          rollback_of: deploymentId,
          rollback_scope: 'deployment',
        });
        await poll(() => detail.locator('[part~="rolled-back-by"]').textContent()).toContain(rollbackId);

        // The agents run the rollback; the update ends rolled back.
        await gcc.worker.tick();
        const back = await agentsReport(PREMIUM);
        expect(back.sort()).toEqual(
          [
            'p1',
            ...(await admin.deployments.listTasks(deploymentId, { stage: 1 })).items.map((t) => t.client_id),
          ].sort(),
        );
        await gcc.worker.tick();
        await poll(shownStatus).toBe('Rolled back');
        expect((await admin.clients.get('p1')).current_versions.backend).toBe('sha1');
      },
      TIMEOUT,
    );

    it(
      'shows the GCC problem for a selector that does not parse, and creates nothing',
      async () => {
        const before = (await admin.deployments.list()).items.length;
        await nav('New deployment');
        await p.waitForURL(/#\/new$/);
        const form = p.locator('wrktalk-new-deployment');
        await form.locator('[part~="release-select"]').selectOption(release['backend:sha2']!);
        await form.locator('[part~="selector-input"]').fill('tier in (premium');
        const previewError = form.locator('[part~="preview-error"]');
        await previewError.waitFor();
        expect(await previewError.getAttribute('role')).toBe('alert');
        expect(await previewError.textContent()).toMatch(/Invalid selector/);
        expect(await form.locator('[part~="plan-row"]').count()).toBe(0);
        await form.locator('[part~="create-button"]').click();
        const createError = form.locator('[part~="create-error"]');
        await poll(() => createError.textContent()).toMatch(/Not created: Invalid selector/);
        expect((await admin.deployments.list()).items).toHaveLength(before);
        expect(p.url()).toMatch(/#\/new$/);
      },
      TIMEOUT,
    );

    it(
      'lists releases (Deploy… opens the form with it) and clients; an unknown deployment reads "Not found"',
      async () => {
        await p.goto(`${url}/admin#/deployments/dpl-nope`);
        const error = p.locator('wrktalk-deployment-detail [part~="error"]');
        await error.waitFor();
        expect(await error.locator('strong').textContent()).toBe('Not found');

        await nav('Releases');
        const releases = p.locator('wrktalk-releases [part~="row"]');
        await releases.first().waitFor();
        expect(await releases.count()).toBe(3);
        await shot('admin-releases.png');
        await p.locator('wrktalk-releases [part~="component-input"]').fill('ct');
        await p.locator('wrktalk-releases [part~="filter-button"]').click();
        await poll(() => releases.count()).toBe(1);
        await releases.first().locator('[part~="select-button"]').click();
        await p.waitForURL(/#\/new\?release=/);
        await poll(() =>
          p
            .locator('wrktalk-new-deployment [part~="release-select"]')
            .evaluate((s) => (s as HTMLSelectElement).value),
        ).toBe(release['ct:3.9.0']);

        await nav('Clients');
        const clients = p.locator('wrktalk-clients [part~="row"]');
        await clients.first().waitFor();
        expect(await clients.count()).toBe(6);
        expect(await clients.first().locator('[part~="versions"]').textContent()).toBe('backend sha1');
        expect(await clients.first().locator('[part~="agent-version"]').textContent()).toBe('1.4.0');
        await p.locator('wrktalk-clients [part~="selector-input"]').fill('tier=premium,region=in');
        await p.locator('wrktalk-clients [part~="filter-button"]').click();
        await poll(() =>
          clients.evaluateAll((r) => r.map((x) => (x as HTMLElement).dataset.clientId)),
        ).toEqual(['p1', 'p3', 'p5']);
        await shot('admin-clients.png');
        await p.locator('wrktalk-clients [part~="selector-input"]').fill('tier in (');
        await p.locator('wrktalk-clients [part~="filter-button"]').click();
        await p.locator('wrktalk-clients [part~="error"]').waitFor();
      },
      TIMEOUT,
    );

    it(
      'works standalone through a host proxy that keeps the token, one server page at a time',
      async () => {
        const q = await context.newPage();
        await q.goto(`${url}/standalone`);
        const rows = q.locator('#clients [part~="row"]');
        const ids = () => rows.evaluateAll((r) => r.map((x) => (x as HTMLElement).dataset.clientId));
        await poll(ids).toEqual(['f1', 'p1']);
        expect(await q.evaluate(() => (window as unknown as { proxied: number }).proxied)).toBeGreaterThan(0);
        expect(await q.locator('#clients [part~="page-number"]').textContent()).toBe('Page 1');
        expect(await q.locator('#clients [part~="previous-page"]').isDisabled()).toBe(true);
        await q.locator('#clients [part~="next-page"]').click();
        await poll(ids).toEqual(['p2', 'p3']);
        expect(await q.locator('#clients [part~="page-number"]').textContent()).toBe('Page 2');
        await q.locator('#clients [part~="previous-page"]').click();
        await poll(ids).toEqual(['f1', 'p1']);
        await q.close();
      },
      TIMEOUT,
    );

    it(
      'manages auto-approve policies: the preview counts them, and an admin force-approves a waiting client',
      async () => {
        await nav('Auto-approve policies');
        const policies = p.locator('wrktalk-auto-approve-policies');
        await policies.locator('[part~="empty"]').waitFor();
        await policies.locator('[part~="id-input"]').fill('free-tier-ct');
        await policies.locator('[part~="components-input"]').fill('ct');
        await policies.locator('[part~="selector-input"]').fill('tier=free');
        await policies
          .locator('[part~="description-input"]')
          .fill('Free tier takes CT updates without asking.');
        await policies.locator('[part~="create-button"]').click();
        await policies.locator('[part~="row"]').first().waitFor();
        expect((await admin.autoApprovePolicies.list()).items.map((x) => x.id)).toEqual(['free-tier-ct']);
        await shot('admin-policies.png');

        // ct to every client, approval required: the policy approves f1 (tier=free) at once.
        await nav('New deployment');
        const form = p.locator('wrktalk-new-deployment');
        await form.locator('[part~="release-select"]').selectOption(release['ct:3.9.0']!);
        await form.locator('[part~="selector-input"]').fill('tier');
        await poll(() => form.locator('[part~="match-count"]').textContent()).toMatch(/6 clients match/);
        await poll(() => form.locator('[part~="auto-approved"]').textContent()).toMatch(/^\s*1 of them/);
        await form.locator('[part~="create-button"]').click();
        await p.waitForURL(/#\/deployments\/dpl-/);
        const ctDeployment = decodeURIComponent(new URL(p.url()).hash.replace('#/deployments/', ''));
        const f1 = (await admin.deployments.listTasks(ctDeployment, { client_id: 'f1' })).items[0]!;
        expect(f1).toMatchObject({ approval_status: 'approved', approval_source: 'auto_policy' });

        const detail = p.locator('wrktalk-deployment-detail');
        await detail.locator('[part~="task-search"]').fill('p2');
        const row = detail.locator('[part~="task-row"][data-client-id="p2"]');
        await row.locator('[part~="force-approve-button"]').waitFor();
        await poll(() => detail.locator('[part~="task-row"]').count()).toBe(1);
        await row.locator('[part~="force-approve-button"]').click();
        const confirmDialog = detail.locator('dialog[open]');
        await confirmDialog.waitFor();
        expect(await confirmDialog.locator('[part~="by-input"]').inputValue()).toBe('ravi@wrktalk.com');
        const confirm = confirmDialog.locator('[part~="confirm-button"]');
        expect(await confirm.isDisabled()).toBe(true);
        await confirmDialog.locator('[part~="reason-input"]').fill('Approved by phone (SUP-4411).');
        await confirm.click();
        await confirmDialog.waitFor({ state: 'detached' });
        await poll(() => row.textContent()).toMatch(/by an admin \(forced\)/);
        const p2 = (await admin.deployments.listTasks(ctDeployment, { client_id: 'p2' })).items[0]!;
        expect(p2).toMatchObject({ approval_source: 'admin_force', approved_by: 'ravi@wrktalk.com' });

        await nav('Auto-approve policies');
        await policies.locator('[part~="row"]').first().waitFor();
        // Delete, confirmed in a modal.
        await policies.locator('[part~="delete-button"]').click();
        const dialog = policies.locator('dialog[open]');
        await dialog.waitFor();
        await dialog.locator('[part~="confirm-button"]').click();
        await policies.locator('[part~="empty"]').waitFor();
        expect((await admin.autoApprovePolicies.list()).items).toEqual([]);
      },
      TIMEOUT,
    );
  },
);
