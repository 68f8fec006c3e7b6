import type { PendingApproval } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import type { WrktalkApprovalDialog } from './approval-dialog';
import { errorView } from './error-view';
import { type ShownError, shownError } from './errors';
import {
  type ComponentChange,
  componentChanges,
  deadlineText,
  fromText,
  pageLimit,
  releaseNotes,
  setApprovalText,
} from './format';
import { GccElement } from './gcc-element';
import { baseStyles } from './styles';

/** Detail of the `wrktalk-loaded` event. */
export interface LoadedDetail {
  clientId: string;
  /** Approvals shown so far (all pages loaded). */
  count: number;
  /** Whether "Load more" would fetch another page. */
  hasMore: boolean;
}

/** Parts of the nested dialog re-exported by the list, so a host styles them through the list element. */
const DIALOG_PARTS =
  'dialog, title, notes, deadline, set-note: dialog-set-note, changes: dialog-changes, change: dialog-change, by-input, approve-button, schedule-input, schedule-button, reason-input, reject-button, cancel-button, error: dialog-error';

/**
 * `<wrktalk-pending-approvals client-id base-url token actor page-size>`: the updates waiting for this client's
 * decision (oldest first), a page at a time, each opening `<wrktalk-approval-dialog>`. Refreshes after a decision.
 * Fires `wrktalk-loaded` ({@link LoadedDetail}) after each successful load and `wrktalk-decided` from the dialog.
 */
export class WrktalkPendingApprovals extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    actor: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    items: { state: true },
    nextCursor: { state: true },
    currentVersions: { state: true },
    status: { state: true },
    error: { state: true },
    moreError: { state: true },
    loadingMore: { state: true },
  };

  static override styles = [
    baseStyles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      ul.items {
        display: grid;
        gap: var(--wrktalk-spacing, 12px);
      }
      ul.items > li {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.25em 1em;
        align-items: start;
        padding: var(--wrktalk-spacing, 12px);
        background: var(--wrktalk-color-surface, #fff);
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
      }
      ul.items > li > button {
        grid-column: 2;
        grid-row: 1 / span 4;
        align-self: center;
      }
      ul.items > li.set > button {
        grid-row: 1 / span 5;
      }
      ul.items > li > :not(button) {
        grid-column: 1;
      }
      ul.changes {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.15em 1em;
        margin: 0.2em 0;
      }
      ul.changes > li {
        display: contents;
      }
      .set-note {
        margin: 0;
      }
      .component {
        font-weight: 600;
      }
      .notes {
        margin: 0;
        white-space: pre-wrap;
      }
      .more {
        margin-top: var(--wrktalk-spacing, 12px);
      }
      [tabindex='-1']:focus {
        outline: none;
      }
    `,
  ];

  /** Passed to the dialog as the default "approved by" (the person using the CT). */
  declare actor: string | undefined;
  /** Approvals per page (1–200). @default 20 */
  declare pageSize: number;
  declare protected items: PendingApproval[];
  declare protected nextCursor: string | null;
  declare protected currentVersions: Record<string, string> | undefined;
  declare protected status: 'idle' | 'loading' | 'ready' | 'error';
  declare protected error: ShownError | undefined;
  declare protected moreError: ShownError | undefined;
  declare protected loadingMore: boolean;

  /** Bumped on every (re)load, so a slow answer for an old client id or token is dropped. */
  #generation = 0;

  constructor() {
    super();
    this.pageSize = 20;
    this.items = [];
    this.nextCursor = null;
    this.status = 'idle';
    this.loadingMore = false;
  }

  protected override updated(changed: PropertyValues): void {
    if (GccElement.connectionChanged(changed) || changed.has('pageSize')) void this.refresh();
  }

  /** Reloads the first page (and the client's current versions, for "from"). */
  async refresh(): Promise<void> {
    const client = this.gccClient();
    const clientId = this.clientId;
    if (!client || !clientId) return;
    const gen = ++this.#generation;
    this.status = this.items.length ? this.status : 'loading';
    this.moreError = undefined;
    const [page, me] = await Promise.allSettled([
      client.approvals.listPending(clientId, { limit: this.#limit() }),
      // The approver may read its own client; when it cannot (a narrower proxy), "from" is just left out.
      client.clients.get(clientId),
    ]);
    if (gen !== this.#generation) return;
    if (page.status === 'rejected') {
      this.items = [];
      this.nextCursor = null;
      this.currentVersions = undefined;
      this.error = shownError(page.reason);
      this.status = 'error';
      this.#emit('wrktalk-error', this.error);
      return;
    }
    this.items = page.value.items;
    this.nextCursor = page.value.next_cursor;
    this.currentVersions = me.status === 'fulfilled' ? me.value.current_versions : undefined;
    this.error = undefined;
    this.status = 'ready';
    await this.updateComplete;
    this.#loaded();
  }

  /** Loads the next page, if there is one. */
  async loadMore(): Promise<void> {
    const client = this.gccClient();
    const clientId = this.clientId;
    const cursor = this.nextCursor;
    if (!client || !clientId || !cursor || this.loadingMore) return;
    const gen = this.#generation;
    this.loadingMore = true;
    this.moreError = undefined;
    try {
      const page = await client.approvals.listPending(clientId, { cursor, limit: this.#limit() });
      if (gen !== this.#generation) return;
      const seen = new Set(this.items.map((i) => i.task_id));
      this.items = [...this.items, ...page.items.filter((i) => !seen.has(i.task_id))];
      this.nextCursor = page.next_cursor;
    } catch (error) {
      if (gen === this.#generation) this.moreError = shownError(error);
    } finally {
      this.loadingMore = false;
    }
    await this.updateComplete;
    this.#loaded();
  }

  #limit(): number {
    return pageLimit(this.pageSize, 200, 20);
  }

  #loaded() {
    const detail: LoadedDetail = {
      clientId: this.clientId!,
      count: this.items.length,
      hasMore: this.nextCursor !== null,
    };
    this.#emit('wrktalk-loaded', detail);
  }

  #emit(type: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #review(approval: PendingApproval, opener: HTMLElement) {
    const dialog = this.renderRoot.querySelector<WrktalkApprovalDialog>('wrktalk-approval-dialog');
    void dialog?.show(approval, {
      ...(this.currentVersions ? { currentVersions: this.currentVersions } : {}),
      opener,
    });
  }

  #onDecided = async () => {
    await this.refresh();
    // The opener (this item's button) is gone: keep focus in the list rather than losing it to <body>.
    if (!(this.renderRoot as ShadowRoot).activeElement)
      this.renderRoot.querySelector<HTMLElement>('#list')?.focus();
  };

  override render() {
    return html`<section id="list" part="container" tabindex="-1" aria-busy=${this.status === 'loading'}>
        ${this.#body()}
      </section>
      <wrktalk-approval-dialog
        exportparts=${DIALOG_PARTS}
        .gcc=${this.gccClient()}
        client-id=${this.clientId ?? ''}
        .actor=${this.actor}
        @wrktalk-decided=${this.#onDecided}
      ></wrktalk-approval-dialog>`;
  }

  #body() {
    switch (this.status) {
      case 'idle':
      case 'loading':
        return html`<p class="state muted" part="loading" role="status">Loading pending updates…</p>`;
      case 'error':
        return errorView(this.error!, () => this.refresh());
      case 'ready':
        if (this.items.length === 0)
          return html`<p class="state muted" part="empty" role="status">No updates are waiting for your approval.</p>`;
        return html`<ul class="items" part="list" aria-label="Updates waiting for approval">
            ${this.items.map((a) => this.#item(a))}
          </ul>
          ${
            this.nextCursor
              ? html`<div class="more">
                <button part="load-more" ?disabled=${this.loadingMore} @click=${() => this.loadMore()}>
                  ${this.loadingMore ? 'Loading…' : 'Load more'}
                </button>
              </div>`
              : nothing
          }
          ${this.moreError ? html`<p class="error" part="error" role="alert">${this.moreError.message}</p>` : nothing}`;
    }
  }

  #item(a: PendingApproval) {
    const changes = componentChanges(a, this.currentVersions);
    if (changes.length > 1) return this.#setItem(a, changes);
    const c = changes[0]!;
    const notes = releaseNotes(a.release_metadata);
    return html`<li part="item" data-task-id=${a.task_id}>
      <span class="component" part="component">${a.component}</span>
      <span part="versions"
        >${c.from ? html`<code part="from-version">${c.from}</code> → ` : html`<span class="muted">new version</span> `}<code
          part="to-version"
          >${c.to}</code
        ></span
      >
      ${notes ? html`<p class="notes" part="notes">${notes}</p>` : nothing}
      <span class="muted" part="deadline">${deadlineText(a.deadline, a.on_deadline)}</span>
      ${this.#reviewButton(a, `${a.component} ${c.to}`)}
    </li>`;
  }

  /** A release set: one line per component, from → to, and that one approval covers them all. */
  #setItem(a: PendingApproval, changes: ComponentChange[]) {
    const notes = releaseNotes(a.release_metadata);
    return html`<li class="set" part="item set" data-task-id=${a.task_id} data-components=${changes.length}>
      <span class="component" part="set-title">Release set · ${changes.length} components</span>
      <ul class="changes" part="changes" aria-label="Components in this update">
        ${changes.map(
          (c) => html`<li part="change" data-component=${c.component}>
            <span class="change-component" part="component">${c.component}</span>
            <span part="versions"
              >${
                c.from
                  ? html`<code part="from-version">${c.from}</code>`
                  : html`<span class="muted" part="from-missing">${fromText(c.from, this.currentVersions)}</span>`
              }
              → <code part="to-version">${c.to}</code></span
            >
          </li>`,
        )}
      </ul>
      <p class="muted set-note" part="set-note">${setApprovalText(changes)}</p>
      ${notes ? html`<p class="notes" part="notes">${notes}</p>` : nothing}
      <span class="muted" part="deadline">${deadlineText(a.deadline, a.on_deadline)}</span>
      ${this.#reviewButton(a, `release set: ${changes.map((c) => `${c.component} ${c.to}`).join(', ')}`)}
    </li>`;
  }

  #reviewButton(a: PendingApproval, what: string) {
    return html`<button
      class="primary"
      part="review-button"
      aria-haspopup="dialog"
      @click=${(e: Event) => this.#review(a, e.currentTarget as HTMLElement)}
    >
      Review <span class="visually-hidden">${what}</span>
    </button>`;
  }
}
