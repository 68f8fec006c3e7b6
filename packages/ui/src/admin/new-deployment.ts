import type { Deployment, DeploymentCreate, DeploymentPreview, Release } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { type ShownError, shownError } from '../errors';
import { localInputToIso } from '../format';
import { GccElement } from '../gcc-element';
import { baseStyles } from '../styles';
import { emit } from './dom';
import {
  type DeploymentForm,
  deploymentBody,
  durationText,
  emptyDeploymentForm,
  type FormProblem,
  labelsText,
  MAX_SET_SIZE,
  nextSetRelease,
  relativeTime,
  releaseProblems,
  releaseRowOf,
  type StageDraft,
  statusLabel,
  versionsText,
} from './format';
import { adminStyles } from './styles';

/** Detail of `wrktalk-deployment-created`. */
export interface DeploymentCreatedDetail {
  deployment: Deployment;
}

/** Name of the event fired after the GCC created the deployment. */
export const DEPLOYMENT_CREATED_EVENT = 'wrktalk-deployment-created';

/** How long the form waits after the last keystroke before asking the GCC for a preview. @default 400 */
export const PREVIEW_DEBOUNCE_MS = 400;

/** Releases offered in the picker (the newest). */
const RELEASE_CHOICES = 100;

/**
 * `<wrktalk-new-deployment base-url token release-id>`: pick a release (or compose a release set: one release per
 * component, added row by row, sent as `release_ids`), target clients by id or by label selector,
 * choose the default strategy or edit the stages and failure thresholds, set the approval options, and see what the
 * GCC would do (matched count, the first matched clients, the stage plan from the planner; asked again
 * {@link PREVIEW_DEBOUNCE_MS} after each change) before "Create". Fires `wrktalk-deployment-created`
 * ({@link DeploymentCreatedDetail}).
 */
export class WrktalkNewDeployment extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    releaseId: { type: String, attribute: 'release-id' },
    form: { state: true },
    deadlineLocal: { state: true },
    releases: { state: true },
    releasesError: { state: true },
    preview: { state: true },
    previewState: { state: true },
    previewError: { state: true },
    createError: { state: true },
    problems: { state: true },
    busy: { state: true },
    created: { state: true },
  };

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      textarea,
      input.wide {
        min-width: 24em;
      }
      .stages input {
        width: 6em;
      }
      .preview {
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
        padding: var(--wrktalk-spacing, 12px);
        margin: 0 0 var(--wrktalk-spacing, 12px);
      }
      .count {
        font-size: 1.1em;
        font-weight: 600;
        margin: 0 0 0.5em;
      }
      .release-row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3em 0.8em;
        align-items: end;
        margin-bottom: 0.5em;
      }
      .release-row .field-error {
        flex-basis: 100%;
        margin: 0;
        color: var(--wrktalk-color-danger, #b42318);
      }
      select[aria-invalid='true'] {
        border-color: var(--wrktalk-color-danger, #b42318);
      }
      .radios {
        display: flex;
        gap: 1em;
        margin-bottom: 0.6em;
      }
    `,
  ];

  /** Release preselected in the picker's first row (e.g. from the releases list's "Deploy…"). */
  declare releaseId: string | undefined;
  declare protected form: DeploymentForm;
  declare protected deadlineLocal: string;
  declare protected releases: Release[];
  declare protected releasesError: ShownError | undefined;
  declare protected preview: DeploymentPreview | undefined;
  declare protected previewState: 'idle' | 'waiting' | 'loading' | 'ready' | 'error';
  declare protected previewError: ShownError | undefined;
  declare protected createError: ShownError | undefined;
  /** Problems of the form, shown once "Create" was pressed. */
  declare protected problems: FormProblem[];
  declare protected busy: boolean;
  declare protected created: Deployment | undefined;

  #timer: ReturnType<typeof setTimeout> | undefined;
  #previewAbort: AbortController | undefined;
  #previewGen = 0;

  constructor() {
    super();
    this.form = emptyDeploymentForm();
    this.deadlineLocal = '';
    this.releases = [];
    this.previewState = 'idle';
    this.problems = [];
    this.busy = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#timer);
    this.#previewAbort?.abort();
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has('releaseId') && this.releaseId && this.releaseId !== this.form.releaseIds[0]) {
      this.#set({ releaseIds: [this.releaseId] });
      if (this.releases.length && !this.releases.some((r) => r.id === this.releaseId))
        void this.#loadReleases();
    }
    if (GccElement.connectionChanged(changed)) {
      void this.#loadReleases();
      this.#schedulePreview();
    }
  }

  /** Clears the form: one row, with the preselected release (else the newest). */
  reset(): void {
    this.form = { ...emptyDeploymentForm(), releaseIds: [this.releaseId ?? this.releases[0]?.id ?? ''] };
    this.deadlineLocal = '';
    this.problems = [];
    this.createError = undefined;
    this.created = undefined;
    this.#schedulePreview();
  }

  async #loadReleases() {
    const gcc = this.gccClient();
    if (!gcc) return;
    try {
      const page = await gcc.releases.list({ limit: RELEASE_CHOICES });
      let items = page.items;
      // A preselected (or already picked) release older than the newest page is fetched and offered too.
      const missing = this.form.releaseIds.filter((id) => id && !items.some((r) => r.id === id));
      if (missing.length)
        items = [...(await Promise.all(missing.map((id) => gcc.releases.get(id)))), ...items];
      this.releases = items;
      this.releasesError = undefined;
      if (this.form.releaseIds.length === 1 && !this.form.releaseIds[0] && items[0])
        this.#set({ releaseIds: [items[0].id] });
    } catch (error) {
      this.releasesError = shownError(error);
    }
  }

  #set(patch: Partial<DeploymentForm>) {
    this.form = { ...this.form, ...patch };
    this.created = undefined;
    // The GCC's answer was about the releases as they were; the next preview says what holds now.
    if (patch.releaseIds && this.createError) this.createError = undefined;
    if (this.problems.length) this.problems = deploymentBody(this.form).problems;
    this.#schedulePreview();
  }

  #setStage(i: number, patch: Partial<StageDraft>) {
    this.#set({ stages: this.form.stages.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  }

  #schedulePreview() {
    clearTimeout(this.#timer);
    const { body } = deploymentBody(this.form);
    if (!body) {
      this.#previewAbort?.abort();
      this.#previewGen++;
      this.preview = undefined;
      this.previewError = undefined;
      this.previewState = 'idle';
      return;
    }
    this.previewState = 'waiting';
    this.#timer = setTimeout(() => void this.#runPreview(body), PREVIEW_DEBOUNCE_MS);
  }

  async #runPreview(body: DeploymentCreate) {
    const gcc = this.gccClient();
    if (!gcc) return;
    this.#previewAbort?.abort();
    const abort = new AbortController();
    this.#previewAbort = abort;
    const gen = ++this.#previewGen;
    this.previewState = 'loading';
    try {
      const p = await gcc.deployments.preview(body, { signal: abort.signal });
      if (gen !== this.#previewGen) return;
      this.preview = p;
      this.previewError = undefined;
      this.previewState = 'ready';
    } catch (error) {
      if (gen !== this.#previewGen || abort.signal.aborted) return;
      this.preview = undefined;
      this.previewError = shownError(error);
      this.previewState = 'error';
    }
    await this.updateComplete;
    emit(this, 'wrktalk-preview', { preview: this.preview, error: this.previewError });
  }

  /** Creates the deployment from the form; shows the form's or the GCC's problems instead when there are any. */
  async create(): Promise<void> {
    const gcc = this.gccClient();
    if (!gcc || this.busy) return;
    const { body, problems } = deploymentBody(this.form);
    this.problems = problems;
    this.createError = undefined;
    if (!body) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#problems')?.focus();
      return;
    }
    this.busy = true;
    try {
      const d = await gcc.deployments.create(body);
      this.created = d;
      emit(this, DEPLOYMENT_CREATED_EVENT, { deployment: d } satisfies DeploymentCreatedDetail);
    } catch (error) {
      this.createError = shownError(error);
      this.busy = false;
      await this.updateComplete;
      // A refused set: focus the first picker the GCC named (its message is beside it), else the summary.
      (
        this.renderRoot.querySelector<HTMLElement>('select[aria-invalid="true"]') ??
        this.renderRoot.querySelector<HTMLElement>('#problems')
      )?.focus();
      emit(this, 'wrktalk-error', this.createError);
    } finally {
      this.busy = false;
    }
  }

  /** The GCC's problems with the picked releases, by row: from the refused "Create", else the preview. */
  #releaseErrors(): Map<number, string[]> {
    if (this.createError) return releaseProblems(this.createError.problems);
    if (this.previewState === 'error') return releaseProblems(this.previewError?.problems);
    return new Map();
  }

  #setRelease(i: number, id: string) {
    this.#set({ releaseIds: this.form.releaseIds.map((x, j) => (j === i ? id : x)) });
  }

  async #addRelease() {
    const ids = this.form.releaseIds;
    this.#set({ releaseIds: [...ids, nextSetRelease(this.releases, ids) ?? ''] });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#release-${ids.length}`)?.focus();
  }

  async #removeRelease(i: number) {
    const ids = this.form.releaseIds.filter((_, j) => j !== i);
    this.#set({ releaseIds: ids });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#release-${Math.min(i, ids.length - 1)}`)?.focus();
  }

  override render() {
    const f = this.form;
    return html`<section part="container" aria-labelledby="heading">
      <h2 id="heading" part="heading">New deployment</h2>
      <form
        part="form"
        novalidate
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.create();
        }}
      >
        ${this.#releasePicker()} ${this.#targets()} ${this.#strategy()} ${this.#approval()}
        <fieldset>
          <legend>Description</legend>
          <label
            >Description (optional)
            <input
              id="description"
              class="wide"
              part="description-input"
              maxlength="1000"
              .value=${f.description}
              @input=${(e: Event) => this.#set({ description: (e.target as HTMLInputElement).value })}
            />
          </label>
        </fieldset>
        ${this.#previewSection()} ${this.#problemsSection()}
        <div class="actions">
          <button type="submit" class="primary" part="create-button" ?disabled=${this.busy}>
            ${this.busy ? 'Creating…' : 'Create deployment'}
          </button>
          <button type="button" part="reset-button" @click=${() => this.reset()}>Reset</button>
        </div>
        <div role="status" part="created">
          ${
            this.created
              ? html`Created <a href=${`#/deployments/${encodeURIComponent(this.created.id)}`}
                  ><code>${this.created.id}</code></a
                >.`
              : nothing
          }
        </div>
      </form>
    </section>`;
  }

  #releasePicker() {
    const f = this.form;
    const errors = this.#releaseErrors();
    const set = f.releaseIds.length > 1;
    // Options grouped by component, newest first within each (the order the GCC listed them).
    const components = [...new Set(this.releases.map((r) => r.component))];
    const canAdd =
      f.releaseIds.length < MAX_SET_SIZE && nextSetRelease(this.releases, f.releaseIds) !== undefined;
    return html`<fieldset part="releases" aria-describedby="releases-help">
      <legend>${set ? `Release set (${f.releaseIds.length} components)` : 'Release'}</legend>
      <p id="releases-help" class="muted">
        One release per component. Several make a release set: each client approves it once, and it is applied and
        rolled back as one.
      </p>
      ${f.releaseIds.map((id, i) => {
        const messages = errors.get(i);
        return html`<div class="release-row" part="release-row" data-row=${i}>
          <label
            >${set ? `Release ${i + 1}` : 'Release'}
            <select
              id=${`release-${i}`}
              part="release-select"
              required
              aria-invalid=${messages ? 'true' : 'false'}
              aria-describedby=${messages ? `release-${i}-error` : nothing}
              @change=${(e: Event) => this.#setRelease(i, (e.target as HTMLSelectElement).value)}
            >
              <option value="" ?selected=${!id}>Choose a release</option>
              ${components.map(
                (c) => html`<optgroup label=${c}>
                  ${this.releases
                    .filter((r) => r.component === c)
                    .map(
                      (r) =>
                        html`<option value=${r.id} ?selected=${r.id === id}>
                          ${r.component} ${r.version} (${new Date(r.created_at).toLocaleDateString()})
                        </option>`,
                    )}
                </optgroup>`,
              )}
            </select>
          </label>
          ${
            set
              ? html`<button type="button" part="remove-release" @click=${() => this.#removeRelease(i)}>
                  Remove <span class="visually-hidden">release ${i + 1}</span>
                </button>`
              : nothing
          }
          ${
            messages
              ? html`<p class="field-error" part="field-error" id=${`release-${i}-error`} data-row=${i}>
                  ${messages.join('; ')}
                </p>`
              : nothing
          }
        </div>`;
      })}
      <div class="actions">
        <button type="button" part="add-release" ?disabled=${!canAdd} @click=${() => this.#addRelease()}>
          Add a component
        </button>
      </div>
      ${
        this.releasesError
          ? html`<p class="error" role="alert" part="error">Releases: ${this.releasesError.message}</p>`
          : nothing
      }
    </fieldset>`;
  }

  #targets() {
    const f = this.form;
    const mode = (targetMode: DeploymentForm['targetMode']) => () => this.#set({ targetMode });
    return html`<fieldset part="targets">
      <legend>Targets</legend>
      <div class="radios" role="radiogroup" aria-label="Target clients by">
        <label class="inline"
          ><input
            type="radio"
            name="target-mode"
            part="target-selector-radio"
            .checked=${f.targetMode === 'selector'}
            @change=${mode('selector')}
          />
          Label selector</label
        >
        <label class="inline"
          ><input
            type="radio"
            name="target-mode"
            part="target-ids-radio"
            .checked=${f.targetMode === 'ids'}
            @change=${mode('ids')}
          />
          Client ids</label
        >
      </div>
      ${
        f.targetMode === 'selector'
          ? html`<label
                >Label selector
                <input
                  id="selector"
                  class="wide"
                  part="selector-input"
                  maxlength="1024"
                  autocomplete="off"
                  spellcheck="false"
                  placeholder="tier=premium,region in (eu,us)"
                  aria-describedby="selector-help"
                  .value=${f.selector}
                  @input=${(e: Event) => this.#set({ selector: (e.target as HTMLInputElement).value })}
              /></label>
              <p id="selector-help" class="muted">
                Kubernetes syntax: <code>key=value</code>, <code>!=</code>, <code>in (a,b)</code>,
                <code>notin (a,b)</code>, <code>key</code>, <code>!key</code>; all must hold.
              </p>`
          : html`<label
              >Client ids (comma or one per line)
              <textarea
                id="client-ids"
                part="client-ids-input"
                rows="3"
                spellcheck="false"
                .value=${f.clientIds}
                @input=${(e: Event) => this.#set({ clientIds: (e.target as HTMLTextAreaElement).value })}
              ></textarea
            ></label>`
      }
    </fieldset>`;
  }

  #strategy() {
    const f = this.form;
    const mode = (strategyMode: DeploymentForm['strategyMode']) => () => this.#set({ strategyMode });
    return html`<fieldset part="strategy">
      <legend>Strategy</legend>
      <div class="radios" role="radiogroup" aria-label="Strategy">
        <label class="inline"
          ><input
            type="radio"
            name="strategy-mode"
            part="strategy-default-radio"
            .checked=${f.strategyMode === 'default'}
            @change=${mode('default')}
          />
          The GCC's default</label
        >
        <label class="inline"
          ><input
            type="radio"
            name="strategy-mode"
            part="strategy-custom-radio"
            .checked=${f.strategyMode === 'custom'}
            @change=${mode('custom')}
          />
          Custom stages</label
        >
      </div>
      ${f.strategyMode === 'custom' ? this.#stageEditor() : nothing}
    </fieldset>`;
  }

  #stageEditor() {
    const f = this.form;
    const last = f.stages.length - 1;
    return html`<table class="stages" part="stage-editor">
        <caption>
          Stages, in order
        </caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Kind</th>
            <th scope="col">Size</th>
            <th scope="col">Clients or %</th>
            <th scope="col">Wait after (s)</th>
            <th scope="col"><span class="visually-hidden">Remove</span></th>
          </tr>
        </thead>
        <tbody>
          ${f.stages.map(
            (s, i) => html`<tr part="stage-row">
              <th scope="row">${i + 1}</th>
              <td>
                <select
                  aria-label=${`Stage ${i + 1} kind`}
                  part="stage-kind"
                  @change=${(e: Event) =>
                    this.#setStage(i, { kind: (e.target as HTMLSelectElement).value as StageDraft['kind'] })}
                >
                  <option value="canary" ?selected=${s.kind === 'canary'}>Canary</option>
                  <option value="batch" ?selected=${s.kind === 'batch'}>Batch</option>
                </select>
              </td>
              <td>
                <select
                  id=${`stage-${i}-size`}
                  aria-label=${`Stage ${i + 1} size`}
                  part="stage-size"
                  @change=${(e: Event) =>
                    this.#setStage(i, { size: (e.target as HTMLSelectElement).value as StageDraft['size'] })}
                >
                  <option value="count" ?selected=${s.size === 'count'}>Count</option>
                  <option value="percent" ?selected=${s.size === 'percent'}>Percent</option>
                  <option value="rest" ?selected=${s.size === 'rest'} ?disabled=${i !== last}>The rest</option>
                </select>
              </td>
              <td>
                <input
                  id=${`stage-${i}-amount`}
                  type="number"
                  min="0"
                  step="any"
                  aria-label=${`Stage ${i + 1} ${s.size === 'percent' ? 'percent' : 'clients'}`}
                  part="stage-amount"
                  ?disabled=${s.size === 'rest'}
                  .value=${s.amount}
                  @input=${(e: Event) => this.#setStage(i, { amount: (e.target as HTMLInputElement).value })}
                />
              </td>
              <td>
                <input
                  id=${`stage-${i}-wait`}
                  type="number"
                  min="0"
                  max="604800"
                  aria-label=${`Stage ${i + 1} wait after, seconds`}
                  part="stage-wait"
                  .value=${s.wait}
                  @input=${(e: Event) => this.#setStage(i, { wait: (e.target as HTMLInputElement).value })}
                />
              </td>
              <td>
                <button
                  type="button"
                  part="remove-stage"
                  ?disabled=${f.stages.length === 1}
                  @click=${() => this.#set({ stages: f.stages.filter((_, j) => j !== i) })}
                >
                  Remove <span class="visually-hidden">stage ${i + 1}</span>
                </button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      <div class="actions">
        <button
          type="button"
          part="add-stage"
          ?disabled=${f.stages.length >= 20}
          @click=${() =>
            this.#set({
              stages: [
                ...f.stages.map((s) =>
                  s.size === 'rest' ? { ...s, size: 'percent' as const, amount: '50' } : s,
                ),
                { kind: 'batch', size: 'rest', amount: '', wait: '0' },
              ],
            })}
        >
          Add stage
        </button>
      </div>
      <div class="row">
        <label
          >Batch failure share (%)
          <input
            id="max-failure-percent"
            type="number"
            min="0"
            max="100"
            step="any"
            placeholder="10"
            part="max-failure-percent"
            .value=${f.maxFailurePercent}
            @input=${(e: Event) => this.#set({ maxFailurePercent: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label
          >…after at least (finished)
          <input
            id="min-finished"
            type="number"
            min="0"
            placeholder="5"
            part="min-finished"
            .value=${f.minFinished}
            @input=${(e: Event) => this.#set({ minFinished: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label
          >Canary failures tolerated
          <input
            id="canary-max-failures"
            type="number"
            min="0"
            placeholder="0"
            part="canary-max-failures"
            .value=${f.canaryMaxFailures}
            @input=${(e: Event) => this.#set({ canaryMaxFailures: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label
          >When a stage fails
          <select
            part="on-failure"
            @change=${(e: Event) =>
              this.#set({ onFailure: (e.target as HTMLSelectElement).value as DeploymentForm['onFailure'] })}
          >
            <option value="default" ?selected=${f.onFailure === 'default'}>The GCC's default</option>
            <option value="pause" ?selected=${f.onFailure === 'pause'}>Pause</option>
            <option value="rollback" ?selected=${f.onFailure === 'rollback'}>Roll back</option>
          </select>
        </label>
      </div>`;
  }

  #approval() {
    const f = this.form;
    return html`<fieldset part="approval">
      <legend>Approval</legend>
      <label class="inline"
        ><input
          type="checkbox"
          part="approval-required"
          .checked=${f.approvalRequired}
          @change=${(e: Event) => this.#set({ approvalRequired: (e.target as HTMLInputElement).checked })}
        />
        Clients must approve</label
      >
      ${
        f.approvalRequired
          ? html`<div class="row">
              <label
                >Deadline (your local time, optional)
                <input
                  id="deadline"
                  type="datetime-local"
                  part="deadline-input"
                  .value=${this.deadlineLocal}
                  @input=${(e: Event) => {
                    this.deadlineLocal = (e.target as HTMLInputElement).value;
                    this.#set({ deadline: localInputToIso(this.deadlineLocal) ?? '' });
                  }}
                />
              </label>
              <label
                >At the deadline, unanswered updates
                <select
                  part="on-deadline"
                  ?disabled=${!f.deadline}
                  @change=${(e: Event) =>
                    this.#set({
                      onDeadline: (e.target as HTMLSelectElement).value as DeploymentForm['onDeadline'],
                    })}
                >
                  <option value="expire" ?selected=${f.onDeadline === 'expire'}>expire (not installed)</option>
                  <option value="auto_approve" ?selected=${f.onDeadline === 'auto_approve'}>
                    are approved automatically
                  </option>
                </select>
              </label>
            </div>`
          : nothing
      }
    </fieldset>`;
  }

  #previewSection() {
    const p = this.preview;
    const state = this.previewState;
    return html`<section class="preview" part="preview" aria-labelledby="preview-heading">
      <h3 id="preview-heading">What would happen</h3>
      <div role="status" aria-live="polite" part="preview-status" aria-busy=${state === 'loading' || state === 'waiting'}>
        ${
          state === 'idle'
            ? html`<p class="muted">Choose a release and targets to see the matched clients and the stage plan.</p>`
            : state === 'error'
              ? nothing
              : p
                ? html`<p class="count" part="match-count">
                      ${p.matched === 1 ? '1 client matches' : `${p.matched} clients match`}${
                        state !== 'ready' ? html` <span class="muted">(updating…)</span>` : nothing
                      }
                    </p>`
                : html`<p class="muted">Checking…</p>`
        }
      </div>
      ${
        state === 'error' && this.previewError
          ? html`<div class="error" role="alert" part="preview-error">
              <strong>${this.previewError.code ? statusLabel(this.previewError.code) : 'Preview failed'}</strong>
              <p>${this.previewError.message}</p>
              ${this.#fieldProblems(this.previewError)}
            </div>`
          : nothing
      }
      ${p && state !== 'error' ? this.#previewBody(p) : nothing}
    </section>`;
  }

  #previewBody(p: DeploymentPreview) {
    const now = new Date();
    // The components deployed, for what each matched client runs of them now.
    const components = this.form.releaseIds.flatMap((id) => {
      const c = this.releases.find((r) => r.id === id)?.component;
      return c ? [c] : [];
    });
    const runs = (current: Record<string, string>) =>
      components.length > 1
        ? versionsText(Object.fromEntries(components.flatMap((c) => (current[c] ? [[c, current[c]]] : []))))
        : components[0]
          ? (current[components[0]] ?? '—')
          : '—';
    return html`${
      p.auto_approved && p.approval.required
        ? html`<p part="auto-approved">
            ${p.auto_approved} of them approved automatically (their preference or an auto-approve policy).
          </p>`
        : nothing
    }
      <p part="approval-summary" class="muted">
        ${
          p.approval.required
            ? `Clients must approve${
                p.approval.deadline
                  ? `; at ${new Date(p.approval.deadline).toLocaleString()} unanswered updates ${
                      p.approval.on_deadline === 'auto_approve' ? 'are approved' : 'expire'
                    }`
                  : ''
              }.`
            : 'No approval needed: every targeted client is updated.'
        }
        On a failed stage: ${p.strategy.on_failure === 'pause' ? 'pause' : 'roll back'}.
      </p>
      <table part="plan">
        <caption>
          Stage plan
        </caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">Clients</th>
            <th scope="col">Wait after</th>
          </tr>
        </thead>
        <tbody>
          ${p.stages.map(
            (s) => html`<tr part="plan-row">
              <th scope="row">${s.index + 1}</th>
              <td>${statusLabel(s.kind)}</td>
              <td class="num" part="plan-size">${s.size}</td>
              <td>${durationText(s.wait_seconds)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${
        p.sample.length
          ? html`<table part="sample">
              <caption>
                ${p.sample.length < p.matched ? `First ${p.sample.length} of ${p.matched} matched clients` : 'Matched clients'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Runs ${components.length > 1 ? 'now' : (components[0] ?? '')}</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                ${p.sample.map(
                  (c) => html`<tr part="sample-row" data-client-id=${c.id}>
                    <th scope="row"><code>${c.id}</code></th>
                    <td><code>${labelsText(c.labels)}</code></td>
                    <td part="sample-runs">${runs(c.current_versions)}</td>
                    <td>${relativeTime(c.last_seen_at, now)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : nothing
      }`;
  }

  #fieldProblems(e: ShownError) {
    const list = e.problems;
    return list?.length
      ? html`<ul class="problems">
          ${list.map((x) => {
            const row = releaseRowOf(x.path);
            return html`<li>
              ${row === undefined ? html`<code>${x.path}</code>` : html`Release ${row + 1} (<code>${x.path}</code>)`}:
              ${x.message}
            </li>`;
          })}
        </ul>`
      : nothing;
  }

  #problemsSection() {
    if (!this.problems.length && !this.createError) return html`<div role="alert" part="create-error"></div>`;
    return html`<div class="error" role="alert" part="create-error" id="problems" tabindex="-1">
      ${
        this.problems.length
          ? html`<strong>Fix these first:</strong>
              <ul class="problems">
                ${this.problems.map(
                  (p) =>
                    html`<li>
                      <a
                        href=${`#${p.field}`}
                        @click=${(e: Event) => {
                          e.preventDefault();
                          this.renderRoot.querySelector<HTMLElement>(`#${p.field}`)?.focus();
                        }}
                        >${p.message}</a
                      >
                    </li>`,
                )}
              </ul>`
          : html`<strong>Not created: ${this.createError!.code ? statusLabel(this.createError!.code) : 'error'}</strong>
              <p>${this.createError!.message}</p>
              ${this.#fieldProblems(this.createError!)}`
      }
    </div>`;
  }
}
