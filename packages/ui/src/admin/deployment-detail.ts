import type { AuditEntry, Deployment, ListDeploymentTasksQuery, Task, TaskStatus } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { deepActiveElement, trapTab } from '../dom';
import { errorView } from '../error-view';
import { type ShownError, shownError } from '../errors';
import { componentChanges, fromText, pageLimit } from '../format';
import { GccElement } from '../gcc-element';
import { baseStyles } from '../styles';
import { deploymentHref } from './deployments';
import { emit } from './dom';
import {
  allowedActions,
  approvalSourceText,
  auditText,
  canForceApprove,
  changeText,
  FIRST_PAGE,
  nonZeroCounts,
  type Pager,
  pagerCursor,
  pagerLoaded,
  pagerNext,
  pagerPrev,
  pagerText,
  progressOf,
  progressText,
  statusLabel,
  statusTone,
  TASK_STATUSES,
} from './format';
import { pagerNav } from './paged-list';
import { adminStyles } from './styles';

/** An admin action on a deployment, confirmed in the modal. */
export type DeploymentAction = 'pause' | 'resume' | 'abort' | 'rollback';

/** Detail of `wrktalk-deployment-action`. */
export interface DeploymentActionDetail {
  action: DeploymentAction | 'force-approve';
  /** The deployment after the action (for `rollback`: the new rollback deployment). */
  deployment?: Deployment;
  /** For `force-approve`: the approved task. */
  task?: Task;
}

/** Name of the event fired after the GCC accepted an admin action. */
export const DEPLOYMENT_ACTION_EVENT = 'wrktalk-deployment-action';

/** How often the view asks the GCC for changes while the tab is visible. @default 2000 */
export const DEFAULT_POLL_MS = 2000;

/** How long the client search waits after the last keystroke. */
const SEARCH_DEBOUNCE_MS = 300;

type Modal = { kind: DeploymentAction } | { kind: 'force-approve'; task: Task } | undefined;

const CONFIRM: Record<DeploymentAction, { title: string; text: string; button: string; danger: boolean }> = {
  pause: {
    title: 'Pause this deployment?',
    text: 'No new task is released; tasks already running finish.',
    button: 'Pause',
    danger: false,
  },
  resume: {
    title: 'Resume this deployment?',
    text: 'Stages go on from where they stopped. A holding stage is accepted as it is.',
    button: 'Resume',
    danger: false,
  },
  abort: {
    title: 'Abort this deployment?',
    text: 'Every task that has not started is cancelled. Nothing is rolled back. This cannot be undone.',
    button: 'Abort deployment',
    danger: true,
  },
  rollback: {
    title: 'Roll this deployment back?',
    text: 'A rollback deployment returns the chosen clients to their own previous versions; tasks not started are cancelled.',
    button: 'Roll back',
    danger: true,
  },
};

/**
 * `<wrktalk-deployment-detail deployment-id base-url token actor poll-interval page-size>`: one deployment: its
 * summary, its stages as a timeline with task counts by status, a page of its tasks (filtered by status, stage and
 * client id on the server: a deployment may have 100,000 tasks), the controls (pause / resume / abort / roll back,
 * force-approve a task still waiting for its client; each confirmed in a modal dialog) and its audit trail. While
 * the tab is visible it asks the GCC for changes every `poll-interval` ms (a 304 when nothing changed) and stops
 * when hidden or disconnected. Fires `wrktalk-deployment-action` ({@link DeploymentActionDetail}) and
 * `wrktalk-deployment-updated` (`{ deployment }`, on each change seen).
 */
export class WrktalkDeploymentDetail extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    deploymentId: { type: String, attribute: 'deployment-id', reflect: true },
    actor: { type: String },
    pollInterval: { type: Number, attribute: 'poll-interval' },
    pageSize: { type: Number, attribute: 'page-size' },
    deploymentHref: { type: String, attribute: 'deployment-href' },
    deployment: { state: true },
    loadError: { state: true },
    tasks: { state: true },
    taskPager: { state: true },
    taskStatus: { state: true },
    taskStage: { state: true },
    taskQuery: { state: true },
    tasksState: { state: true },
    tasksError: { state: true },
    audit: { state: true },
    auditPager: { state: true },
    auditError: { state: true },
    live: { state: true },
    liveChange: { state: true },
    modal: { state: true },
    modalError: { state: true },
    busy: { state: true },
    rollbackScope: { state: true },
    reason: { state: true },
    by: { state: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5em 1em;
        align-items: baseline;
      }
      ol.timeline {
        list-style: none;
        margin: 0 0 var(--wrktalk-spacing, 12px);
        padding: 0;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(13em, 1fr));
        gap: var(--wrktalk-spacing, 12px);
      }
      ol.timeline > li {
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-left-width: 4px;
        border-radius: var(--wrktalk-radius, 6px);
        padding: 0.5em 0.7em;
        background: var(--wrktalk-color-surface, #fff);
      }
      ol.timeline > li[data-tone='ok'] {
        border-left-color: var(--wrktalk-color-ok, #067647);
      }
      ol.timeline > li[data-tone='bad'] {
        border-left-color: var(--wrktalk-color-danger, #b42318);
      }
      ol.timeline > li[data-tone='busy'] {
        border-left-color: var(--wrktalk-color-accent, #2457d6);
      }
      ol.timeline > li[data-tone='wait'] {
        border-left-color: var(--wrktalk-color-warning, #93370d);
      }
      .stage-title {
        font-weight: 600;
      }
      ul.counts {
        list-style: none;
        margin: 0.3em 0 0;
        padding: 0;
        font-size: 0.92em;
      }
      .bar {
        display: flex;
        height: 6px;
        border-radius: 3px;
        overflow: hidden;
        background: var(--wrktalk-color-border, #c9ced8);
        margin: 0.4em 0;
      }
      .bar > span[data-k='ok'] {
        background: var(--wrktalk-color-ok, #067647);
      }
      .bar > span[data-k='bad'] {
        background: var(--wrktalk-color-danger, #b42318);
      }
      ul.set,
      ul.changes {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      ul.changes > li {
        white-space: nowrap;
        font-size: 0.92em;
      }
      .set-name {
        font-weight: 600;
      }
      .message {
        max-width: 26em;
        overflow-wrap: anywhere;
      }
      input[type='search'] {
        min-width: 14em;
      }
      textarea {
        width: 100%;
        box-sizing: border-box;
      }
    `,
  ];

  /** The deployment shown. */
  declare deploymentId: string | undefined;
  /** Default "approved by" of a force-approve (the signed-in admin). */
  declare actor: string | undefined;
  /** Milliseconds between two checks for changes while visible. @default 2000 */
  declare pollInterval: number;
  /** Tasks per page (1–500). @default 25 */
  declare pageSize: number;
  /** Link of another deployment (`rollback_of`, `rolled_back_by`), `{id}` replaced. @default '#/deployments/{id}' */
  declare deploymentHref: string;
  declare protected deployment: Deployment | undefined;
  declare protected loadError: ShownError | undefined;
  declare protected tasks: Task[];
  declare protected taskPager: Pager;
  declare protected taskStatus: TaskStatus | '';
  declare protected taskStage: string;
  declare protected taskQuery: string;
  declare protected tasksState: 'idle' | 'loading' | 'ready' | 'error';
  declare protected tasksError: ShownError | undefined;
  declare protected audit: AuditEntry[];
  declare protected auditPager: Pager;
  declare protected auditError: ShownError | undefined;
  /** When the last check answered (shown), and whether checks run. */
  declare protected live: { at: Date | undefined; running: boolean };
  /** The last change seen, announced by the live region. */
  declare protected liveChange: string;
  declare protected modal: Modal;
  declare protected modalError: ShownError | undefined;
  declare protected busy: boolean;
  declare protected rollbackScope: 'default' | 'failed_stage' | 'deployment';
  declare protected reason: string;
  declare protected by: string;

  #etag: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | undefined;
  #polling = false;
  #taskGen = 0;
  #auditGen = 0;
  #opener: HTMLElement | null = null;

  constructor() {
    super();
    this.pollInterval = DEFAULT_POLL_MS;
    this.pageSize = 25;
    this.deploymentHref = '#/deployments/{id}';
    this.tasks = [];
    this.taskPager = FIRST_PAGE;
    this.taskStatus = '';
    this.taskStage = '';
    this.taskQuery = '';
    this.tasksState = 'idle';
    this.audit = [];
    this.auditPager = FIRST_PAGE;
    this.live = { at: undefined, running: false };
    this.liveChange = '';
    this.busy = false;
    this.rollbackScope = 'default';
    this.reason = '';
    this.by = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#onVisibility);
    if (this.hasUpdated) this.#schedule(0);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#stop();
    clearTimeout(this.#searchTimer);
  }

  protected override updated(changed: PropertyValues): void {
    // Bar widths through the CSSOM, not a `style` attribute: a host page's Content-Security-Policy without
    // 'unsafe-inline' (the reference console's) blocks style attributes, Lit's `styleMap` included (its first render
    // writes the attribute), but never `element.style`.
    for (const bar of this.renderRoot.querySelectorAll<HTMLElement>('.bar [data-width]'))
      bar.style.width = bar.dataset.width ?? '0%';
    if (GccElement.connectionChanged(changed) || changed.has('deploymentId')) {
      if (changed.has('deploymentId')) {
        this.deployment = undefined;
        this.loadError = undefined;
        this.taskPager = FIRST_PAGE;
        this.auditPager = FIRST_PAGE;
        this.tasks = [];
        this.audit = [];
      }
      this.#etag = undefined;
      void this.refresh();
    }
  }

  /** Reads everything again now (the deployment, the task page shown, the audit page shown). */
  async refresh(): Promise<void> {
    this.#etag = undefined;
    await this.#poll(true);
  }

  #onVisibility = () => {
    if (document.visibilityState === 'visible') this.#schedule(0);
    else this.#stop();
  };

  #stop() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#polling = false;
    if (this.live.running) this.live = { ...this.live, running: false };
  }

  #schedule(ms: number) {
    clearTimeout(this.#timer);
    if (!this.isConnected || document.visibilityState === 'hidden') {
      if (this.live.running) this.live = { ...this.live, running: false };
      return;
    }
    this.#timer = setTimeout(() => void this.#poll(false), ms);
  }

  async #poll(force: boolean): Promise<void> {
    const gcc = this.gccClient();
    const id = this.deploymentId;
    if (!gcc || !id) return;
    if (this.#polling && !force) return;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.#polling = true;
    clearTimeout(this.#timer);
    try {
      const r = await gcc.deployments.watch(id, this.#etag, { signal: abort.signal });
      if (abort.signal.aborted || id !== this.deploymentId) return;
      this.live = { at: new Date(), running: true };
      this.loadError = undefined;
      if (r.notModified && this.deployment) return;
      if (!r.notModified) {
        const before = this.deployment;
        this.#etag = r.etag;
        this.deployment = r.deployment;
        if (before) this.liveChange = changeText(before, r.deployment);
        await Promise.all([this.#loadTasks(), this.#loadAudit()]);
        emit(this, 'wrktalk-deployment-updated', { deployment: r.deployment });
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      this.loadError = shownError(error);
      if (!this.deployment) emit(this, 'wrktalk-error', this.loadError);
    } finally {
      if (this.#abort === abort) {
        this.#polling = false;
        this.#abort = undefined;
        // A deployment that does not exist will not appear: "Try again" (or a new id) reads again.
        if (this.loadError?.status !== 404 || this.deployment)
          this.#schedule(Math.max(250, Number(this.pollInterval) || DEFAULT_POLL_MS));
      }
    }
  }

  #taskQuery(): ListDeploymentTasksQuery {
    const cursor = pagerCursor(this.taskPager);
    const text = this.taskQuery.trim();
    return {
      limit: this.#limit(),
      ...(cursor ? { cursor } : {}),
      ...(this.taskStatus ? { status: this.taskStatus } : {}),
      ...(this.taskStage !== '' ? { stage: Number(this.taskStage) } : {}),
      ...(text ? { q: text } : {}),
    };
  }

  async #loadTasks() {
    const gcc = this.gccClient();
    const id = this.deploymentId;
    if (!gcc || !id) return;
    const gen = ++this.#taskGen;
    if (this.tasksState !== 'ready') this.tasksState = 'loading';
    try {
      const page = await gcc.deployments.listTasks(id, this.#taskQuery());
      if (gen !== this.#taskGen) return;
      this.tasks = page.items;
      this.taskPager = pagerLoaded(this.taskPager, page.next_cursor);
      this.tasksError = undefined;
      this.tasksState = 'ready';
    } catch (error) {
      if (gen !== this.#taskGen) return;
      this.tasksError = shownError(error);
      this.tasksState = 'error';
    }
    await this.updateComplete;
    emit(this, 'wrktalk-tasks-loaded', {
      count: this.tasks.length,
      page: this.taskPager.index,
      hasMore: this.taskPager.next !== null,
    });
  }

  async #loadAudit() {
    const gcc = this.gccClient();
    const id = this.deploymentId;
    if (!gcc || !id) return;
    const gen = ++this.#auditGen;
    try {
      const cursor = pagerCursor(this.auditPager);
      const page = await gcc.audit.list({ deployment_id: id, limit: 20, ...(cursor ? { cursor } : {}) });
      if (gen !== this.#auditGen) return;
      this.audit = page.items;
      this.auditPager = pagerLoaded(this.auditPager, page.next_cursor);
      this.auditError = undefined;
    } catch (error) {
      if (gen === this.#auditGen) this.auditError = shownError(error);
    }
  }

  #limit(): number {
    return pageLimit(this.pageSize, 500, 25);
  }

  #filterTasks(patch: { taskStatus?: TaskStatus | ''; taskStage?: string; taskQuery?: string }) {
    Object.assign(this, patch);
    this.taskPager = FIRST_PAGE;
    void this.#loadTasks();
  }

  #open(modal: NonNullable<Modal>, opener: HTMLElement) {
    this.#opener = opener ?? deepActiveElement();
    this.modal = modal;
    this.modalError = undefined;
    this.reason = '';
    this.by = this.actor ?? '';
    this.rollbackScope = 'default';
    void this.updateComplete.then(() => {
      const d = this.renderRoot.querySelector<HTMLDialogElement>('dialog');
      if (d && !d.open) d.showModal();
      const first =
        modal.kind === 'force-approve' && !this.by
          ? '#by'
          : modal.kind === 'rollback'
            ? '#scope'
            : modal.kind === 'force-approve'
              ? '#reason'
              : 'button[part~="cancel-button"]';
      this.renderRoot.querySelector<HTMLElement>(first)?.focus();
    });
  }

  #close() {
    const d = this.renderRoot.querySelector<HTMLDialogElement>('dialog');
    if (d?.open) d.close();
  }

  #onClose = () => {
    this.modal = undefined;
    const opener = this.#opener;
    this.#opener = null;
    if (opener?.isConnected) opener.focus();
    else this.renderRoot.querySelector<HTMLElement>('#controls')?.focus();
  };

  async #confirm() {
    const gcc = this.gccClient();
    const d = this.deployment;
    const m = this.modal;
    if (!gcc || !d || !m || this.busy) return;
    this.busy = true;
    this.modalError = undefined;
    try {
      let detail: DeploymentActionDetail;
      switch (m.kind) {
        case 'pause':
        case 'resume':
        case 'abort':
          detail = { action: m.kind, deployment: await gcc.deployments[m.kind](d.id) };
          break;
        case 'rollback': {
          const reason = this.reason.trim();
          detail = {
            action: 'rollback',
            deployment: await gcc.deployments.rollback(d.id, {
              ...(this.rollbackScope !== 'default' ? { scope: this.rollbackScope } : {}),
              ...(reason ? { reason } : {}),
            }),
          };
          break;
        }
        case 'force-approve':
          detail = {
            action: 'force-approve',
            task: await gcc.deployments.forceApprove(d.id, m.task.id, {
              approved_by: this.by.trim(),
              reason: this.reason.trim(),
            }),
          };
          break;
      }
      this.busy = false;
      this.#close();
      emit(this, DEPLOYMENT_ACTION_EVENT, detail);
      await this.refresh();
      await this.updateComplete;
      // The opener may be disabled now (Pause after pausing): keep focus on the controls rather than losing it.
      const active = (this.renderRoot as ShadowRoot).activeElement as HTMLButtonElement | null;
      if (!active || active.disabled) this.renderRoot.querySelector<HTMLElement>('#controls')?.focus();
    } catch (error) {
      this.busy = false;
      this.modalError = shownError(error);
    }
  }

  override render() {
    const d = this.deployment;
    if (!d) {
      if (this.loadError) return errorView(this.loadError, () => this.refresh());
      return html`<p class="state muted" part="loading">Loading deployment…</p>`;
    }
    return html`<article part="container" aria-labelledby="heading">
      <header>
        <h2 id="heading" part="heading">Deployment <code>${d.id}</code></h2>
        <span class="badge" part="status" data-tone=${statusTone(d.status)}>${statusLabel(d.status)}</span>
        ${d.status_reason ? html`<span class="muted" part="status-reason">${d.status_reason}</span>` : nothing}
      </header>
      ${this.#liveRegion()} ${this.#controls(d)} ${this.#summary(d)} ${this.#timeline(d)} ${this.#tasks(d)}
      ${this.#auditTrail()} ${this.#dialog(d)}
    </article>`;
  }

  #liveRegion() {
    const at = this.live.at;
    return html`<p class="muted" part="live">
      <span role="status" aria-live="polite" part="live-change">${this.liveChange}</span>
      <span part="live-status"
        >${
          this.live.running
            ? `Live: checked ${at ? at.toLocaleTimeString() : ''}`
            : 'Live updates paused while the page is hidden.'
        }${this.loadError ? ` Last check failed: ${this.loadError.message}` : ''}</span
      >
    </p>`;
  }

  #controls(d: Deployment) {
    const can = allowedActions(d);
    const button = (action: DeploymentAction, label: string, danger = false) =>
      html`<button
        part=${`${action}-button`}
        class=${danger ? 'danger' : ''}
        aria-haspopup="dialog"
        ?disabled=${!can[action]}
        @click=${(e: Event) => this.#open({ kind: action }, e.currentTarget as HTMLElement)}
      >
        ${label}
      </button>`;
    return html`<div class="actions" part="controls" id="controls" tabindex="-1" role="group" aria-label="Controls">
      ${button('pause', 'Pause')} ${button('resume', 'Resume')} ${button('abort', 'Abort', true)}
      ${button('rollback', 'Roll back…', true)}
      <button part="refresh-button" @click=${() => this.refresh()}>Refresh</button>
    </div>`;
  }

  #summary(d: Deployment) {
    const link = (id: string) =>
      html`<a href=${deploymentHref(this.deploymentHref, id)}><code>${id}</code></a>`;
    const p = progressOf(d.task_counts);
    return html`<dl class="summary" part="summary">
      ${this.#release(d)}
      <dt>Type</dt>
      <dd>
        ${d.type === 'rollback' ? html`Rollback of ${d.rollback_of ? link(d.rollback_of) : '?'}` : 'Update'}
        ${d.rollback_scope ? html`<span class="muted">(${statusLabel(d.rollback_scope)})</span>` : nothing}
      </dd>
      ${d.rolled_back_by ? html`<dt>Rolled back by</dt><dd part="rolled-back-by">${link(d.rolled_back_by)}</dd>` : nothing}
      <dt>Progress</dt>
      <dd part="progress">${progressText(d.task_counts)}${p.open ? `, ${p.open} to go` : ''}</dd>
      <dt>Approval</dt>
      <dd>
        ${
          d.approval.required
            ? `Required${
                d.approval.deadline
                  ? `; at ${new Date(d.approval.deadline).toLocaleString()} unanswered updates ${
                      d.approval.on_deadline === 'auto_approve' ? 'are approved' : 'expire'
                    }`
                  : ', no deadline'
              }`
            : 'Not required'
        }
      </dd>
      <dt>On a failed stage</dt>
      <dd>${d.strategy.on_failure === 'pause' ? 'Pause' : 'Roll back'}</dd>
      <dt>Created</dt>
      <dd>${new Date(d.created_at).toLocaleString()} by ${d.created_by}</dd>
      ${d.started_at ? html`<dt>Started</dt><dd>${new Date(d.started_at).toLocaleString()}</dd>` : nothing}
      ${d.finished_at ? html`<dt>Finished</dt><dd>${new Date(d.finished_at).toLocaleString()}</dd>` : nothing}
      ${d.description ? html`<dt>Description</dt><dd>${d.description}</dd>` : nothing}
    </dl>`;
  }

  /** What is rolled out: one release, or the set (each component's version and release), applied together. */
  #release(d: Deployment) {
    const set = d.components?.length ? d.components : undefined;
    if (!set || set.length === 1)
      return html`<dt>Release</dt><dd part="release">${d.component} <code>${d.version}</code></dd>`;
    return html`<dt>Release set</dt>
      <dd part="release" data-components=${set.length}>
        <ul class="set" part="set" aria-label="Releases in this set">
          ${set.map(
            (c) => html`<li part="set-component" data-component=${c.component}>
              <span class="set-name">${c.component}</span> <code part="set-version">${c.version}</code>
              <span class="muted"><code>${c.release_id}</code></span>
            </li>`,
          )}
        </ul>
        <span class="muted">One approval, one apply and one rollback per client for all ${set.length}.</span>
      </dd>`;
  }

  #timeline(d: Deployment) {
    return html`<section aria-labelledby="stages-heading">
      <h3 id="stages-heading">Stages</h3>
      ${
        d.stages.length === 0
          ? html`<p class="muted" part="no-stages">No stage planned yet (waiting for approvals or the start time).</p>`
          : html`<ol class="timeline" part="stages">
              ${d.stages.map((s) => {
                const p = progressOf(s.task_counts);
                const pct = (n: number) => (p.total ? `${(100 * n) / p.total}%` : '0');
                return html`<li
                  part="stage"
                  data-stage=${s.index}
                  data-status=${s.status}
                  data-tone=${statusTone(s.status)}
                  aria-current=${s.status === 'running' || s.status === 'holding' ? 'step' : 'false'}
                >
                  <div class="stage-title">
                    Stage ${s.index + 1} · ${statusLabel(s.kind)}
                    <span class="badge" part="stage-status" data-tone=${statusTone(s.status)}
                      >${statusLabel(s.status)}</span
                    >
                  </div>
                  <div class="muted">
                    ${s.capacity} ${s.capacity === 1 ? 'client' : 'clients'}${
                      s.required_successes
                        ? `, needs ${s.required_successes} ${s.required_successes === 1 ? 'success' : 'successes'}`
                        : ''
                    }
                  </div>
                  <div class="bar" aria-hidden="true">
                    <span data-k="ok" data-width=${pct(p.succeeded)}></span
                    ><span data-k="bad" data-width=${pct(p.failed)}></span>
                  </div>
                  <ul class="counts" part="stage-counts" aria-label=${`Stage ${s.index + 1} tasks by status`}>
                    ${nonZeroCounts(s.task_counts).map(
                      (c) => html`<li data-status=${c.status}>${statusLabel(c.status)}: ${c.n}</li>`,
                    )}
                  </ul>
                  ${s.reason ? html`<p class="muted" part="stage-reason">${s.reason}</p>` : nothing}
                  ${
                    s.status === 'waiting' && s.wait_until
                      ? html`<p class="muted">Next stage at ${new Date(s.wait_until).toLocaleTimeString()}</p>`
                      : nothing
                  }
                </li>`;
              })}
            </ol>`
      }
    </section>`;
  }

  #tasks(d: Deployment) {
    return html`<section aria-labelledby="tasks-heading">
      <h3 id="tasks-heading">Clients</h3>
      <div class="filters" part="task-filters" role="search" aria-label="Filter clients of this deployment">
        <label
          >Status
          <select
            part="task-status-filter"
            @change=${(e: Event) =>
              this.#filterTasks({ taskStatus: (e.target as HTMLSelectElement).value as TaskStatus | '' })}
          >
            <option value="" ?selected=${this.taskStatus === ''}>Any status</option>
            ${TASK_STATUSES.map(
              (s) =>
                html`<option value=${s} ?selected=${this.taskStatus === s}>
                  ${statusLabel(s)} (${d.task_counts[s] ?? 0})
                </option>`,
            )}
          </select>
        </label>
        <label
          >Stage
          <select
            part="task-stage-filter"
            @change=${(e: Event) => this.#filterTasks({ taskStage: (e.target as HTMLSelectElement).value })}
          >
            <option value="" ?selected=${this.taskStage === ''}>Any stage</option>
            ${d.stages.map(
              (s) =>
                html`<option value=${String(s.index)} ?selected=${this.taskStage === String(s.index)}>
                  Stage ${s.index + 1} (${statusLabel(s.kind)})
                </option>`,
            )}
          </select>
        </label>
        <label
          >Client id contains
          <input
            type="search"
            part="task-search"
            maxlength="63"
            autocomplete="off"
            spellcheck="false"
            .value=${this.taskQuery}
            @input=${(e: Event) => {
              const value = (e.target as HTMLInputElement).value;
              clearTimeout(this.#searchTimer);
              this.#searchTimer = setTimeout(
                () => this.#filterTasks({ taskQuery: value }),
                SEARCH_DEBOUNCE_MS,
              );
            }}
          />
        </label>
      </div>
      ${this.#taskTable()} ${this.#taskPagerNav()}
    </section>`;
  }

  #taskTable() {
    if (this.tasksState === 'error')
      return html`<div class="error" role="alert" part="tasks-error">${this.tasksError?.message}</div>`;
    if (this.tasksState !== 'ready') return html`<p class="state muted">Loading clients…</p>`;
    if (this.tasks.length === 0)
      return html`<p class="state muted" part="tasks-empty">No client matches.</p>`;
    return html`<table part="tasks" aria-busy=${this.tasksState !== 'ready'}>
      <caption class="visually-hidden">
        Clients of this deployment, ${pagerText(this.taskPager).toLowerCase()}
      </caption>
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Stage</th>
          <th scope="col">Status</th>
          <th scope="col">Approval</th>
          <th scope="col">Version</th>
          <th scope="col" class="num">Attempt</th>
          <th scope="col">Last message</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${this.tasks.map(
          (t) => html`<tr part="task-row" data-client-id=${t.client_id} data-status=${t.status}>
            <th scope="row"><code>${t.client_id}</code></th>
            <td>${t.stage === null ? '—' : t.stage + 1}</td>
            <td>
              <span class="badge" part="task-status" data-tone=${statusTone(t.status)}>${statusLabel(t.status)}</span>
            </td>
            <td>
              ${statusLabel(t.approval_status)}${
                t.approval_source && t.approval_source !== t.approval_status
                  ? html`<div class="muted">by ${approvalSourceText(t.approval_source)}</div>`
                  : nothing
              }${t.rejected_reason ? html`<div class="muted">${t.rejected_reason}</div>` : nothing}
            </td>
            <td part="task-versions">${this.#taskVersions(t)}</td>
            <td class="num">${t.attempt}</td>
            <td class="message">${t.last_message ?? ''}</td>
            <td>
              ${
                canForceApprove(t.status)
                  ? html`<button
                      part="force-approve-button"
                      aria-haspopup="dialog"
                      @click=${(e: Event) =>
                        this.#open({ kind: 'force-approve', task: t }, e.currentTarget as HTMLElement)}
                    >
                      Force-approve <span class="visually-hidden">${t.client_id}</span>
                    </button>`
                  : nothing
              }
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  /** From → to of a task: one line, or one compact line per component of a set. */
  #taskVersions(t: Task) {
    const changes = componentChanges(t);
    if (changes.length === 1)
      return html`${t.previous_version ? html`<code>${t.previous_version}</code> → ` : nothing}<code>${t.version}</code>`;
    return html`<ul class="changes" aria-label=${`Versions of ${t.client_id}`}>
      ${changes.map(
        (c) => html`<li part="task-change" data-component=${c.component}>
          <span class="muted">${c.component}</span>
          ${c.from ? html`<code>${c.from}</code>` : html`<span class="muted">${fromText(c.from)}</span>`} →
          <code>${c.to}</code>
        </li>`,
      )}
    </ul>`;
  }

  #taskPagerNav() {
    if (this.tasksState !== 'ready') return nothing;
    return pagerNav(this.taskPager, {
      part: 'task-pager',
      label: 'Client pages',
      onPrevious: () => {
        this.taskPager = pagerPrev(this.taskPager);
        void this.#loadTasks();
      },
      onNext: () => {
        this.taskPager = pagerNext(this.taskPager);
        void this.#loadTasks();
      },
    });
  }

  #auditTrail() {
    const p = this.auditPager;
    return html`<section aria-labelledby="audit-heading">
      <h3 id="audit-heading">Audit trail</h3>
      ${this.auditError ? html`<p class="error" role="alert">${this.auditError.message}</p>` : nothing}
      ${
        this.audit.length === 0
          ? html`<p class="muted" part="audit-empty">Nothing recorded yet.</p>`
          : html`<table part="audit">
              <caption class="visually-hidden">
                Audit entries of this deployment, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                </tr>
              </thead>
              <tbody>
                ${this.audit.map(
                  (e) => html`<tr part="audit-row" data-action=${e.action}>
                    <td><time datetime=${e.at}>${new Date(e.at).toLocaleString()}</time></td>
                    <td>${e.actor}</td>
                    <td><code>${e.action}</code> <span class="muted">${auditText(e)}</span></td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${
        p.index === 0 && p.next === null
          ? nothing
          : html`<nav class="pager" aria-label="Audit pages">
              <button
                ?disabled=${p.index === 0}
                @click=${() => {
                  this.auditPager = pagerPrev(this.auditPager);
                  void this.#loadAudit();
                }}
              >
                Newer
              </button>
              <span>${pagerText(p)}</span>
              <button
                ?disabled=${p.next === null}
                @click=${() => {
                  this.auditPager = pagerNext(this.auditPager);
                  void this.#loadAudit();
                }}
              >
                Older
              </button>
            </nav>`
      }
    </section>`;
  }

  /** The dialog's reason box (recorded in the audit trail). */
  #reasonField(label: string, required: boolean) {
    return html`<label
      >${label}
      <textarea
        id="reason"
        part="reason-input"
        ?required=${required}
        rows="2"
        maxlength="1000"
        .value=${this.reason}
        @input=${(e: Event) => {
          this.reason = (e.target as HTMLTextAreaElement).value;
        }}
      ></textarea>
    </label>`;
  }

  #dialog(d: Deployment) {
    const m = this.modal;
    let body: unknown = nothing;
    let title = '';
    let confirm = '';
    let danger = false;
    let disabled = this.busy;
    if (m && m.kind !== 'force-approve') {
      const c = CONFIRM[m.kind];
      title = c.title;
      confirm = c.button;
      danger = c.danger;
      body = html`<p id="dialog-text">${c.text}</p>
        ${
          m.kind === 'rollback'
            ? html`<label
                  >Clients to roll back
                  <select
                    id="scope"
                    part="scope-select"
                    @change=${(e: Event) => {
                      this.rollbackScope = (e.target as HTMLSelectElement).value as typeof this.rollbackScope;
                    }}
                  >
                    <option value="default" ?selected=${this.rollbackScope === 'default'}>
                      The deployment's default (${statusLabel(d.strategy.rollback?.scope ?? 'failed_stage')})
                    </option>
                    <option value="deployment" ?selected=${this.rollbackScope === 'deployment'}>
                      Every client it updated
                    </option>
                    <option value="failed_stage" ?selected=${this.rollbackScope === 'failed_stage'}>
                      The failed (or latest) stage's clients
                    </option>
                  </select>
                </label>
                ${this.#reasonField('Reason (recorded in the audit trail)', false)}`
            : nothing
        }`;
    } else if (m?.kind === 'force-approve') {
      title = `Approve ${m.task.client_id}'s update on its behalf?`;
      confirm = 'Force-approve';
      disabled = this.busy || !this.by.trim() || !this.reason.trim();
      body = html`<p id="dialog-text">
          Use this when the client agreed some other way (phone, ticket). The reason is recorded in the audit trail.
        </p>
        <label
          >Approved by
          <input
            id="by"
            part="by-input"
            required
            maxlength="200"
            .value=${this.by}
            @input=${(e: Event) => {
              this.by = (e.target as HTMLInputElement).value;
            }}
          />
        </label>
        ${this.#reasonField('Reason (required)', true)}`;
    }
    return html`<dialog
      part="dialog"
      aria-modal="true"
      aria-labelledby="dialog-title"
      aria-describedby="dialog-text"
      @close=${this.#onClose}
      @cancel=${(e: Event) => {
        if (this.busy) e.preventDefault();
      }}
      @keydown=${(e: KeyboardEvent) => trapTab(e, e.currentTarget as HTMLDialogElement)}
    >
      ${
        m
          ? html`<h2 id="dialog-title" part="dialog-title">${title}</h2>
              ${body}
              <div role="alert" part="dialog-error">
                ${this.modalError ? html`<p class="error">${this.modalError.message}</p>` : nothing}
              </div>
              <footer>
                <button part="cancel-button" @click=${() => this.#close()}>Cancel</button>
                <button
                  part="confirm-button"
                  class=${danger ? 'danger' : 'primary'}
                  ?disabled=${disabled}
                  @click=${() => this.#confirm()}
                >
                  ${this.busy ? 'Working…' : confirm}
                </button>
              </footer>`
          : nothing
      }
    </dialog>`;
  }
}
