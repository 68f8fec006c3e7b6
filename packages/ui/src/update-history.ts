import type { Client } from '@wrktalk/sdk-gcc';
import { css, html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { errorHeading, type ShownError, shownError } from './errors';
import { GccElement } from './gcc-element';
import { baseStyles } from './styles';

/**
 * `<wrktalk-update-history client-id base-url token>`: what the client runs now (`clients.get` →
 * `current_versions`, the agent's version and when it last called). The approver role may read its own client, but
 * not the deployment tasks (`listDeploymentTasks` is admin-only), so the past updates themselves are not listed
 * yet: that needs a client-scoped history endpoint in the contract.
 */
export class WrktalkUpdateHistory extends GccElement {
  static override properties: PropertyDeclarations = {
    ...GccElement.properties,
    client: { state: true },
    error: { state: true },
  };

  static override styles = [
    baseStyles,
    css`
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.35em 0.6em;
        border-bottom: 1px solid var(--wrktalk-color-border, #c9ced8);
      }
    `,
  ];

  declare protected client: Client | undefined;
  declare protected error: ShownError | undefined;
  #generation = 0;

  protected override updated(changed: PropertyValues): void {
    if (GccElement.connectionChanged(changed)) void this.refresh();
  }

  /** Reloads the client. */
  async refresh(): Promise<void> {
    const gcc = this.gccClient();
    const clientId = this.clientId;
    if (!gcc || !clientId) return;
    const gen = ++this.#generation;
    try {
      const c = await gcc.clients.get(clientId);
      if (gen !== this.#generation) return;
      this.client = c;
      this.error = undefined;
    } catch (error) {
      if (gen !== this.#generation) return;
      this.client = undefined;
      this.error = shownError(error);
    }
    await this.updateComplete;
    this.dispatchEvent(
      new CustomEvent(this.error ? 'wrktalk-error' : 'wrktalk-loaded', {
        detail: this.error ?? { clientId },
        bubbles: true,
        composed: true,
      }),
    );
  }

  override render() {
    if (this.error)
      return html`<div class="error" part="error" role="alert">
        <strong>${errorHeading(this.error)}</strong>
        <p>${this.error.message}</p>
      </div>`;
    const c = this.client;
    if (!c) return html`<p class="state muted" part="loading" role="status">Loading…</p>`;
    const versions = Object.entries(c.current_versions).sort(([a], [b]) => a.localeCompare(b));
    return html`<table part="table">
        <caption class="visually-hidden">Versions running at ${c.name}</caption>
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
}
