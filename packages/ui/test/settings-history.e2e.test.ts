import { type ClientSettings, createGccClient } from '@wrktalk/sdk-gcc';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFromSources,
  focused,
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
 * `<wrktalk-client-settings>` and `<wrktalk-update-history>` in Chromium against a real GCC (gcc-core on in-memory
 * PGlite), with client A's approver token: settings saved and read back, refused input shown field by field with
 * nothing changed, and the task history paged by the GCC. Every wait is on a DOM condition with a timeout.
 */

const A = 'adani-prod';

const page = (title: string, body: string) =>
  hostPage({
    title,
    script: '/ui.js',
    style: `
      body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto; color: #1d2330; }
      wrktalk-client-settings, wrktalk-update-history { --wrktalk-color-accent: #0b6e4f; --wrktalk-radius: 8px; }`,
    body,
  });

describe.skipIf(!HAVE_CHROMIUM)(
  'client settings and update history in Chromium against a real GCC (skipped when /usr/bin/chromium is missing)',
  () => {
    let t: TestGcc;
    let server: Served | undefined;
    let url: string;
    let tokenA: string;
    let browser: Awaited<ReturnType<typeof launchChromium>>;

    beforeAll(async () => {
      t = await openTestGcc();
      const js = await bundleFromSources();
      const app = scriptsApp({ '/ui.js': js });
      app.get('/settings', (_req, res) => {
        res
          .type('html')
          .send(
            page(
              'Adani: settings',
              `<wrktalk-client-settings id="settings" client-id="${A}" base-url="/" token="${tokenA}"></wrktalk-client-settings>`,
            ),
          );
      });
      app.get('/history', (_req, res) => {
        res
          .type('html')
          .send(
            page(
              'Adani: history',
              `<wrktalk-update-history id="history" client-id="${A}" base-url="/" token="${tokenA}" page-size="2"></wrktalk-update-history>`,
            ),
          );
      });
      app.use(t.gcc.router);
      server = await serve(app);
      url = server.url;
      t.connect(url);

      // History of A, oldest first: backend sha1 installed; sha2 rejected; ct 3.9.0 approved; media m2 and
      // backend sha3 waiting. Five tasks: pages of 2 are [sha3, m2], [3.9.0, sha2], [sha1].
      await t.clients([A, 'Adani']);
      await t.install(A, await t.release('backend', 'sha1'));
      tokenA = await t.approverToken(A);
      const approver = createGccClient({ baseUrl: url, token: tokenA, retry: false });
      const sha2 = await t.awaitingApproval(await t.release('backend', 'sha2'), [A]);
      await approver.approvals.reject(A, (await t.taskOf(sha2, A)).id, {
        rejected_by: 'priya@adani.com',
        reason: 'Change freeze.',
      });
      const ct = await t.awaitingApproval(await t.release('ct', '3.9.0'), [A]);
      await approver.approvals.approve(A, (await t.taskOf(ct, A)).id, { approved_by: 'priya@adani.com' });
      await t.awaitingApproval(await t.release('media', 'm2'), [A]);
      await t.awaitingApproval(await t.release('backend', 'sha3'), [A]);

      browser = await launchChromium();
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await t?.close();
    }, TIMEOUT);

    let sp: Page;
    let saved: ClientSettings;

    it(
      'saves auto-approve, a maintenance window, the time zone and an address; the GCC and a reload read them back',
      async () => {
        sp = await browser.context.newPage();
        await sp.goto(`${url}/settings`);
        const s = sp.locator('#settings');
        await s.locator('form').waitFor();
        const before = await t.admin.clients.getSettings(A);
        expect(before).toMatchObject({ maintenance_windows: [], notification_emails: [] });
        expect(await s.getByLabel('Time zone (IANA name)').inputValue()).toBe(before.timezone);

        await s.getByLabel('ct', { exact: true }).check();
        await s.getByLabel('Time zone (IANA name)').fill('Asia/Kolkata');
        await s.getByRole('button', { name: 'Add a window' }).click();
        // The new row's first day is focused, so a keyboard user goes on from there.
        expect((await focused(sp)).at(-1)).toBe('window-day');
        const w = s.locator('[part~="window"]').first();
        await w.getByLabel('Saturday').check();
        await w.getByLabel('Sunday').check();
        await w.getByLabel('Starts at').fill('23:00');
        await w.getByLabel('Ends at').fill('05:30');
        await s.getByRole('button', { name: 'Add an address' }).click();
        await s.getByLabel('Address 1').fill('it-ops@adani.com');
        await s.getByRole('button', { name: 'Add an address' }).click();
        await s.getByLabel('Address 2').fill('priya.sharma@adani.com');
        await s.getByRole('button', { name: 'Save settings' }).click();
        await s.locator('[part~="saved"]', { hasText: 'Saved at' }).waitFor();

        saved = await t.admin.clients.getSettings(A);
        expect(saved).toMatchObject({
          timezone: 'Asia/Kolkata',
          maintenance_windows: [{ days: ['sat', 'sun'], start: '23:00', end: '05:30' }],
          notification_emails: ['it-ops@adani.com', 'priya.sharma@adani.com'],
          auto_approve: { all: false, components: ['ct'] },
        });
        await shot(sp, 'settings-1-saved.png', 'ct-settings.png');

        await sp.reload();
        await s.locator('form').waitFor();
        expect(await s.getByLabel('Time zone (IANA name)').inputValue()).toBe('Asia/Kolkata');
        expect(await s.getByLabel('ct', { exact: true }).isChecked()).toBe(true);
        expect(await s.getByLabel('backend', { exact: true }).isChecked()).toBe(false);
        const row = s.locator('[part~="window"]');
        expect(await row.count()).toBe(1);
        expect(await row.getByLabel('Saturday').isChecked()).toBe(true);
        expect(await row.getByLabel('Monday').isChecked()).toBe(false);
        expect(await row.getByLabel('Starts at').inputValue()).toBe('23:00');
        expect(await row.getByLabel('Ends at').inputValue()).toBe('05:30');
        expect(await s.getByLabel('Address 2').inputValue()).toBe('priya.sharma@adani.com');
      },
      TIMEOUT,
    );

    it(
      "refused input shows each of the GCC's problems next to its field, and nothing changes",
      async () => {
        const s = sp.locator('#settings');
        await s.getByLabel('Time zone (IANA name)').fill('Mars/Olympus_Mons');
        await s.getByRole('button', { name: 'Add a window' }).click();
        // Window 2 has no day: the contract wants at least one.
        await s.getByLabel('Address 1').fill('not-an-email');
        await s.getByRole('button', { name: 'Save settings' }).click();
        const summary = s.locator('[part~="summary"] [part~="error"]');
        await summary.waitFor();
        expect(await summary.textContent()).toMatch(/Not saved/);

        const errorOf = async (label: string, within = s) => {
          const input = within.getByLabel(label, { exact: true });
          expect(await input.getAttribute('aria-invalid'), label).toBe('true');
          const id = await input.getAttribute('aria-describedby');
          expect(id, label).toBeTruthy();
          return s.locator(`#${id}`).textContent();
        };
        expect(await errorOf('Time zone (IANA name)')).toMatch(/\S/);
        expect(await errorOf('Address 1')).toMatch(/\S/);
        const days = s.locator('[part~="window"]').nth(1).locator('[part~="window-days"]');
        expect(await days.getAttribute('aria-invalid')).toBe('true');
        expect(await s.locator(`#${await days.getAttribute('aria-describedby')}`).textContent()).toMatch(
          /\S/,
        );
        // Window 1 and address 2 were fine: no error there.
        expect(await s.locator('[part~="window"]').first().locator('[aria-invalid="true"]').count()).toBe(0);
        expect(await s.getByLabel('Address 2').getAttribute('aria-invalid')).toBe('false');
        // Focus went to the first field with a problem.
        expect((await focused(sp)).at(-1)).toBe('timezone-input');
        await shot(sp, 'settings-2-refused.png', 'ct-settings-refused.png');

        expect(await t.admin.clients.getSettings(A)).toEqual(saved);

        // Fixing it clears the errors.
        await s.getByRole('button', { name: 'Discard changes' }).click();
        expect(await s.locator('[aria-invalid="true"]').count()).toBe(0);
        expect(await s.getByLabel('Time zone (IANA name)').inputValue()).toBe('Asia/Kolkata');
      },
      TIMEOUT,
    );

    it(
      'works from the keyboard, and every control has a label',
      async () => {
        const s = sp.locator('#settings');
        // Every input is inside its <label> (or names itself); every button has text.
        const unlabelled = await sp.evaluate(() =>
          [...(document.querySelector('#settings')?.shadowRoot?.querySelectorAll('input, button') ?? [])]
            .filter((el) => !el.closest('label') && !el.getAttribute('aria-label') && !el.textContent?.trim())
            .map((el) => el.outerHTML),
        );
        expect(unlabelled).toEqual([]);

        const add = s.getByRole('button', { name: 'Add an address' });
        await add.focus();
        await sp.keyboard.press('Enter');
        expect((await focused(sp)).at(-1)).toBe('email-input');
        await sp.keyboard.type('noc@adani.com');
        expect(await s.getByLabel('Address 3').inputValue()).toBe('noc@adani.com');
        await sp.keyboard.press('Tab');
        expect((await focused(sp)).at(-1)).toBe('remove-email');
        await sp.keyboard.press('Enter');
        expect(await s.getByLabel('Address 3').count()).toBe(0);
        // The row is gone: focus is back on "Add an address", not lost.
        expect((await focused(sp)).at(-1)).toBe('add-email');

        // A day is toggled with Space; Enter in a field submits the form (and saves).
        await s.locator('[part~="window"]').first().getByLabel('Friday').focus();
        await sp.keyboard.press('Space');
        await s.getByLabel('Address 1').focus();
        await sp.keyboard.press('Enter');
        await s.locator('[part~="saved"]', { hasText: 'Saved at' }).waitFor();
        expect((await t.admin.clients.getSettings(A)).maintenance_windows).toEqual([
          { days: ['fri', 'sat', 'sun'], start: '23:00', end: '05:30' },
        ]);
        await sp.close();
      },
      TIMEOUT,
    );

    it(
      'lists the history newest first, a page at a time from the GCC',
      async () => {
        const p = await browser.context.newPage();
        await p.goto(`${url}/history`);
        const h = p.locator('#history');
        const rows = h.locator('[part~="task"]');
        const versions = () => rows.locator('[part~="to-version"]').allTextContents();
        await rows.first().waitFor();
        expect(await h.locator('[part~="version"]').allTextContents()).toEqual(['sha1']);
        expect(await versions()).toEqual(['sha3', 'm2']);
        expect(await rows.first().locator('[part~="task-status"]').textContent()).toBe(
          'Waiting for approval',
        );
        expect(await h.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
        await shot(p, 'history-1.png', 'ct-history.png');

        await h.getByRole('button', { name: 'Older' }).click();
        await p.waitForFunction(
          () =>
            document
              .querySelector('#history')
              ?.shadowRoot?.querySelector('[part~="task"] [part~="to-version"]')?.textContent === '3.9.0',
          undefined,
          { timeout: WAIT },
        );
        expect(await versions()).toEqual(['3.9.0', 'sha2']);
        const rejected = rows.nth(1);
        expect(await rejected.locator('[part~="task-status"]').textContent()).toBe('Rejected');
        expect(await rejected.locator('[part~="task-message"]').textContent()).toBe(
          'Rejected: Change freeze.',
        );
        expect(await rejected.locator('[part~="from-version"]').textContent()).toBe('sha1');
        expect(await h.locator('[part~="page"]').textContent()).toMatch(/page 2/);

        await h.getByRole('button', { name: 'Older' }).click();
        await p.waitForFunction(
          () =>
            document.querySelector('#history')?.shadowRoot?.querySelectorAll('[part~="task"]').length === 1,
          undefined,
          { timeout: WAIT },
        );
        expect(await versions()).toEqual(['sha1']);
        expect(await rows.first().locator('[part~="task-status"]').textContent()).toBe('Installed');
        expect(await h.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
        // The pressed button is disabled now: focus moved to the history, not lost to <body>.
        expect(await focused(p)).toEqual(['history', 'history']);

        await h.getByRole('button', { name: 'Newer' }).click();
        await p.waitForFunction(
          () =>
            document.querySelector('#history')?.shadowRoot?.querySelectorAll('[part~="task"]').length === 2,
          undefined,
          { timeout: WAIT },
        );
        expect(await versions()).toEqual(['3.9.0', 'sha2']);

        // Filtered by the GCC: only the rejected update, on one page.
        await h.getByLabel('Show').selectOption({ label: 'Rejected' });
        await p.waitForFunction(
          () =>
            document.querySelector('#history')?.shadowRoot?.querySelectorAll('[part~="task"]').length === 1,
          undefined,
          { timeout: WAIT },
        );
        expect(await versions()).toEqual(['sha2']);
        expect(await h.locator('[part~="older-button"]').count()).toBe(0);
        await h.getByLabel('Show').selectOption({ label: 'Failed' });
        await h.locator('[part~="tasks-empty"]').waitFor();
        expect(await h.locator('[part~="tasks-empty"]').textContent()).toMatch(/No update is “Failed”/);
        await h.getByLabel('Show').selectOption({ label: 'All updates' });
        await p.waitForFunction(
          () =>
            document.querySelector('#history')?.shadowRoot?.querySelectorAll('[part~="task"]').length === 2,
          undefined,
          { timeout: WAIT },
        );
        expect(await versions()).toEqual(['sha3', 'm2']);
        await p.close();
      },
      TIMEOUT,
    );
  },
);
