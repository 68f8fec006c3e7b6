import type { GccClient, Page } from '@wrktalk/sdk-gcc';
import { html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { errorView } from '../error-view';
import { type ShownError, shownError } from '../errors';
import { pageLimit } from '../format';
import { GccElement } from '../gcc-element';
import { emit } from './dom';
import { FIRST_PAGE, type Pager, pagerCursor, pagerLoaded, pagerNext, pagerPrev, pagerText } from './format';

/** Detail of the admin lists' `wrktalk-loaded` event. */
export interface PageLoadedDetail {
  /** Items on the page shown. */
  count: number;
  /** 0-based index of the page shown. */
  page: number;
  /** Whether "Next" would load another page. */
  hasMore: boolean;
}

/**
 * Base of the admin lists: one server page at a time (cursor pagination, Previous / Next), never the whole
 * collection (there are 100,000 clients). A subclass says how to fetch a page and which of its properties are
 * filters; changing a filter goes back to the first page.
 */
export abstract class PagedListElement<T> extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    pager: { state: true },
    status: { state: true },
    error: { state: true },
  };

  /** Items per page (1–500). @default 20 */
  declare pageSize: number;
  declare protected items: T[];
  declare protected pager: Pager;
  declare protected status: 'idle' | 'loading' | 'ready' | 'error';
  declare protected error: ShownError | undefined;

  /** Bumped on every load, so an answer for an old filter or page is dropped. */
  #generation = 0;

  constructor() {
    super();
    this.pageSize = 20;
    this.items = [];
    this.pager = FIRST_PAGE;
    this.status = 'idle';
  }

  /** Fetches one page. */
  protected abstract fetchPage(gcc: GccClient, cursor: string | undefined, limit: number): Promise<Page<T>>;

  /** Names of the subclass's properties that filter the list. */
  protected filterProperties(): readonly string[] {
    return [];
  }

  protected override updated(changed: PropertyValues): void {
    if (
      GccElement.connectionChanged(changed) ||
      changed.has('pageSize') ||
      this.filterProperties().some((p) => changed.has(p))
    ) {
      this.pager = FIRST_PAGE;
      void this.refresh();
    }
  }

  /** Reloads the page shown. */
  async refresh(): Promise<void> {
    const gcc = this.gccClient();
    if (!gcc) return;
    const gen = ++this.#generation;
    if (this.status !== 'ready') this.status = 'loading';
    try {
      const page = await this.fetchPage(gcc, pagerCursor(this.pager), this.limit());
      if (gen !== this.#generation) return;
      this.items = page.items;
      this.pager = pagerLoaded(this.pager, page.next_cursor);
      this.error = undefined;
      this.status = 'ready';
    } catch (error) {
      if (gen !== this.#generation) return;
      this.items = [];
      this.error = shownError(error);
      this.status = 'error';
      emit(this, 'wrktalk-error', this.error);
      return;
    }
    await this.updateComplete;
    const detail: PageLoadedDetail = {
      count: this.items.length,
      page: this.pager.index,
      hasMore: this.pager.next !== null,
    };
    emit(this, 'wrktalk-loaded', detail);
  }

  /** Shows the next page, if there is one. */
  async nextPage(): Promise<void> {
    if (this.pager.next === null) return;
    this.pager = pagerNext(this.pager);
    await this.refresh();
  }

  /** Shows the previous page, if there is one. */
  async previousPage(): Promise<void> {
    if (this.pager.index === 0) return;
    this.pager = pagerPrev(this.pager);
    await this.refresh();
  }

  protected limit(): number {
    return pageLimit(this.pageSize, 500, 20);
  }

  /** Loading, error and empty states; `undefined` when there are items to show. */
  protected renderState(empty: string): TemplateResult | undefined {
    switch (this.status) {
      case 'idle':
      case 'loading':
        return html`<p class="state muted" part="loading">Loading…</p>`;
      case 'error':
        return errorView(this.error!, () => this.refresh());
      default:
        return this.items.length === 0 ? html`<p class="state muted" part="empty">${empty}</p>` : undefined;
    }
  }

  /** Previous / Next with the page number (a live region, so a screen reader hears the page change). */
  protected renderPager(what: string) {
    if (this.status !== 'ready') return nothing;
    return pagerNav(this.pager, {
      part: 'pager',
      label: `${what} pages`,
      onPrevious: () => this.previousPage(),
      onNext: () => this.nextPage(),
    });
  }
}

/**
 * Previous / Next of a list shown a server page at a time, with the page number in a live region (a screen reader
 * hears the page change); nothing when there is one page only.
 */
export function pagerNav(
  p: Pager,
  o: { part: string; label: string; onPrevious: () => unknown; onNext: () => unknown },
): TemplateResult | typeof nothing {
  if (p.index === 0 && p.next === null) return nothing;
  return html`<nav class="pager" part=${o.part} aria-label=${o.label}>
    <button part="previous-page" ?disabled=${p.index === 0} @click=${() => o.onPrevious()}>Previous</button>
    <span role="status" part="page-number">${pagerText(p)}</span>
    <button part="next-page" ?disabled=${p.next === null} @click=${() => o.onNext()}>Next</button>
  </nav>`;
}
