import type { Client, GccClient, Page } from '@wrktalk/sdk-gcc';
import { css, html, type PropertyDeclarations } from 'lit';
import { baseStyles } from '../styles';
import { labelsText, relativeTime, versionsText } from './format';
import { PagedListElement } from './paged-list';
import { adminStyles } from './styles';

/**
 * `<wrktalk-clients base-url token selector page-size>`: the registered clients ordered by id, one server page at a
 * time, optionally filtered by a Kubernetes label selector (the GCC parses it: a selector that does not parse shows
 * the GCC's `invalid_selector` problem). Shows labels, target, when the agent was last seen, its version and the
 * versions the client runs.
 */
export class WrktalkClients extends PagedListElement<Client> {
  static override properties: PropertyDeclarations = {
    ...PagedListElement.properties,
    selector: { type: String, reflect: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      input[name='selector'] {
        min-width: 22em;
      }
    `,
  ];

  /** Kubernetes label selector (`tier=premium,region in (eu,us)`); empty for every client. */
  declare selector: string | undefined;

  protected override filterProperties() {
    return ['selector'];
  }

  protected override fetchPage(
    gcc: GccClient,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<Client>> {
    return gcc.clients.list({ ...(this.selector ? { selector: this.selector } : {}), cursor, limit });
  }

  #onFilter = (e: Event) => {
    e.preventDefault();
    const value = new FormData(e.target as HTMLFormElement).get('selector');
    const next = typeof value === 'string' && value.trim() ? value.trim() : undefined;
    if (next === this.selector) void this.refresh();
    else this.selector = next;
  };

  override render() {
    const now = new Date();
    return html`<section part="container" aria-labelledby="heading">
      <h2 id="heading" part="heading">Clients</h2>
      <form class="filters" part="filters" role="search" aria-label="Filter clients" @submit=${this.#onFilter}>
        <label
          >Label selector
          <input
            name="selector"
            part="selector-input"
            .value=${this.selector ?? ''}
            placeholder="tier=premium,region in (eu,us)"
            maxlength="1024"
            aria-describedby="selector-help"
            autocomplete="off"
            spellcheck="false"
          />
        </label>
        <button type="submit" part="filter-button">Filter</button>
        <span id="selector-help" class="muted">Kubernetes syntax: =, !=, in, notin, key, !key</span>
      </form>
      ${this.renderState(this.selector ? 'No client matches this selector.' : 'No clients yet.') ?? this.#table(now)}
      ${this.renderPager('Clients')}
    </section>`;
  }

  #table(now: Date) {
    return html`<table part="table">
      <caption class="visually-hidden">
        Clients${this.selector ? ` matching ${this.selector}` : ''}, by id
      </caption>
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Labels</th>
          <th scope="col">Target</th>
          <th scope="col">Last seen</th>
          <th scope="col">Agent</th>
          <th scope="col">Running</th>
        </tr>
      </thead>
      <tbody>
        ${this.items.map(
          (c) => html`<tr part="row" data-client-id=${c.id}>
            <th scope="row"><code>${c.id}</code><div class="muted">${c.name}</div></th>
            <td part="labels"><code>${labelsText(c.labels)}</code></td>
            <td>${c.target_kind}${c.argocd_instance ? html`<div class="muted">${c.argocd_instance}</div>` : ''}</td>
            <td part="last-seen">
              ${
                c.last_seen_at
                  ? html`<time datetime=${c.last_seen_at} title=${new Date(c.last_seen_at).toLocaleString()}
                      >${relativeTime(c.last_seen_at, now)}</time
                    >`
                  : html`<span class="muted">never</span>`
              }
            </td>
            <td part="agent-version">${c.agent_version ?? html`<span class="muted">unknown</span>`}</td>
            <td part="versions">${versionsText(c.current_versions)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}
