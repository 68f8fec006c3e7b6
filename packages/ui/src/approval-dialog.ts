import type { PendingApproval, Task } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations } from 'lit';
import { deepActiveElement, trapTab } from './dom';
import { type ShownError, shownError } from './errors';
import {
  type ComponentChange,
  componentChanges,
  deadlineText,
  fromText,
  localInputToIso,
  releaseNotes,
  setApprovalText,
} from './format';
import { GccElement } from './gcc-element';
import { baseStyles, dialogStyles } from './styles';

/** Detail of the `wrktalk-decided` event. */
export interface DecidedDetail {
  decision: 'approved' | 'rejected';
  clientId: string;
  /** The task as the GCC returned it after the decision. */
  task: Task;
}

/** Name of the event fired after a successful approve or reject (bubbles, composed). */
export const DECIDED_EVENT = 'wrktalk-decided';

/** Options of {@link WrktalkApprovalDialog.show}. */
export interface ShowOptions {
  /** The client's current versions, when the caller knows them (shown as "from" when the GCC sent none). */
  currentVersions?: Record<string, string>;
  /** Where focus goes back when the dialog closes. @default the element focused when `show` was called */
  opener?: HTMLElement | null;
}

/**
 * `<wrktalk-approval-dialog client-id base-url token actor>`: a modal (native `<dialog>`) to approve a pending
 * update now or from a start time, or reject it with a reason. Escape closes it, Tab stays inside it, and focus
 * returns to the opener. Fires `wrktalk-decided` ({@link DecidedDetail}) after the GCC accepted the decision.
 */
export class WrktalkApprovalDialog extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    actor: { type: String },
    approval: { attribute: false },
    busy: { state: true },
    error: { state: true },
    reason: { state: true },
    start: { state: true },
    by: { state: true },
    changes: { state: true },
    reported: { state: true },
  };

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      dialog {
        width: min(36rem, calc(100vw - 2rem));
      }
      h2 {
        margin: 0 0 0.5em;
        font-size: 1.2em;
      }
      h3 {
        margin: 1em 0 0.4em;
        font-size: 1em;
      }
      label {
        display: block;
        margin: 0.6em 0 0.2em;
      }
      input,
      textarea {
        font: inherit;
        box-sizing: border-box;
        width: 100%;
        padding: 0.35em;
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
      }
      .row {
        display: flex;
        gap: 0.5em;
        flex-wrap: wrap;
        margin-top: 0.5em;
      }
      .notes {
        white-space: pre-wrap;
      }
      ul.changes {
        list-style: none;
        margin: 0 0 0.6em;
        padding: 0;
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2em 1em;
      }
      ul.changes > li {
        display: contents;
      }
      .change-component {
        font-weight: 600;
      }
      footer {
        margin-top: 1.2em;
        display: flex;
        justify-content: flex-end;
      }
    `,
  ];

  /** Default "approved by" / "rejected by": the person using the CT (e.g. their e-mail). Editable in the dialog. */
  declare actor: string | undefined;
  /** The approval shown, set by {@link show}. */
  declare approval: PendingApproval | undefined;
  declare protected busy: boolean;
  declare protected error: ShownError | undefined;
  declare protected reason: string;
  declare protected start: string;
  declare protected by: string;
  /** Every component of the approval's set, from → to (one for a single release). */
  declare protected changes: ComponentChange[] | undefined;
  /** The client's reported versions (`ShowOptions.currentVersions`), for what a missing "from" reads. */
  declare protected reported: Record<string, string> | undefined;

  #opener: HTMLElement | null = null;

  constructor() {
    super();
    this.busy = false;
    this.reason = '';
    this.start = '';
    this.by = '';
  }

  /** Whether the dialog is open. */
  get open(): boolean {
    return this.#dialog()?.open ?? false;
  }

  /** Opens the dialog for `approval` (a release set shows every component; one decision covers them all). */
  async show(approval: PendingApproval, options: ShowOptions = {}): Promise<void> {
    this.#opener = options.opener ?? deepActiveElement();
    this.approval = approval;
    this.changes = componentChanges(approval, options.currentVersions);
    this.reported = options.currentVersions;
    this.error = undefined;
    this.reason = '';
    this.start = '';
    this.by = this.actor ?? '';
    this.busy = false;
    await this.updateComplete;
    const d = this.#dialog();
    if (d && !d.open) d.showModal();
    // Start where the next step is: the name when it is missing, else the main action.
    const first = this.by ? 'button[part~="approve-button"]' : '#by';
    this.renderRoot.querySelector<HTMLElement>(first)?.focus();
  }

  /** Closes the dialog without deciding; focus returns to the opener. */
  close(): void {
    const d = this.#dialog();
    if (d?.open) d.close();
  }

  #dialog(): HTMLDialogElement | null {
    return this.renderRoot?.querySelector('dialog') ?? null;
  }

  #onClose = () => {
    this.approval = undefined;
    const opener = this.#opener;
    this.#opener = null;
    if (opener?.isConnected) opener.focus();
    this.dispatchEvent(new CustomEvent('wrktalk-dialog-closed', { bubbles: true, composed: true }));
  };

  #onCancel = (e: Event) => {
    // Escape closes, except while a decision is on its way (its answer must be shown).
    if (this.busy) e.preventDefault();
  };

  #onKeydown = (e: KeyboardEvent) => trapTab(e, e.currentTarget as HTMLDialogElement);

  /** Approves the shown update; with `scheduled`, not before the start time typed in. */
  async approve(scheduled = false): Promise<void> {
    const a = this.approval;
    const client = this.gccClient();
    if (!a || !client || !this.clientId || this.busy || !this.by.trim()) return;
    const requested = scheduled ? localInputToIso(this.start) : null;
    if (scheduled && requested === null) return;
    await this.#decide('approved', () =>
      client.approvals.approve(this.clientId!, a.task_id, {
        approved_by: this.by.trim(),
        ...(requested ? { requested_start_time: requested } : {}),
      }),
    );
  }

  /** Rejects the shown update with the reason typed in; does nothing without one. */
  async reject(): Promise<void> {
    const a = this.approval;
    const client = this.gccClient();
    const reason = this.reason.trim();
    if (!a || !client || !this.clientId || this.busy || !reason || !this.by.trim()) return;
    await this.#decide('rejected', () =>
      client.approvals.reject(this.clientId!, a.task_id, { rejected_by: this.by.trim(), reason }),
    );
  }

  async #decide(decision: DecidedDetail['decision'], call: () => Promise<Task>): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      const task = await call();
      this.busy = false;
      const detail: DecidedDetail = { decision, clientId: this.clientId!, task };
      this.close();
      this.dispatchEvent(new CustomEvent(DECIDED_EVENT, { detail, bubbles: true, composed: true }));
    } catch (error) {
      this.busy = false;
      this.error = shownError(error);
    }
  }

  override render() {
    const a = this.approval;
    const changes = this.changes ?? [];
    const c = changes[0];
    const set = changes.length > 1;
    // A set is one decision: the buttons say it covers every component.
    const all = set ? ` all ${changes.length}` : '';
    const noBy = !this.by.trim();
    return html`<dialog
      part="dialog"
      aria-modal="true"
      aria-labelledby="title"
      aria-describedby="summary"
      @close=${this.#onClose}
      @cancel=${this.#onCancel}
      @keydown=${this.#onKeydown}
    >
      ${
        a && c
          ? html`${
              set
                ? html`<h2 id="title" part="title">Update ${changes.length} components together</h2>`
                : html`<h2 id="title" part="title">
                    Update <code>${a.component}</code>: ${c.from ? html`<code>${c.from}</code> → ` : nothing}<code
                      >${c.to}</code
                    >
                  </h2>`
            }
            <div id="summary">
              ${
                set
                  ? html`<ul class="changes" part="changes" aria-label="Components in this update">
                        ${changes.map(
                          (x) => html`<li part="change" data-component=${x.component}>
                            <span class="change-component">${x.component}</span>
                            <span
                              >${
                                x.from
                                  ? html`<code part="from-version">${x.from}</code>`
                                  : html`<span class="muted" part="from-missing">${fromText(x.from, this.reported)}</span>`
                              }
                              → <code part="to-version">${x.to}</code></span
                            >
                          </li>`,
                        )}
                      </ul>
                      <p part="set-note"><strong>${setApprovalText(changes)}</strong></p>`
                  : nothing
              }
              ${releaseNotes(a.release_metadata) ? html`<p class="notes" part="notes">${releaseNotes(a.release_metadata)}</p>` : nothing}
              <p class="muted" part="deadline">${deadlineText(a.deadline, a.on_deadline)}</p>
            </div>
            <label for="by">Your name or e-mail</label>
            <input
              id="by"
              part="by-input"
              required
              maxlength="200"
              autocomplete="email"
              .value=${this.by}
              @input=${(e: Event) => {
                this.by = (e.target as HTMLInputElement).value;
              }}
            />
            <h3>Approve</h3>
            <div class="row">
              <button
                class="primary"
                part="approve-button"
                ?disabled=${this.busy || noBy}
                @click=${() => this.approve(false)}
              >
                Approve${all} now
              </button>
            </div>
            <label for="start">Start not before (your local time)</label>
            <input
              id="start"
              type="datetime-local"
              part="schedule-input"
              .value=${this.start}
              @input=${(e: Event) => {
                this.start = (e.target as HTMLInputElement).value;
              }}
            />
            <div class="row">
              <button
                part="schedule-button"
                ?disabled=${this.busy || noBy || localInputToIso(this.start) === null}
                @click=${() => this.approve(true)}
              >
                Approve${all} from this time
              </button>
            </div>
            <h3>Reject</h3>
            <label for="reason">Reason for rejecting (required)</label>
            <textarea
              id="reason"
              part="reason-input"
              required
              maxlength="1000"
              rows="3"
              .value=${this.reason}
              @input=${(e: Event) => {
                this.reason = (e.target as HTMLTextAreaElement).value;
              }}
            ></textarea>
            <div class="row">
              <button
                class="danger"
                part="reject-button"
                ?disabled=${this.busy || noBy || !this.reason.trim()}
                @click=${() => this.reject()}
              >
                Reject${all}
              </button>
            </div>
            <div role="alert">
              ${this.error ? html`<p class="error" part="error">${this.error.message}</p>` : nothing}
            </div>
            <footer>
              <button part="cancel-button" @click=${() => this.close()}>Cancel</button>
            </footer>`
          : nothing
      }
    </dialog>`;
  }
}
