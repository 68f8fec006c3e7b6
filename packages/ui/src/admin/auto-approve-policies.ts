import type { AutoApprovePolicy, GccClient, Page } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations } from 'lit';
import { deepActiveElement, trapTab } from '../dom';
import { type ShownError, shownError } from '../errors';
import { baseStyles } from '../styles';
import { emit } from './dom';
import { type PolicyForm, policyBody } from './format';
import { PagedListElement } from './paged-list';
import { adminStyles } from './styles';

/** Detail of `wrktalk-policy-created` and `wrktalk-policy-deleted`. */
export interface PolicyChangedDetail {
  policy: AutoApprovePolicy;
}

const EMPTY: PolicyForm = { id: '', components: '', selector: '', description: '' };

/**
 * `<wrktalk-auto-approve-policies base-url token page-size>`: the admin auto-approve policies (which components are
 * approved automatically for the clients matching a label selector), a form to add one and a confirmed delete.
 * Policies apply to deployments created afterwards. Fires `wrktalk-policy-created` and `wrktalk-policy-deleted`
 * ({@link PolicyChangedDetail}).
 */
export class WrktalkAutoApprovePolicies extends PagedListElement<AutoApprovePolicy> {
  static override properties: PropertyDeclarations = {
    ...PagedListElement.properties,
    form: { state: true },
    createError: { state: true },
    busy: { state: true },
    deleting: { state: true },
    deleteError: { state: true },
    notice: { state: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      form.create {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(14em, 1fr));
        gap: 0.6em 1em;
        align-items: end;
        margin-bottom: var(--wrktalk-spacing, 12px);
      }
    `,
  ];

  declare protected form: PolicyForm;
  declare protected createError: ShownError | undefined;
  declare protected busy: boolean;
  declare protected deleting: AutoApprovePolicy | undefined;
  declare protected deleteError: ShownError | undefined;
  declare protected notice: string;
  #opener: HTMLElement | null = null;

  constructor() {
    super();
    this.form = { ...EMPTY };
    this.busy = false;
    this.notice = '';
  }

  protected override fetchPage(
    gcc: GccClient,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<AutoApprovePolicy>> {
    return gcc.autoApprovePolicies.list({ ...(cursor ? { cursor } : {}), limit });
  }

  /** Creates a policy from the form. */
  async create(): Promise<void> {
    const gcc = this.gccClient();
    if (!gcc || this.busy) return;
    this.busy = true;
    this.createError = undefined;
    try {
      const policy = await gcc.autoApprovePolicies.create(policyBody(this.form));
      this.form = { ...EMPTY };
      this.notice = `Policy ${policy.id} created.`;
      emit(this, 'wrktalk-policy-created', { policy } satisfies PolicyChangedDetail);
      await this.refresh();
    } catch (error) {
      this.createError = shownError(error);
    } finally {
      this.busy = false;
    }
  }

  #askDelete(policy: AutoApprovePolicy, opener: HTMLElement) {
    this.#opener = opener ?? deepActiveElement();
    this.deleting = policy;
    this.deleteError = undefined;
    void this.updateComplete.then(() => {
      const d = this.renderRoot.querySelector('dialog');
      if (d && !d.open) d.showModal();
      this.renderRoot.querySelector<HTMLElement>('dialog [part~="cancel-button"]')?.focus();
    });
  }

  async #delete() {
    const gcc = this.gccClient();
    const policy = this.deleting;
    if (!gcc || !policy || this.busy) return;
    this.busy = true;
    try {
      await gcc.autoApprovePolicies.delete(policy.id);
      this.busy = false;
      this.notice = `Policy ${policy.id} deleted.`;
      this.#opener = this.renderRoot.querySelector<HTMLElement>('#heading');
      this.renderRoot.querySelector('dialog')?.close();
      emit(this, 'wrktalk-policy-deleted', { policy } satisfies PolicyChangedDetail);
      await this.refresh();
    } catch (error) {
      this.busy = false;
      this.deleteError = shownError(error);
    }
  }

  #onClose = () => {
    this.deleting = undefined;
    const opener = this.#opener;
    this.#opener = null;
    if (opener?.isConnected) opener.focus();
  };

  #input(field: keyof PolicyForm) {
    return (e: Event) => {
      this.form = { ...this.form, [field]: (e.target as HTMLInputElement).value };
    };
  }

  override render() {
    const f = this.form;
    return html`<section part="container" aria-labelledby="heading">
      <h2 id="heading" part="heading" tabindex="-1">Auto-approve policies</h2>
      <p class="muted">
        Updates of the listed components are approved automatically for the clients matching the selector, in
        deployments created from now on (a client's own preference is tried first).
      </p>
      <form
        class="create"
        part="create-form"
        aria-label="New policy"
        novalidate
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.create();
        }}
      >
        <label
          >Id
          <input
            id="policy-id"
            part="id-input"
            required
            maxlength="63"
            placeholder="free-tier-ct"
            .value=${f.id}
            @input=${this.#input('id')}
          />
        </label>
        <label
          >Components (empty: all)
          <input part="components-input" placeholder="ct, media" .value=${f.components} @input=${this.#input('components')} />
        </label>
        <label
          >Label selector (empty: every client)
          <input
            part="selector-input"
            placeholder="tier=free"
            maxlength="1024"
            spellcheck="false"
            .value=${f.selector}
            @input=${this.#input('selector')}
          />
        </label>
        <label
          >Description
          <input part="description-input" maxlength="1000" .value=${f.description} @input=${this.#input('description')} />
        </label>
        <div>
          <button type="submit" class="primary" part="create-button" ?disabled=${this.busy || !f.id.trim()}>
            Add policy
          </button>
        </div>
      </form>
      <div role="alert" part="create-error">
        ${
          this.createError
            ? html`<div class="error">
                <strong>Not created:</strong> ${this.createError.message}
                ${
                  this.createError.problems?.length
                    ? html`<ul class="problems">
                        ${this.createError.problems.map((p) => html`<li><code>${p.path}</code> ${p.message}</li>`)}
                      </ul>`
                    : nothing
                }
              </div>`
            : nothing
        }
      </div>
      <p role="status" part="notice" class="muted">${this.notice}</p>
      ${this.renderState('No policies: every update waits for its client.') ?? this.#table()}
      ${this.renderPager('Policies')} ${this.#dialog()}
    </section>`;
  }

  #table() {
    return html`<table part="table">
      <caption class="visually-hidden">
        Auto-approve policies, by id
      </caption>
      <thead>
        <tr>
          <th scope="col">Policy</th>
          <th scope="col">Components</th>
          <th scope="col">Clients</th>
          <th scope="col">Description</th>
          <th scope="col">Created</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${this.items.map(
          (p) => html`<tr part="row" data-policy-id=${p.id}>
            <th scope="row"><code>${p.id}</code></th>
            <td>${p.components?.join(', ') ?? html`<span class="muted">every component</span>`}</td>
            <td>${p.label_selector ? html`<code>${p.label_selector}</code>` : html`<span class="muted">every client</span>`}</td>
            <td>${p.description ?? ''}</td>
            <td>${new Date(p.created_at).toLocaleString()}<div class="muted">${p.created_by}</div></td>
            <td>
              <button
                class="danger"
                part="delete-button"
                aria-haspopup="dialog"
                @click=${(e: Event) => this.#askDelete(p, e.currentTarget as HTMLElement)}
              >
                Delete <span class="visually-hidden">${p.id}</span>
              </button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  #dialog() {
    const p = this.deleting;
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
        p
          ? html`<h2 id="dialog-title">Delete policy <code>${p.id}</code>?</h2>
              <p id="dialog-text">
                Deployments created from now on no longer approve through it; existing deployments keep it.
              </p>
              <div role="alert">${this.deleteError ? html`<p class="error">${this.deleteError.message}</p>` : nothing}</div>
              <footer>
                <button part="cancel-button" @click=${() => this.renderRoot.querySelector('dialog')?.close()}>
                  Cancel
                </button>
                <button class="danger" part="confirm-button" ?disabled=${this.busy} @click=${() => this.#delete()}>
                  Delete
                </button>
              </footer>`
          : nothing
      }
    </dialog>`;
  }
}
