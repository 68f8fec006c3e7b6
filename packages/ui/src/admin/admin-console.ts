import { css, html, type PropertyDeclarations } from 'lit';
import { GccElement } from '../gcc-element';
import { baseStyles } from '../styles';
import { type AdminRoute, parseRoute, routeHash, routeSection } from './format';
import type { DeploymentCreatedDetail } from './new-deployment';
import type { ReleaseSelectDetail } from './releases';
import { adminStyles } from './styles';

const NAV: { section: ReturnType<typeof routeSection>; label: string; route: AdminRoute }[] = [
  { section: 'deployments', label: 'Deployments', route: { page: 'deployments' } },
  { section: 'new', label: 'New deployment', route: { page: 'new' } },
  { section: 'releases', label: 'Releases', route: { page: 'releases' } },
  { section: 'clients', label: 'Clients', route: { page: 'clients' } },
  { section: 'policies', label: 'Auto-approve policies', route: { page: 'policies' } },
];

/**
 * `<wrktalk-admin-console base-url token actor>`: the whole admin flow in one element, routed by `location.hash`
 * (`#/deployments`, `#/deployments/<id>`, `#/new`, `#/new?release=<id>`, `#/releases`, `#/clients`,
 * `#/policies`), with a nav marking the current page (`aria-current="page"`). Its connection (`base-url` + `token`,
 * `fetch`, or `gcc`) is handed to the page shown. Choosing a release opens the new-deployment form with it; a
 * created deployment opens its detail.
 */
export class WrktalkAdminConsole extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    actor: { type: String },
    route: { state: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      nav.main ul {
        list-style: none;
        display: flex;
        flex-wrap: wrap;
        gap: 0.25em;
        margin: 0 0 calc(1.5 * var(--wrktalk-spacing, 12px));
        padding: 0 0 0.5em;
        border-bottom: 1px solid var(--wrktalk-color-border, #c9ced8);
      }
      nav.main a {
        display: inline-block;
        padding: 0.35em 0.8em;
        border-radius: var(--wrktalk-radius, 6px);
        text-decoration: none;
        color: inherit;
      }
      nav.main a[aria-current='page'] {
        background: var(--wrktalk-color-accent, #2457d6);
        color: var(--wrktalk-color-accent-text, #fff);
      }
      main:focus {
        outline: none;
      }
    `,
  ];

  /** The signed-in admin (default "approved by" of a force-approve). */
  declare actor: string | undefined;
  declare protected route: AdminRoute;

  constructor() {
    super();
    this.route = parseRoute(typeof location === 'undefined' ? '' : location.hash);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#onHash);
    this.route = parseRoute(location.hash);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHash);
  }

  /** Shows a page (sets `location.hash`, so Back works). */
  navigate(route: AdminRoute): void {
    const hash = routeHash(route);
    if (location.hash === hash) this.route = route;
    else location.hash = hash;
  }

  #onHash = async () => {
    this.route = parseRoute(location.hash);
    await this.updateComplete;
    // A new page: move focus to it, as a page load would (a screen reader then reads its heading).
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  };

  override render() {
    const section = routeSection(this.route);
    return html`<nav class="main" part="nav" aria-label="Admin console">
        <ul>
          ${NAV.map(
            (n) =>
              html`<li>
                <a
                  href=${routeHash(n.route)}
                  part="nav-link"
                  aria-current=${section === n.section ? 'page' : 'false'}
                  >${n.label}</a
                >
              </li>`,
          )}
        </ul>
      </nav>
      <main id="main" tabindex="-1" part="main">${this.#page()}</main>`;
  }

  #page() {
    const gcc = this.gccClient();
    const r = this.route;
    switch (r.page) {
      case 'deployments':
        return html`<wrktalk-deployments part="page" .gcc=${gcc}></wrktalk-deployments>`;
      case 'deployment':
        return html`<wrktalk-deployment-detail
          part="page"
          .gcc=${gcc}
          .actor=${this.actor}
          deployment-id=${r.id}
        ></wrktalk-deployment-detail>`;
      case 'new':
        return html`<wrktalk-new-deployment
          part="page"
          .gcc=${gcc}
          .releaseId=${r.releaseId}
          @wrktalk-deployment-created=${(e: CustomEvent<DeploymentCreatedDetail>) =>
            this.navigate({ page: 'deployment', id: e.detail.deployment.id })}
        ></wrktalk-new-deployment>`;
      case 'releases':
        return html`<wrktalk-releases
          part="page"
          .gcc=${gcc}
          @wrktalk-release-select=${(e: CustomEvent<ReleaseSelectDetail>) =>
            this.navigate({ page: 'new', releaseId: e.detail.release.id })}
        ></wrktalk-releases>`;
      case 'clients':
        return html`<wrktalk-clients part="page" .gcc=${gcc}></wrktalk-clients>`;
      case 'policies':
        return html`<wrktalk-auto-approve-policies part="page" .gcc=${gcc}></wrktalk-auto-approve-policies>`;
    }
  }
}
