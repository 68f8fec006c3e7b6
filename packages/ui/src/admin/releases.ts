import type { GccClient, Page, Release } from '@wrktalk/sdk-gcc';
import { css, html, type PropertyDeclarations } from 'lit';
import { releaseNotes } from '../format';
import { baseStyles } from '../styles';
import { emit } from './dom';
import { PagedListElement } from './paged-list';
import { adminStyles } from './styles';

/** Detail of `wrktalk-release-select`. */
export interface ReleaseSelectDetail {
  release: Release;
}

/** Name of the event fired when the admin picks a release ("Deploy…"). */
export const RELEASE_SELECT_EVENT = 'wrktalk-release-select';

/**
 * `<wrktalk-releases base-url token component page-size>`: the releases CI recorded, newest first, one server page
 * at a time, optionally for one component. "Deploy…" on a row fires `wrktalk-release-select`
 * ({@link ReleaseSelectDetail}).
 */
export class WrktalkReleases extends PagedListElement<Release> {
  static override properties: PropertyDeclarations = {
    ...PagedListElement.properties,
    component: { type: String, reflect: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      .notes {
        max-width: 28em;
        white-space: pre-wrap;
      }
    `,
  ];

  /** Only releases of this component (`backend`, `media`, `ct`, …); empty for all. */
  declare component: string | undefined;

  protected override filterProperties() {
    return ['component'];
  }

  protected override fetchPage(
    gcc: GccClient,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<Release>> {
    return gcc.releases.list({ ...(this.component ? { component: this.component } : {}), cursor, limit });
  }

  #onFilter = (e: Event) => {
    e.preventDefault();
    const value = new FormData(e.target as HTMLFormElement).get('component');
    this.component = typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };

  override render() {
    return html`<section part="container" aria-labelledby="heading">
      <h2 id="heading" part="heading">Releases</h2>
      <form class="filters" part="filters" role="search" aria-label="Filter releases" @submit=${this.#onFilter}>
        <label
          >Component
          <input
            name="component"
            part="component-input"
            list="components"
            .value=${this.component ?? ''}
            placeholder="all"
            pattern="[a-z][a-z0-9\\-]{0,31}"
          />
        </label>
        <datalist id="components">
          <option value="backend"></option>
          <option value="media"></option>
          <option value="ct"></option>
        </datalist>
        <button type="submit" part="filter-button">Filter</button>
      </form>
      ${this.renderState(this.component ? `No ${this.component} releases.` : 'No releases yet.') ?? this.#table()}
      ${this.renderPager('Releases')}
    </section>`;
  }

  #table() {
    return html`<table part="table">
      <caption class="visually-hidden">
        Releases${this.component ? ` of ${this.component}` : ''}, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Component</th>
          <th scope="col">Version</th>
          <th scope="col">Notes</th>
          <th scope="col">Recorded</th>
          <th scope="col">By</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${this.items.map(
          (r) => html`<tr part="row" data-release-id=${r.id}>
            <td part="component">${r.component}</td>
            <th scope="row" part="version"><code>${r.version}</code></th>
            <td class="notes" part="notes">${releaseNotes(r.metadata) ?? ''}</td>
            <td><time datetime=${r.created_at}>${new Date(r.created_at).toLocaleString()}</time></td>
            <td>${r.created_by}</td>
            <td>
              <button
                part="select-button"
                @click=${() => emit(this, RELEASE_SELECT_EVENT, { release: r } satisfies ReleaseSelectDetail)}
              >
                Deploy… <span class="visually-hidden">${r.component} ${r.version}</span>
              </button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}
