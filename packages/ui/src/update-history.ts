import type { Client, Task } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { errorView } from './error-view';
import { type ShownError, shownError } from './errors';
import {
  componentChanges,
  fromText,
  pageLimit,
  TASK_STATUS_TEXT,
  taskMessage,
  taskStatusText,
} from './format';
import { GccElement } from './gcc-element';
import { baseStyles } from './styles';

/** Detail of the history's `wrktalk-loaded` event. */
export interface HistoryLoadedDetail {
  clientId: string;
  /** 1-based page of the task history shown. */
  page: number;
  /** Tasks on this page. */
  count: number;
  /** Whether there are older tasks. */
  hasMore: boolean;
}

/**
 * `<wrktalk-update-history client-id base-url token page-size task-status>`: what the client runs now
 * (`clients.get` → `current_versions`, the agent's version and when it last called) and its past and current updates
 * (`clients.listTasks`, newest first, a page at a time from the GCC: "Older" / "Newer", optionally only one status):
 * status, component, from → to, when, and the reason or the agent's last message. Fires `wrktalk-loaded` ({@link HistoryLoadedDetail})
 * and `wrktalk-error`.
 */
export class WrktalkUpdateHistory extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    pageSize: { type: Number, attribute: 'page-size' },
    taskStatus: { type: String, attribute: 'task-status' },
    client: { state: true },
    error: { state: true },
    tasks: { state: true },
    tasksError: { state: true },
    nextCursor: { state: true },
    pageIndex: { state: true },
    loadingTasks: { state: true },
  };

  static override styles = [
    baseStyles,
    css`
      table {
        border-collapse: collapse;
        width: 100%;
      }
      caption {
        text-align: left;
        font-weight: 600;
        padding: 0.4em 0;
      }
      th,
      td {
        text-align: left;
        padding: 0.35em 0.6em;
        border-bottom: 1px solid var(--wrktalk-color-border, #c9ced8);
        vertical-align: top;
      }
      .status {
        white-space: nowrap;
        font-weight: 600;
      }
      .status[data-status='failed'],
      .status[data-status='timed_out'],
      .status[data-status='rejected'],
      .status[data-status='rolled_back'] {
        color: var(--wrktalk-color-danger, #b42318);
      }
      .line {
        white-space: nowrap;
      }
      .pager {
        display: flex;
        gap: 0.5em;
        align-items: center;
        margin-top: 0.5em;
      }
      section + section {
        margin-top: calc(1.5 * var(--wrktalk-spacing, 12px));
      }
      [tabindex='-1']:focus {
        outline: none;
      }
      .filter {
        display: flex;
        gap: 0.5em;
        align-items: center;
        margin-bottom: 0.4em;
      }
      select {
        font: inherit;
        padding: 0.25em;
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
      }
      select:focus-visible {
        outline: 2px solid var(--wrktalk-color-focus, #2457d6);
        outline-offset: 2px;
      }
    `,
  ];

  /** Tasks per page of the history (1–200). @default 20 */
  declare pageSize: number;
  /** Only tasks in this status (the GCC filters); empty for all. The history's "Show" select sets it. @default '' */
  declare taskStatus: Task['status'] | '';
  declare protected client: Client | undefined;
  declare protected error: ShownError | undefined;
  declare protected tasks: Task[] | undefined;
  declare protected tasksError: ShownError | undefined;
  declare protected nextCursor: string | null;
  /** 0-based page shown; `#cursors[pageIndex]` is the cursor that read it (`undefined` for the first). */
  declare protected pageIndex: number;
  declare protected loadingTasks: boolean;
  #cursors: (string | undefined)[] = [undefined];
  #generation = 0;

  constructor() {
    super();
    this.pageSize = 20;
    this.taskStatus = '';
    this.nextCursor = null;
    this.pageIndex = 0;
    this.loadingTasks = false;
  }

  protected override updated(changed: PropertyValues): void {
    if (GccElement.connectionChanged(changed) || changed.has('pageSize')) void this.refresh();
    else if (changed.has('taskStatus') && this.client) void this.#filtered();
  }

  /** The list query of the page read with `cursor`. */
  #query(cursor?: string) {
    return {
      limit: this.#limit(),
      ...(cursor ? { cursor } : {}),
      ...(this.taskStatus ? { status: this.taskStatus } : {}),
    };
  }

  /** The first page under a new status filter (a page still loading for the old one is dropped). */
  async #filtered(): Promise<void> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    if (!gcc || !clientId) return;
    const gen = ++this.#generation;
    this.#cursors = [undefined];
    this.loadingTasks = true;
    const [page] = await Promise.allSettled([gcc.clients.listTasks(clientId, this.#query())]);
    this.loadingTasks = false;
    if (gen !== this.#generation) return;
    this.pageIndex = 0;
    this.#page(page);
    await this.updateComplete;
    this.#done(clientId);
  }

  /** Reloads the client and the first page of its history. */
  async refresh(): Promise<void> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    if (!gcc || !clientId) return;
    const gen = ++this.#generation;
    this.#cursors = [undefined];
    const [me, page] = await Promise.allSettled([
      gcc.clients.get(clientId),
      gcc.clients.listTasks(clientId, this.#query()),
    ]);
    if (gen !== this.#generation) return;
    if (me.status === 'fulfilled') {
      this.client = me.value;
      this.error = undefined;
    } else {
      this.client = undefined;
      this.error = shownError(me.reason);
    }
    this.pageIndex = 0;
    this.#page(page);
    await this.updateComplete;
    this.#done(clientId);
  }

  /** Shows the next (older) page of the history, if there is one. */
  older(): Promise<void> {
    if (this.nextCursor === null) return Promise.resolve();
    this.#cursors[this.pageIndex + 1] = this.nextCursor;
    return this.#go(this.pageIndex + 1);
  }

  /** Shows the previous (newer) page of the history, if there is one. */
  newer(): Promise<void> {
    return this.pageIndex > 0 ? this.#go(this.pageIndex - 1) : Promise.resolve();
  }

  async #go(index: number): Promise<void> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    if (!gcc || !clientId || this.loadingTasks) return;
    const gen = this.#generation;
    this.loadingTasks = true;
    const cursor = this.#cursors[index];
    const [page] = await Promise.allSettled([gcc.clients.listTasks(clientId, this.#query(cursor))]);
    this.loadingTasks = false;
    if (gen !== this.#generation) return;
    if (page.status === 'fulfilled') this.pageIndex = index;
    this.#page(page);
    await this.updateComplete;
    // The button pressed may be disabled now (no older page): keep focus in the history, not lost to <body>.
    const active = (this.renderRoot as ShadowRoot).activeElement;
    if (!active || (active instanceof HTMLButtonElement && active.disabled))
      this.renderRoot.querySelector<HTMLElement>('#history')?.focus();
    this.#done(clientId);
  }

  #page(page: PromiseSettledResult<{ items: Task[]; next_cursor: string | null }>) {
    if (page.status === 'fulfilled') {
      this.tasks = page.value.items;
      this.nextCursor = page.value.next_cursor;
      this.tasksError = undefined;
    } else {
      this.tasksError = shownError(page.reason);
      if (this.pageIndex === 0) {
        this.tasks = undefined;
        this.nextCursor = null;
      }
    }
  }

  #done(clientId: string) {
    const failed = this.error ?? this.tasksError;
    const detail: HistoryLoadedDetail = {
      clientId,
      page: this.pageIndex + 1,
      count: this.tasks?.length ?? 0,
      hasMore: this.nextCursor !== null,
    };
    this.dispatchEvent(
      new CustomEvent(failed ? 'wrktalk-error' : 'wrktalk-loaded', {
        detail: failed ?? detail,
        bubbles: true,
        composed: true,
      }),
    );
  }

  #limit(): number {
    return pageLimit(this.pageSize, 200, 20);
  }

  override render() {
    // The client itself is the gate: an approver token of another client gets 404 for both calls.
    if (this.error) return errorView(this.error);
    const c = this.client;
    if (!c) return html`<p class="state muted" part="loading" role="status">Loading…</p>`;
    return html`<section part="current">${this.#current(c)}</section>
      <section id="history" part="history" tabindex="-1" aria-label="Update history" aria-busy=${this.loadingTasks}>${this.#history()}</section>`;
  }

  #current(c: Client) {
    const versions = Object.entries(c.current_versions).sort(([a], [b]) => a.localeCompare(b));
    return html`<table part="table">
        <caption>Running now</caption>
        <thead>
          <tr><th scope="col">Component</th><th scope="col">Running version</th></tr>
        </thead>
        <tbody>
          ${
            versions.length
              ? versions.map(
                  ([k, v]) =>
                    html`<tr part="row"><td>${k}</td><td><code part="version">${v}</code></td></tr>`,
                )
              : html`<tr><td colspan="2" class="muted" part="empty">No version reported yet.</td></tr>`
          }
        </tbody>
      </table>
      <p class="muted" part="agent">
        Agent ${c.agent_version ?? 'version unknown'}${
          c.last_seen_at ? html`, last seen ${new Date(c.last_seen_at).toLocaleString()}` : nothing
        }.
      </p>`;
  }

  #history() {
    if (this.tasksError && !this.tasks)
      return errorView(this.tasksError, () => this.refresh(), 'tasks-error');
    const tasks = this.tasks;
    if (!tasks) return html`<p class="state muted" part="loading" role="status">Loading updates…</p>`;
    const page = this.pageIndex + 1;
    return html`<div class="filter">
        <label for="task-status">Show</label>
        <select
          id="task-status"
          part="status-filter"
          .value=${this.taskStatus}
          @change=${(e: Event) => {
            this.taskStatus = (e.target as HTMLSelectElement).value as Task['status'] | '';
          }}
        >
          <option value="" ?selected=${this.taskStatus === ''}>All updates</option>
          ${Object.entries(TASK_STATUS_TEXT).map(
            ([k, text]) => html`<option value=${k} ?selected=${this.taskStatus === k}>${text}</option>`,
          )}
        </select>
      </div>
      <table part="tasks">
        <caption>
          Updates, newest first${page > 1 || this.nextCursor ? html` <span class="muted" part="page">(page ${page})</span>` : nothing}
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Component</th>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          ${
            tasks.length
              ? tasks.map((t) => this.#task(t))
              : html`<tr><td colspan="5" class="muted" part="tasks-empty">
                  ${this.taskStatus ? `No update is “${TASK_STATUS_TEXT[this.taskStatus]}”.` : 'No updates yet.'}
                </td></tr>`
          }
        </tbody>
      </table>
      ${
        page > 1 || this.nextCursor
          ? html`<nav class="pager" aria-label="Update history pages">
            <button part="newer-button" ?disabled=${page === 1 || this.loadingTasks} @click=${() => this.newer()}>
              Newer
            </button>
            <button
              part="older-button"
              ?disabled=${this.nextCursor === null || this.loadingTasks}
              @click=${() => this.older()}
            >
              Older
            </button>
          </nav>`
          : nothing
      }
      ${this.tasksError ? html`<p class="error" part="tasks-error" role="alert">${this.tasksError.message}</p>` : nothing}`;
  }

  #task(t: Task) {
    const message = taskMessage(t);
    const when = t.updated_at;
    const changes = componentChanges(t);
    const set = changes.length > 1;
    return html`<tr part=${set ? 'task task-set' : 'task'} data-task-id=${t.id} data-status=${t.status} data-components=${changes.length}>
      <td><time datetime=${when} part="task-time">${new Date(when).toLocaleString()}</time></td>
      ${
        set
          ? // A release set: one line per component in both cells, so each name sits beside its versions.
            html`<td part="task-component">
                ${changes.map((c) => html`<div class="line" data-component=${c.component}>${c.component}</div>`)}
                <div class="muted line">(one update)</div>
              </td>
              <td part="task-versions">
                ${changes.map(
                  (c) => html`<div class="line" part="task-change" data-component=${c.component}>
                    ${
                      c.from
                        ? html`<code part="from-version">${c.from}</code>`
                        : html`<span class="muted" part="from-missing">${fromText(c.from)}</span>`
                    }
                    → <code part="to-version">${c.to}</code>
                  </div>`,
                )}
              </td>`
          : html`<td part="task-component">${t.component}</td>
              <td part="task-versions">
                ${t.previous_version ? html`<code part="from-version">${t.previous_version}</code> → ` : nothing}<code
                  part="to-version"
                  >${t.version}</code
                >
              </td>`
      }
      <td class="status" part="task-status" data-status=${t.status}>${taskStatusText(t)}</td>
      <td part="task-message">${message ?? html`<span class="muted">—</span>`}</td>
    </tr>`;
  }
}
