import type { ClientSettings } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { errorView } from './error-view';
import { type ShownError, shownError } from './errors';
import { GccElement } from './gcc-element';
import {
  componentsOffered,
  draftOf,
  emailPatchIndex,
  patchOf,
  problemsBySlot,
  rowKey,
  type SettingsDraft,
  WEEKDAYS,
} from './settings-form';
import { baseStyles } from './styles';

/** Detail of the `wrktalk-saved` event. */
export interface SavedDetail {
  clientId: string;
  /** The settings as the GCC returned them after the save. */
  settings: ClientSettings;
}

/** Name of the event fired after the GCC accepted the settings (bubbles, composed). */
export const SAVED_EVENT = 'wrktalk-saved';

/** A comma-separated attribute as a list (`components="backend, ct"`). */
const listConverter = {
  fromAttribute: (v: string | null) =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  toAttribute: (v: string[] | undefined) => v?.join(','),
};

/**
 * `<wrktalk-client-settings client-id base-url token components>`: the client's own settings, edited by its
 * approver: which updates are approved automatically (all, or per component), the weekly maintenance windows (in the
 * client's time zone) and the notification addresses. Save sends them with `updateClientSettings`; when the GCC
 * refuses them (`400 validation_failed`) each listed problem is shown next to its field and nothing is changed.
 * Fires `wrktalk-loaded` ({ clientId }), `wrktalk-saved` ({@link SavedDetail}) and `wrktalk-error`.
 */
export class WrktalkClientSettings extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    components: { converter: listConverter },
    settings: { state: true },
    draft: { state: true },
    status: { state: true },
    error: { state: true },
    saveError: { state: true },
    fieldErrors: { state: true },
    saving: { state: true },
    savedAt: { state: true },
  };

  static override styles = [
    baseStyles,
    css`
      form {
        display: grid;
        gap: calc(1.5 * var(--wrktalk-spacing, 12px));
      }
      fieldset {
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
        background: var(--wrktalk-color-surface, #fff);
        padding: var(--wrktalk-spacing, 12px);
        margin: 0;
        min-width: 0;
      }
      fieldset fieldset {
        border-style: dashed;
      }
      legend {
        font-weight: 600;
        padding: 0 0.3em;
      }
      .checks {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4em 1.2em;
        margin: 0.4em 0;
      }
      .checks label {
        display: inline-flex;
        gap: 0.35em;
        align-items: center;
      }
      .timezone {
        margin-bottom: var(--wrktalk-spacing, 12px);
      }
      .window {
        display: grid;
        gap: 0.5em;
        margin-bottom: var(--wrktalk-spacing, 12px);
      }
      .times {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5em 1em;
        align-items: end;
      }
      .times label,
      .email label {
        display: grid;
        gap: 0.2em;
      }
      input[type='time'],
      input[type='text'],
      input[type='email'] {
        font: inherit;
        padding: 0.3em;
        border: 1px solid var(--wrktalk-color-border, #c9ced8);
        border-radius: var(--wrktalk-radius, 6px);
      }
      input[type='email'] {
        min-width: min(22rem, 70vw);
      }
      input[aria-invalid='true'],
      fieldset[aria-invalid='true'] {
        border-color: var(--wrktalk-color-danger, #b42318);
      }
      input[type='checkbox']:focus-visible {
        outline: 2px solid var(--wrktalk-color-focus, #2457d6);
        outline-offset: 2px;
      }
      .email {
        display: flex;
        gap: 0.5em;
        align-items: end;
        margin-bottom: 0.5em;
      }
      .field-error {
        color: var(--wrktalk-color-danger, #b42318);
        margin: 0.2em 0 0;
      }
      .actions {
        display: flex;
        gap: 0.5em;
        align-items: center;
      }
      [tabindex='-1']:focus {
        outline: none;
      }
    `,
  ];

  /** Components offered for auto-approval (attribute: comma-separated). @default backend, media, ct */
  declare components: string[] | undefined;
  declare protected settings: ClientSettings | undefined;
  declare protected draft: SettingsDraft | undefined;
  declare protected status: 'idle' | 'loading' | 'ready' | 'error';
  declare protected error: ShownError | undefined;
  declare protected saveError: ShownError | undefined;
  /** Problems of the last refused save, by field: `auto_approve`, `window:<row key>:days`, `email:<row key>`, … */
  declare protected fieldErrors: Map<string, string[]>;
  declare protected saving: boolean;
  declare protected savedAt: string | undefined;

  #generation = 0;

  constructor() {
    super();
    this.status = 'idle';
    this.fieldErrors = new Map();
    this.saving = false;
  }

  protected override updated(changed: PropertyValues): void {
    if (GccElement.connectionChanged(changed)) void this.refresh();
  }

  /** Reloads the settings from the GCC (unsaved edits are dropped). */
  async refresh(): Promise<void> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    if (!gcc || !clientId) return;
    const gen = ++this.#generation;
    if (!this.settings) this.status = 'loading';
    try {
      const s = await gcc.clients.getSettings(clientId);
      if (gen !== this.#generation) return;
      this.#show(s);
      this.status = 'ready';
      this.error = undefined;
    } catch (error) {
      if (gen !== this.#generation) return;
      this.settings = undefined;
      this.draft = undefined;
      this.error = shownError(error);
      this.status = 'error';
    }
    await this.updateComplete;
    this.#emit(this.error ? 'wrktalk-error' : 'wrktalk-loaded', this.error ?? { clientId });
  }

  /** Saves the form. Resolves to whether the GCC accepted it. */
  async save(): Promise<boolean> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    const draft = this.draft;
    if (!gcc || !clientId || !draft || this.saving) return false;
    this.saving = true;
    this.saveError = undefined;
    this.fieldErrors = new Map();
    this.savedAt = undefined;
    const sent = patchOf(draft);
    try {
      const s = await gcc.clients.updateSettings(clientId, sent);
      this.#show(s);
      this.savedAt = s.updated_at;
      this.saving = false;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#status')?.focus();
      const detail: SavedDetail = { clientId, settings: s };
      this.#emit(SAVED_EVENT, detail);
      return true;
    } catch (error) {
      this.saving = false;
      this.saveError = shownError(error);
      this.fieldErrors = this.#byRow(draft, this.saveError.problems ?? []);
      await this.updateComplete;
      // Focus the first field with a problem; else the summary, so a screen reader hears what went wrong.
      const invalid = this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]');
      const first =
        invalid instanceof HTMLInputElement
          ? invalid
          : (invalid?.querySelector<HTMLElement>('input') ?? null);
      (first ?? this.renderRoot.querySelector<HTMLElement>('#summary'))?.focus();
      this.#emit('wrktalk-error', this.saveError);
      return false;
    }
  }

  /** Puts back the settings as last loaded or saved. */
  reset(): void {
    if (this.settings) this.#show(this.settings);
    this.saveError = undefined;
  }

  #show(s: ClientSettings) {
    this.settings = s;
    this.draft = draftOf(s);
    this.fieldErrors = new Map();
  }

  /** Problems re-keyed from positions in the patch that was sent to the rows' keys (rows may move afterwards). */
  #byRow(d: SettingsDraft, problems: { path: string; message: string }[]): Map<string, string[]> {
    const bySlot = problemsBySlot(problems);
    const out = new Map<string, string[]>();
    const emailIndex = [...emailPatchIndex(d)].map(([key, i]) => [String(i), key] as const);
    const emailKeyAt = new Map(emailIndex);
    for (const [slot, messages] of bySlot) {
      const [kind, index, field] = slot.split(':');
      let key = slot;
      if (kind === 'window' && index !== undefined) {
        const row = d.windows[Number(index)];
        key = row ? `window:${row.key}${field ? `:${field}` : ''}` : 'windows';
      } else if (kind === 'email' && index !== undefined) {
        const rowKeyOf = emailKeyAt.get(index);
        key = rowKeyOf !== undefined ? `email:${rowKeyOf}` : 'emails';
      }
      out.set(key, [...(out.get(key) ?? []), ...messages]);
    }
    return out;
  }

  #emit(type: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #edit(change: (d: SettingsDraft) => SettingsDraft) {
    if (!this.draft) return;
    this.draft = change(this.draft);
    this.savedAt = undefined;
  }

  async #addWindow() {
    const key = rowKey();
    this.#edit((d) => ({ ...d, windows: [...d.windows, { key, days: [], start: '22:00', end: '04:00' }] }));
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#window-${key} input[type="checkbox"]`)?.focus();
  }

  async #removeWindow(key: number) {
    this.#edit((d) => ({ ...d, windows: d.windows.filter((w) => w.key !== key) }));
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#add-window')?.focus();
  }

  async #addEmail() {
    const key = rowKey();
    this.#edit((d) => ({ ...d, emails: [...d.emails, { key, value: '' }] }));
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#email-${key}`)?.focus();
  }

  async #removeEmail(key: number) {
    this.#edit((d) => ({ ...d, emails: d.emails.filter((e) => e.key !== key) }));
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#add-email')?.focus();
  }

  /** The error line(s) of a field, with the id its control points to through `aria-describedby`. */
  #errors(slot: string, id: string) {
    const messages = this.fieldErrors.get(slot);
    return messages?.length
      ? html`<p class="field-error" part="field-error" id=${id} data-slot=${slot}>${messages.join('; ')}</p>`
      : nothing;
  }

  override render() {
    switch (this.status) {
      case 'idle':
      case 'loading':
        return html`<p class="state muted" part="loading" role="status">Loading settings…</p>`;
      case 'error':
        return errorView(this.error!, () => this.refresh());
      case 'ready':
        return this.#form(this.draft!, this.settings!);
    }
  }

  #form(d: SettingsDraft, s: ClientSettings) {
    const offered = componentsOffered(this.components, s);
    const bad = (slot: string) => this.fieldErrors.has(slot);
    const general = this.fieldErrors.get('general') ?? [];
    return html`<form
      part="form"
      novalidate
      aria-label="Update settings"
      aria-busy=${this.saving}
      @submit=${(e: Event) => {
        e.preventDefault();
        void this.save();
      }}
    >
      <fieldset
        part="auto-approve"
        aria-invalid=${bad('auto_approve') ? 'true' : 'false'}
        aria-describedby=${bad('auto_approve') ? 'auto-error' : nothing}
      >
        <legend>Approve updates automatically</legend>
        <div class="checks">
          <label
            ><input
              id="auto-all"
              type="checkbox"
              part="auto-all"
              .checked=${d.all}
              @change=${(e: Event) => this.#edit((x) => ({ ...x, all: (e.target as HTMLInputElement).checked }))}
            />Every update</label
          >
        </div>
        <div class="checks" role="group" aria-label="Per component">
          ${offered.map(
            (c) =>
              html`<label
                ><input
                  type="checkbox"
                  part="auto-component"
                  name="auto-component"
                  value=${c}
                  ?disabled=${d.all}
                  .checked=${d.all || d.components.includes(c)}
                  @change=${(e: Event) => {
                    const on = (e.target as HTMLInputElement).checked;
                    this.#edit((x) => ({
                      ...x,
                      components: on
                        ? [...x.components.filter((k) => k !== c), c]
                        : x.components.filter((k) => k !== c),
                    }));
                  }}
                /><code>${c}</code></label
              >`,
          )}
        </div>
        <p class="muted">Other updates wait for your approval in the list of pending updates.</p>
        ${this.#errors('auto_approve', 'auto-error')}
      </fieldset>

      <fieldset part="windows" aria-describedby="tz-note${bad('windows') ? ' windows-error' : ''}">
        <legend>Maintenance windows</legend>
        <p class="muted" id="tz-note">
          Updates start only inside these weekly windows, in the client's time zone. A window that ends before it
          starts runs past midnight. No window: updates may start at any time.
        </p>
        <div class="times timezone">
          <label
            >Time zone (IANA name)
            <input
              id="timezone"
              type="text"
              part="timezone-input"
              list="zones"
              autocomplete="off"
              spellcheck="false"
              maxlength="64"
              .value=${d.timezone}
              aria-invalid=${bad('timezone') ? 'true' : 'false'}
              aria-describedby=${bad('timezone') ? 'timezone-error' : nothing}
              @input=${(e: Event) => this.#edit((x) => ({ ...x, timezone: (e.target as HTMLInputElement).value }))}
          /></label>
          <datalist id="zones">${timeZones().map((z) => html`<option value=${z}></option>`)}</datalist>
        </div>
        ${this.#errors('timezone', 'timezone-error')}
        ${d.windows.map((w, i) => this.#window(w, i))}
        ${this.#errors('windows', 'windows-error')}
        <button type="button" id="add-window" part="add-window" @click=${() => this.#addWindow()}>
          Add a window
        </button>
      </fieldset>

      <fieldset part="emails" aria-describedby=${bad('emails') ? 'emails-error' : nothing}>
        <legend>Notification e-mail addresses</legend>
        <p class="muted">These addresses hear about updates waiting for approval and about their outcome.</p>
        ${d.emails.map(
          (e, i) => html`<div class="email" part="email-row">
            <label
              >Address ${i + 1}
              <input
                id=${`email-${e.key}`}
                type="email"
                part="email-input"
                autocomplete="email"
                maxlength="320"
                .value=${e.value}
                aria-invalid=${bad(`email:${e.key}`) ? 'true' : 'false'}
                aria-describedby=${bad(`email:${e.key}`) ? `email-${e.key}-error` : nothing}
                @input=${(ev: Event) => {
                  const value = (ev.target as HTMLInputElement).value;
                  this.#edit((x) => ({
                    ...x,
                    emails: x.emails.map((r) => (r.key === e.key ? { ...r, value } : r)),
                  }));
                }}
            /></label>
            <button type="button" part="remove-email" @click=${() => this.#removeEmail(e.key)}>
              Remove <span class="visually-hidden">address ${i + 1}</span>
            </button>
          </div>
          ${this.#errors(`email:${e.key}`, `email-${e.key}-error`)}`,
        )}
        ${this.#errors('emails', 'emails-error')}
        <button type="button" id="add-email" part="add-email" @click=${() => this.#addEmail()}>
          Add an address
        </button>
      </fieldset>

      <div id="summary" tabindex="-1" role="alert" part="summary">
        ${
          this.saveError
            ? html`<div class="error" part="error">
              <strong>Not saved</strong>: ${this.saveError.message}
              ${general.length ? html`<ul>${general.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
            </div>`
            : nothing
        }
      </div>
      <div class="actions">
        <button type="submit" class="primary" part="save-button" ?disabled=${this.saving}>
          ${this.saving ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" part="reset-button" ?disabled=${this.saving} @click=${() => this.reset()}>
          Discard changes
        </button>
        <span id="status" class="muted" part="saved" role="status" tabindex="-1"
          >${this.savedAt ? `Saved at ${new Date(this.savedAt).toLocaleString()}.` : nothing}</span
        >
      </div>
    </form>`;
  }

  #window(w: SettingsDraft['windows'][number], i: number) {
    const slot = (f?: string) => `window:${w.key}${f ? `:${f}` : ''}`;
    const bad = (f?: string) => this.fieldErrors.has(slot(f));
    const setW = (patch: Partial<typeof w>) =>
      this.#edit((x) => ({
        ...x,
        windows: x.windows.map((r) => (r.key === w.key ? { ...r, ...patch } : r)),
      }));
    const n = i + 1;
    return html`<fieldset class="window" id=${`window-${w.key}`} part="window"
      aria-describedby=${bad() ? `window-${w.key}-error` : nothing}>
      <legend>Window ${n}</legend>
      <div
        class="checks"
        role="group"
        part="window-days"
        aria-label=${`Window ${n}: days it starts on`}
        aria-invalid=${bad('days') ? 'true' : 'false'}
        aria-describedby=${bad('days') ? `window-${w.key}-days-error` : nothing}
      >
        ${WEEKDAYS.map(
          ({ day, name }) => html`<label
            ><input
              type="checkbox"
              part="window-day"
              value=${day}
              .checked=${w.days.includes(day)}
              @change=${(e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                setW({
                  days: on ? [...w.days.filter((x) => x !== day), day] : w.days.filter((x) => x !== day),
                });
              }}
            /><span aria-hidden="true">${name.slice(0, 3)}</span><span class="visually-hidden">${name}</span></label
          >`,
        )}
      </div>
      ${this.#errors(slot('days'), `window-${w.key}-days-error`)}
      <div class="times">
        <label
          >Starts at
          <input
            type="time"
            part="window-start"
            required
            .value=${w.start}
            aria-invalid=${bad('start') ? 'true' : 'false'}
            aria-describedby=${bad('start') ? `window-${w.key}-start-error` : nothing}
            @input=${(e: Event) => setW({ start: (e.target as HTMLInputElement).value })}
        /></label>
        <label
          >Ends at
          <input
            type="time"
            part="window-end"
            required
            .value=${w.end}
            aria-invalid=${bad('end') ? 'true' : 'false'}
            aria-describedby=${bad('end') ? `window-${w.key}-end-error` : nothing}
            @input=${(e: Event) => setW({ end: (e.target as HTMLInputElement).value })}
        /></label>
        <button type="button" part="remove-window" @click=${() => this.#removeWindow(w.key)}>
          Remove <span class="visually-hidden">window ${n}</span>
        </button>
      </div>
      ${this.#errors(slot('start'), `window-${w.key}-start-error`)} ${this.#errors(slot('end'), `window-${w.key}-end-error`)}
      ${this.#errors(slot(), `window-${w.key}-error`)}
    </fieldset>`;
  }
}

let zones: string[] | undefined;
/** The browser's IANA time zones, for the time zone field's suggestions (read once). */
function timeZones(): string[] {
  zones ??= (() => {
    try {
      return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
    } catch {
      return [];
    }
  })();
  return zones;
}
