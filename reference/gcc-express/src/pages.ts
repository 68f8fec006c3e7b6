import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

/**
 * The reference console: `GET /admin` (the admin console) and `GET /ct/<client-id>` (a client's CT page: pending
 * approvals with the approval dialog, update history, settings), built from `@wrktalk/ui`'s browser bundle served at
 * `/ui/wrktalk-ui.js`.
 *
 * The server never writes a token into a page: each page asks for one in a sign-in form (the admin token on
 * `/admin`, that client's approver token on `/ct/<id>`) and keeps it in the tab's `sessionStorage` until "Sign out".
 * Every page and script is same-origin and the Content-Security-Policy allows nothing else (no inline script or
 * style, no other origin), so a token in `sessionStorage` is only readable by these scripts.
 */

/** Options of {@link createConsoleRouter}. */
export interface ConsoleOptions {
  /**
   * Where the browser bundle comes from: a file (its `.map` next to it is served too) or its text.
   * @default `dist/browser/wrktalk-ui.js` of the installed `@wrktalk/ui` (built by `npm run build`)
   */
  bundle?: { path: string } | { text: string };
}

/**
 * The Content-Security-Policy of every console page: same-origin scripts, style sheets and calls only; no inline
 * script, `<style>` or `style="…"` attribute. (The elements style themselves through constructable style sheets, and
 * the admin console's progress bars get their widths through the CSSOM, `element.style`, which a CSP does not
 * govern.)
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A client id as the contract defines it (a DNS label). */
const CLIENT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The installed bundle's path, or `undefined` when `@wrktalk/ui` is missing. */
export function defaultBundlePath(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@wrktalk/ui/package.json');
    return join(dirname(pkg), 'dist', 'browser', 'wrktalk-ui.js');
  } catch {
    return undefined;
  }
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function pageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
}

function layout(opts: {
  title: string;
  page: 'ct' | 'admin' | 'none';
  clientId?: string;
  main: string;
}): string {
  const data = opts.page === 'none' ? '' : ` data-page="${opts.page}"`;
  const client = opts.clientId ? ` data-client-id="${escapeHtml(opts.clientId)}"` : '';
  const scripts =
    opts.page === 'none'
      ? ''
      : `
    <script type="module" src="/ui/wrktalk-ui.js"></script>
    <script type="module" src="/ui/console.js"></script>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(opts.title)}</title>
    <link rel="stylesheet" href="/ui/console.css" />${scripts}
  </head>
  <body${data}${client}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="bar">
      <span class="brand">WrkTalk updates</span>
      <div id="who" class="who" hidden>
        <span id="who-text"></span>
        <button type="button" id="sign-out">Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
${opts.main}
    </main>
  </body>
</html>
`;
}

function signInForm(kind: 'admin' | 'ct', clientId?: string): string {
  const label = kind === 'admin' ? 'Admin token' : 'Approver token';
  const help =
    kind === 'admin'
      ? 'The GCC admin token (<code>GCC_ADMIN_TOKEN</code>, or the one <code>wrktalk-gcc serve</code> printed).'
      : `An approver token of <code>${escapeHtml(clientId ?? '')}</code> (<code>wrktalk-gcc token issue --client ${escapeHtml(
          clientId ?? '',
        )} --role approver</code>).`;
  const actor = `
        <label for="actor">Your name or e-mail <span class="muted">(recorded with your ${
          kind === 'ct' ? 'decisions' : 'approvals'
        })</span></label>
        <input id="actor" name="actor" type="text" autocomplete="email" maxlength="200" />`;
  return `      <form id="sign-in" class="card" aria-labelledby="sign-in-title" aria-describedby="sign-in-help" hidden>
        <h2 id="sign-in-title">Sign in</h2>
        <p id="sign-in-help">${help} It is kept in this browser tab only, until you sign out.</p>
        <label for="token">${label}</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required
          aria-describedby="sign-in-error" />${actor}
        <p id="sign-in-error" class="form-error" role="alert"></p>
        <button type="submit" class="primary">Sign in</button>
      </form>
      <p id="no-script" class="card">Loading… (this page needs JavaScript)</p>`;
}

function ctPage(clientId: string): string {
  const id = escapeHtml(clientId);
  return layout({
    title: `Updates · ${clientId}`,
    page: 'ct',
    clientId,
    main: `      <h1>Updates for <code>${id}</code></h1>
${signInForm('ct', clientId)}
      <div id="console" hidden>
        <section aria-labelledby="h-pending">
          <h2 id="h-pending" tabindex="-1">Waiting for your approval</h2>
          <wrktalk-pending-approvals id="pending" client-id="${id}"></wrktalk-pending-approvals>
        </section>
        <section aria-labelledby="h-history">
          <h2 id="h-history">History</h2>
          <wrktalk-update-history id="history" client-id="${id}" page-size="10"></wrktalk-update-history>
        </section>
        <section aria-labelledby="h-settings">
          <h2 id="h-settings">Settings</h2>
          <wrktalk-client-settings id="settings" client-id="${id}"></wrktalk-client-settings>
        </section>
      </div>`,
  });
}

function adminPage(): string {
  return layout({
    title: 'WrkTalk admin console',
    page: 'admin',
    main: `      <h1 class="visually-hidden">Admin console</h1>
${signInForm('admin')}
      <div id="console" hidden>
        <wrktalk-admin-console id="admin"></wrktalk-admin-console>
      </div>`,
  });
}

function notFoundPage(what: string): string {
  return layout({
    title: 'Not found',
    page: 'none',
    main: `      <h1>Not found</h1>
      <div class="card">
        <p>${escapeHtml(what)}</p>
        <p>A CT page is at <code>/ct/&lt;client-id&gt;</code>, where the client id is a DNS label
        (lowercase letters, digits and <code>-</code>). The admin console is at <a href="/admin">/admin</a>.</p>
      </div>`,
  });
}

/**
 * The page script (same-origin, so the CSP allows it): the sign-in form, the token in `sessionStorage`, sign-out,
 * and handing the token to the elements as a property (never an attribute).
 */
export const CONSOLE_JS = `// WrkTalk reference console: sign-in, token in sessionStorage, elements wired to the GCC of this origin.
const body = document.body;
const page = body.dataset.page;
const clientId = body.dataset.clientId;
const key = page === 'admin' ? 'wrktalk.admin.token' : 'wrktalk.ct.' + clientId + '.token';
const actorKey = page === 'admin' ? 'wrktalk.admin.actor' : 'wrktalk.ct.actor';
const form = document.getElementById('sign-in');
const tokenInput = document.getElementById('token');
const actorInput = document.getElementById('actor');
const errorLine = document.getElementById('sign-in-error');
const consoleBox = document.getElementById('console');
const who = document.getElementById('who');
const whoText = document.getElementById('who-text');
document.getElementById('no-script')?.remove();

const tags = page === 'admin' ? ['wrktalk-admin-console'] : ['wrktalk-pending-approvals', 'wrktalk-update-history', 'wrktalk-client-settings'];

function missing() {
  return tags.filter((t) => !customElements.get(t));
}

function showSignIn(message) {
  consoleBox.hidden = true;
  who.hidden = true;
  form.hidden = false;
  errorLine.textContent = message || '';
  tokenInput.setAttribute('aria-invalid', message ? 'true' : 'false');
  tokenInput.value = '';
  if (actorInput) actorInput.value = sessionStorage.getItem(actorKey) || '';
  tokenInput.focus();
}

function showConsole(token, focus) {
  const gone = missing();
  if (gone.length) {
    form.hidden = true;
    consoleBox.hidden = false;
    consoleBox.textContent = 'This server has no ' + gone.join(', ') + ' (the @wrktalk/ui bundle is missing or older): run npm run build.';
    consoleBox.setAttribute('role', 'alert');
    return;
  }
  const actor = sessionStorage.getItem(actorKey) || '';
  for (const el of consoleBox.querySelectorAll(tags.join(','))) {
    if (actor && 'actor' in el) el.actor = actor;
    el.token = token;
    el.baseUrl = location.origin;
  }
  form.hidden = true;
  consoleBox.hidden = false;
  who.hidden = false;
  whoText.textContent = 'Signed in' + (actor ? ' as ' + actor : '') + (page === 'admin' ? ' (admin)' : ' for ' + clientId);
  if (focus) (document.getElementById('h-pending') || document.getElementById('main')).focus();
}

/** Asks the GCC whether the token is accepted here; answers an error message, or '' when it may be used. */
async function check(token) {
  const url = page === 'admin' ? '/api/v1/clients?limit=1' : '/api/v1/clients/' + encodeURIComponent(clientId);
  let res;
  try {
    res = await fetch(url, { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } });
  } catch (e) {
    return 'The GCC could not be reached: ' + e.message;
  }
  if (res.status === 401) return 'The GCC did not accept this token.';
  if (res.status === 403) return page === 'admin' ? 'This is not an admin token.' : 'This token may not act for this client.';
  if (res.status === 429) return 'Too many failed sign-ins from here: wait a minute and try again.';
  // 404 too: an approver token of another client sees "Not found" in the page itself, as the GCC answers.
  return '';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return showSignIn('Enter a token.');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  errorLine.textContent = '';
  const problem = await check(token);
  button.disabled = false;
  if (problem) return showSignIn(problem);
  sessionStorage.setItem(key, token);
  if (actorInput) {
    const actor = actorInput.value.trim();
    if (actor) sessionStorage.setItem(actorKey, actor);
    else sessionStorage.removeItem(actorKey);
  }
  showConsole(token, true);
});

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(key);
  // A fresh page drops every element's state along with the token.
  location.reload();
});

// A decision in the list shows up in the history at once.
document.addEventListener('wrktalk-decided', () => document.getElementById('history')?.refresh?.());

const saved = sessionStorage.getItem(key);
if (saved) showConsole(saved, false);
else showSignIn('');
`;

/** The console's look (a file, so the CSP needs no inline style). */
export const CONSOLE_CSS = `:root {
  color-scheme: light;
  --wrktalk-color-accent: #0b5cad;
  --wrktalk-color-focus: #0b5cad;
  --wrktalk-radius: 8px;
  font-family: system-ui, sans-serif;
  color: #1d2330;
  background: #f5f6f8;
}
body { margin: 0; }
.bar { display: flex; justify-content: space-between; align-items: center; padding: 0.6rem 1.5rem;
  background: #13233f; color: #fff; }
.brand { font-weight: 700; letter-spacing: 0.02em; }
.who { display: flex; gap: 0.8rem; align-items: center; }
main { max-width: 64rem; margin: 1.5rem auto; padding: 0 1.5rem; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin: 1.8rem 0 0.6rem; }
h2:focus { outline: none; }
.card { background: #fff; border: 1px solid #c9ced8; border-radius: 8px; padding: 1rem 1.25rem; max-width: 36rem; }
form.card { display: grid; gap: 0.4rem; }
form.card h2 { margin-top: 0; }
label { font-weight: 600; margin-top: 0.4rem; }
input { font: inherit; padding: 0.4em; border: 1px solid #c9ced8; border-radius: 6px; }
button { font: inherit; padding: 0.35em 0.9em; border-radius: 6px; border: 1px solid #c9ced8; background: #fff; cursor: pointer; }
button.primary { background: #0b5cad; border-color: #0b5cad; color: #fff; justify-self: start; }
.bar button { background: transparent; color: #fff; border-color: #8593ad; }
:focus-visible { outline: 2px solid #0b5cad; outline-offset: 2px; }
.bar :focus-visible { outline-color: #fff; }
.form-error { color: #b42318; margin: 0.2rem 0; min-height: 1.2em; }
.muted { color: #5b6475; font-weight: 400; }
code { font-family: ui-monospace, monospace; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 0.5rem; background: #fff; padding: 0.3rem 0.6rem; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
`;

/**
 * The console's routes. Mount after the GCC router (it answers `/api/v1`) and before the app's not-found handler:
 * `GET /admin`, `GET /ct/<client-id>` (a malformed id, or any other path under `/ct`, is a 404 page), and
 * `/ui/wrktalk-ui.js`, `/ui/console.js`, `/ui/console.css`.
 */
export function createConsoleRouter(options: ConsoleOptions = {}): Router {
  const router = express.Router();
  const source = options.bundle ?? { path: defaultBundlePath() ?? '' };

  const script = (text: string, type: string) => (_req: Request, res: Response) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
    res.type(type).send(text);
  };
  router.get('/ui/console.js', script(CONSOLE_JS, 'text/javascript'));
  router.get('/ui/console.css', script(CONSOLE_CSS, 'text/css'));
  if ('text' in source) {
    router.get('/ui/wrktalk-ui.js', script(source.text, 'text/javascript'));
  } else {
    router.get(['/ui/wrktalk-ui.js', '/ui/wrktalk-ui.js.map'], (req, res) => {
      const file = req.path.endsWith('.map') ? `${source.path}.map` : source.path;
      if (!source.path || !existsSync(file)) {
        res
          .status(404)
          .type('text/plain')
          .send('The @wrktalk/ui browser bundle is not built: run `npm run build` at the repository root.\n');
        return;
      }
      res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
      res.sendFile(file);
    });
  }

  router.get('/admin', (_req, res) => {
    pageHeaders(res);
    res.type('html').send(adminPage());
  });

  // Parsed by hand from the raw path (no percent-decoding, which throws on `%zz`): a valid id never needs it.
  router.use('/ct', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const m = /^\/([^/]+)\/?$/.exec(req.path);
    const id = m?.[1];
    pageHeaders(res);
    if (id !== undefined && CLIENT_ID.test(id)) {
      res.type('html').send(ctPage(id));
      return;
    }
    res
      .status(404)
      .type('html')
      .send(
        notFoundPage(
          id === undefined
            ? 'There is no page here.'
            : 'That is not a client id, so there is no CT page for it.',
        ),
      );
  });
  return router;
}
